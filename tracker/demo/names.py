"""Words for the large demo trust's generated people, schools and records (no real persons)."""

FIRST_NAMES = ("Aisha", "Ben", "Chloe", "Dev", "Ella", "Farid", "Grace", "Harry", "Isla", "Jamal",
               "Kate", "Liam", "Mia", "Nathan", "Olivia", "Priya", "Quinn", "Ruth", "Sam", "Tariq",
               "Uma", "Victor", "Wendy", "Xavier", "Yasmin", "Zach", "Amir", "Bethany", "Callum",
               "Dina", "Ewan", "Fatima", "George", "Hana", "Ivan", "Jess", "Kofi", "Lucy",
               "Marek", "Niamh", "Omar", "Poppy", "Rhys", "Sana", "Theo", "Aled", "Bea")
SURNAMES = ("Adams", "Begum", "Carter", "Dawson", "Evans", "Foster", "Gill", "Hussain", "Ingram",
            "Jones", "Khan", "Lewis", "Morgan", "Novak", "Owen", "Patel", "Quayle", "Reid", "Singh",
            "Taylor", "Usman", "Vaughan", "Walsh", "Young", "Zielinski", "Ali", "Brennan",
            "Clarke", "Doyle", "Edwards", "Fraser", "Grant", "Hughes", "Iqbal", "Jackson",
            "Kaur", "Lloyd", "Mensah", "Nolan", "Osei", "Parry", "Rowe", "Shaw", "Thomas")

PLACE_STARTS = ("Ash", "Beech", "Brook", "Elm", "Fern", "Glen", "Hazel", "Holly", "Kings", "Lark",
                "Mill", "Moor", "North", "Oak", "Pine", "Queens", "Red", "Rose", "Stone", "West")
PLACE_ENDS = ("field", "wood", "gate", "bridge", "dale", "ford", "hill", "side")
SCHOOL_KINDS = {"primary": "Primary Academy", "secondary": "Academy", "all_through": "All-Through School",
                "special": "Special School", "alternative": "Learning Centre", "post16": "Sixth Form"}

UPDATE_NOTES = {
    "green": ("Sessions running in every class; fidelity check passed.",
              "Early data encouraging; pupil voice positive.",
              "Coaching cycle complete; staff confident with the routines.",
              "Milestone met on time; next step agreed with the school lead."),
    "amber": ("Two classes behind on the sessions; coaching booked for next week.",
              "Fidelity check found routines slipping on Fridays; timetable adjusted.",
              "Staff absence delayed the second training session.",
              "Data drop late from one year group; chasing."),
    "red": ("Lead on long-term absence; sessions paused since half term.",
            "Timetable clash stopped the sessions for three weeks.",
            "Fidelity well below plan: only half the sessions happened."),
}
MILESTONES = ("Baseline data collected", "Staff training delivered", "First fidelity check",
              "Mid-point review", "Coaching cycle complete", "Pupil voice survey", "Data drop analysed",
              "Governors briefed", "Parent workshop held", "Resources in every classroom",
              "End-of-term review", "Next cohort identified")
CYCLE_TITLES = ("Try it with one class", "Shorter sessions before lunch", "Peer coaching pairs",
                "A visualiser for modelling", "Sessions led by teaching assistants",
                "Daily check for understanding", "Move the slot to the morning",
                "Pre-teach vocabulary", "Group by need, not by class", "Add a weekly quiz")
ACT_NOTES = {"adopt": "Worked as predicted: adopted for every class.",
             "adapt": "Partly worked: changing the timing and testing again.",
             "abandon": "No difference against the prediction: dropped."}
OUT_PRACTICES = ("Weekly written marking of every book", "Termly data drops for every year group",
                 "Separate intervention timetable", "Twice-termly book scrutiny",
                 "Lesson-plan submission every Friday", "Whole-school reading log checks",
                 "After-school revision clubs for Year 11", "Daily homework diaries")
REVIEW_RATIONALES = {"continue": "The outcome measure shows a shift above the old median; keep going.",
                     "adapt": "Signals mixed: keep the core, change the coaching model.",
                     "deimplement": "No signal after two terms; the time goes to the new priority."}
MEASURE_EXTRAS = (("Sessions delivered as planned", "%", True, 60.0, 90.0, "implementation"),
                  ("Staff hours a week on the initiative", "hours", False, 12.0, 8.0, "balancing"),
                  ("Pupils reached", "%", True, 40.0, 80.0, "process"))
#: The large trust's KPIs: (name, unit, higher is better, target, typical, spread between
#: schools, noise, decimals, days between points).
LARGE_KPIS = (("Attendance", "%", True, 95.0, 94.0, 1.6, 0.6, 1, 7),
              ("Reading assessment (standardised score)", "score", True, 100.0, 99.0, 3.5, 1.4, 1, 28),
              ("Suspensions per 100 pupils", "per 100 pupils", False, 1.0, 1.3, 0.6, 0.22, 2, 28),
              ("Persistent absence", "%", False, 15.0, 18.0, 4.0, 1.2, 1, 14))
