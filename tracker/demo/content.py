"""The demo trust's words: its schools, people, themes and findings (shared by the normal
and the large trust)."""

DEMO_PASSWORD = "Northfield-demo-2026"

SCHOOLS = [
    ("Northfield Primary Academy", "DEMO01", "primary", "can_support"),
    ("Riverside Infant and Junior School", "DEMO02", "primary", "can_support"),
    ("Oakwood Primary", "DEMO03", "primary", "stable"),
    ("St Aidan's CE Primary", "DEMO04", "primary", "needs_support"),
    ("Northfield High School", "DEMO05", "secondary", "can_support"),
    ("Castlegate Academy", "DEMO06", "secondary", "stable"),
    ("Millbrook School", "DEMO07", "secondary", "needs_support"),
    ("Hollins All-Through School", "DEMO08", "all_through", "can_support"),
    ("Bridgeway Special School", "DEMO09", "special", "stable"),
    ("The Beacon Centre", "DEMO10", "alternative", "stable"),
    ("Northfield Sixth Form College", "DEMO11", "post16", "can_support"),
]

#: (email local part, name, role, school URNs)
PEOPLE = [
    ("admin", "Alex Admin", "admin", []),
    ("central", "Priya Central", "central_team", []),
    ("board", "Bernard Board", "viewer", []),
    ("head.northfield", "Helen Hughes", "school_lead", ["DEMO01"]),
    ("head.stAidans", "Samuel Okafor", "school_lead", ["DEMO04"]),
    ("head.millbrook", "Rachel Green", "school_lead", ["DEMO07"]),
    ("head.castlegate", "Imran Shah", "school_lead", ["DEMO06", "DEMO05"]),
    ("lead.reading", "Laura Reid", "project_lead", ["DEMO01", "DEMO02", "DEMO03", "DEMO04"]),
    ("lead.maths", "Tom Mathers", "project_lead", ["DEMO05", "DEMO06", "DEMO07"]),
    ("lead.attendance", "Grace Adeyemi", "project_lead", ["DEMO04", "DEMO07"]),
    ("lead.send", "Owen Price", "project_lead", ["DEMO09", "DEMO10", "DEMO08"]),
    ("viewer.millbrook", "Valerie Governor", "viewer", ["DEMO07"]),
]

THEMES = [
    ("Daily phonics catch-up", "Year 1 phonics screening pass rate fell to 68% against 79% nationally.",
     "EEF Improving Literacy in KS1: systematic phonics, small-group tuition.",
     "Phonics screening pass rate", "%", True, 68, 82),
    ("Reciprocal reading in Key Stage 2", "Reading comprehension scores lag writing by a term in Y5–6.",
     "EEF toolkit: reading comprehension strategies +6 months.",
     "Pupils at expected standard in reading", "%", True, 61, 75),
    ("Mastery maths in Key Stage 3", "Year 7 baseline shows gaps in fractions and proportional reasoning.",
     "EEF Improving Mathematics in KS2/3: manipulatives and explicit instruction.",
     "Y7 maths assessment average", "%", True, 54, 65),
    ("Attendance first-day calling", "Persistent absence at 27%, highest among disadvantaged pupils.",
     "DfE Working together to improve school attendance; EEF attendance interventions review.",
     "Attendance", "%", True, 90.5, 94),
    ("Behaviour: consistent routines", "Behaviour incidents rising since autumn, concentrated in Y8.",
     "EEF Improving Behaviour in Schools: know and understand your pupils; teach behaviour.",
     "Behaviour incidents per week", "incidents", False, 42, 25),
    ("Metacognition in science", "Pupils cannot explain their revision approaches; mock results flat.",
     "EEF Metacognition and Self-regulated Learning guidance.",
     "Science mock average grade", "grade", True, 4.1, 5.0),
    ("Oracy across the curriculum", "Disadvantaged pupils speak least in lessons (lesson drop-ins).",
     "EEF oral language interventions +6 months; Voice 21 benchmarks.",
     "Pupils contributing in lesson drop-ins", "%", True, 38, 60),
    ("Adaptive teaching for SEND", "SEND pupils' progress below peers in every core subject.",
     "EEF SEND in Mainstream Schools: high-quality teaching first.",
     "SEND pupils on track", "%", True, 44, 60),
    ("Feedback without marking overload", "Teacher workload survey: marking is the top burden.",
     "EEF Teacher Feedback to Improve Pupil Learning guidance.",
     "Teachers reporting manageable workload", "%", True, 41, 70),
    ("Retrieval practice starters", "Knowledge retention weak in end-of-unit quizzes.",
     "EEF cognitive science in the classroom review.",
     "End-of-unit quiz average", "%", True, 58, 70),
]

SPECIALISMS = [["maths"], ["maths", "numeracy"], ["early reading", "phonics"], ["english", "oracy"],
               ["science"], ["send"], ["behaviour", "attendance"], ["leadership"],
               ["maths", "leadership"], ["history", "curriculum"], ["early years"], ["computing"]]
EXPERT_NAMES = ["Maya Patel", "Joe Fletcher", "Ellie Robinson", "Kwame Mensah", "Sophie Turner",
                "Daniel Brooks", "Hannah Lee", "Marcus Bell", "Zara Ahmed", "Chris Nolan",
                "Nina Kowalska", "Peter Walsh"]

STOP_REASONS = [
    ("No measurable change after two terms; the staff time goes to the new priority instead.",
     "Two after-school sessions a week for three teachers."),
    ("Superseded by the trust-wide programme, which does the same with better evidence.",
     "A weekly planning meeting and the duplicate data drop."),
    ("Impact too small for the workload it asked of middle leaders.",
     "Half a day a fortnight of middle-leader time."),
]

#: The trust's self-evaluations over the past year: (days ago, author, {pillar: (rating,
#: evidence)}), oldest first. Mostly upward, with one honest step back.
TRUST_ROUNDS = [
    (330, "central", {
        "vision": (2, "A vision statement agreed by the board; heads describe it in different words."),
        "capacity": (1, "Support goes to whichever school asks loudest; no view of who is free."),
        "collective_commitment": (2, "Heads meet monthly; sharing between schools is informal."),
        "data": (1, "Each school reports its own measures, termly, in its own format."),
        "process": (1, "Initiatives start without plans; few are reviewed or stopped."),
        "improvement_activity": (2, "Some programmes are evidence-informed; little is tested small first."),
        "quality_assurance": (2, "Visits happen, but findings are not followed up."),
    }),
    (180, "central", {
        "vision": (3, "Every school's plan names the trust priority it serves."),
        "capacity": (2, "Expert teachers are allocated through the planner; load is visible."),
        "collective_commitment": (2, "The reading network runs across four schools; others wait to join."),
        "data": (2, "Common measures agreed; two schools still send them late."),
        "process": (2, "The four-phase cycle is used for new initiatives, not yet for older ones."),
        "improvement_activity": (3, "Phonics and reciprocal reading tested in PDSA cycles before scaling."),
        "quality_assurance": (2, "Peer reviews piloted in three schools."),
    }),
    (30, "admin", {
        "vision": (3, "Staff surveys: 8 in 10 can say what the vision means for their work."),
        "capacity": (2, "Two schools can support for each one needing intensive support: below the "
                        "three the golden rule asks."),
        "collective_commitment": (3, "Every school gives staff time to at least one network."),
        "data": (3, "Attendance and reading measures arrive monthly from every school and are read "
                    "as run charts."),
        "process": (3, "All active initiatives follow the cycle; every one in Deliver has named its "
                       "one out."),
        "improvement_activity": (2, "Two pilots paused when their leads left; fewer cycles reached Study "
                                    "this term."),
        "quality_assurance": (3, "Termly peer reviews in every school, each finding taken up by an "
                                 "initiative or closed."),
    }),
]
#: One school's own rounds, by its head.
SCHOOL_ROUNDS = ("DEMO01", "head.northfield", [
    (200, {"vision": (2, "Written with governors; staff know the headline, not what it asks of them."),
           "capacity": (2, "One specialist leader for reading; maths support comes from the centre."),
           "collective_commitment": (2, "We take part in the reading network; we rarely host."),
           "data": (2, "Phonics data half-termly; attendance weekly but not read as a trend."),
           "process": (1, "Three initiatives started this year with no written plan."),
           "improvement_activity": (2, "Phonics catch-up chosen from the EEF guidance, not yet tested."),
           "quality_assurance": (2, "Learning walks each half term; notes are not followed up.")}),
    (20, {"vision": (3, "Every phase team's plan names the part of the vision it serves."),
          "capacity": (3, "Two staff now coach other schools in phonics for a day a week."),
          "collective_commitment": (3, "We host the reading network's Year 1 sessions."),
          "data": (2, "Attendance read as a run chart since September; phonics still termly."),
          "process": (2, "New initiatives follow the cycle; the older two are being re-planned."),
          "improvement_activity": (3, "Daily phonics catch-up tested in two PDSA cycles, then adopted."),
          "quality_assurance": (2, "Peer review booked with Riverside for next term.")}),
])

#: The trust's KPIs: (name, unit, higher is better, target, typical level, spread between
#: schools, fortnightly noise, decimals).
TRUST_KPIS = [
    ("Attendance", "%", True, 95.0, 94.6, 1.4, 0.5, 1),
    ("Reading assessment (standardised score)", "score", True, 100.0, 100.0, 3.5, 1.4, 1),
    ("Suspensions per 100 pupils", "per 100 pupils", False, 1.0, 1.3, 0.6, 0.22, 2),
]
#: How each school's values go, by the school's place in the list (shifted per KPI, so a
#: school is not good or bad at everything): steady common cause, steadily well past the
#: target, a sustained improvement or a slide over the last few months, or a school that
#: began recording only recently.
KPI_PATTERNS = ("steady", "improving", "leading", "slipping", "steady", "improving", "leading",
                "new", "slipping", "steady", "steady")
KPI_FORTNIGHTS = 26

#: Findings about schools: (source, judgement, title, summary, pillars, days ago, whether one
#: of the school's initiatives acts on it). Each school gets three to five, in turn.
INSIGHTS = [
    ("qa_visit", "concern", "Phonics sessions lose pace in Year 1",
     "Four of six sessions seen ran over time; pupils waiting while groups were re-sorted.",
     ["quality_assurance", "improvement_activity"], 62, True),
    ("peer_review", "strength", "Behaviour routines are calm and consistent",
     "Reviewers from a partner school saw the same entry and transition routines in every "
     "corridor.", ["process", "collective_commitment"], 48, False),
    ("survey", "development", "Parents unsure how to support reading at home",
     "Parent survey: 58% did not know which books their child should read at home.",
     ["data"], 35, True),
    ("pupil_voice", "concern", "Year 9 pupils say feedback is not acted on",
     "Pupil panel: written feedback is rarely revisited; pupils could not say what to improve.",
     ["quality_assurance"], 20, False),
    ("data_review", "concern", "Persistent absence rising among disadvantaged pupils",
     "Autumn data: persistent absence at 27% for disadvantaged pupils, 14% for others.",
     ["data", "capacity"], 75, True),
    ("external_inspection", "strength", "Curriculum ambition praised at inspection",
     "Inspectors found a well-sequenced curriculum with clear end points in every subject.",
     ["vision"], 140, False),
    ("qa_visit", "development", "Retrieval starters used unevenly across departments",
     "Seen in science and history; absent in most maths and English lessons visited.",
     ["improvement_activity"], 28, True),
    ("survey", "concern", "Staff report marking as the top workload burden",
     "Staff survey: 64% name marking first; many spend over five hours a week on it.",
     ["capacity", "process"], 90, True),
]
#: Schools (by URN) whose concerns no initiative has taken up: the dashboard and the school
#: page show them as unanswered.
UNANSWERED_AT = ("DEMO04", "DEMO07")

#: The trust's goal and its driver diagram: (primary driver, [(secondary driver, the themes of
#: the initiatives that serve it)]). One secondary driver has no initiative yet.
TRUST_GOAL_DRIVERS = [
    ("Systematic phonics taught well in every class", [
        ("Daily phonics lessons taught with fidelity", ["Daily phonics catch-up"]),
        ("Reading books matched to the sounds pupils know", []),
        ("Retrieval of sounds and words every day", ["Retrieval practice starters"])]),
    ("Pupils understand and talk about what they read", [
        ("Comprehension strategies modelled and practised", ["Reciprocal reading in Key Stage 2"]),
        ("Rich talk about books in every lesson", ["Oracy across the curriculum"])]),
    ("Every pupil in school and ready to learn", [
        ("Absence followed up from the first day", ["Attendance first-day calling"]),
        ("Teaching adapted for pupils with SEND", ["Adaptive teaching for SEND"]),
        ("Calm, consistent routines", ["Behaviour: consistent routines"])]),
]
