"""The demo trust: a realistic fictional multi-academy trust that makes every page worth a look.

``seed`` is idempotent: it does nothing when the demo trust is already there.
``size="large"`` builds a trust of 120 schools and thousands of initiatives for the benchmarks.
"""
import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from tracker import updates
from tracker.clock import today
from tracker.models import (Allocation, DeimplementationReview, Driver, Expert, Goal, Initiative,
                            InitiativeTag, Measure, MeasurePoint, Milestone, PdsaCycle, School,
                            SelfEvaluation, SelfEvaluationRating, Transition, TrustPolicy,
                            Unavailability, Update, User)
from tracker.models.base import utcnow
from tracker.models.initiative import HELIX_COMPONENTS, PILLARS, initiative_schools
from tracker.models.insight import Insight, InsightPillar
from tracker.passwords import hash_password

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


def seed(session, size="normal"):
    """Create the demo trust unless it exists. Returns a line saying what it did."""
    if session.execute(select(School.id).where(School.urn == "DEMO01")).first():
        return "The demo trust is already loaded; nothing changed.\n" + sign_ins()
    rng = random.Random(2026)
    now = today()
    if session.get(TrustPolicy, 1) is None:
        session.add(TrustPolicy(id=1, mode="cap", max_active_initiatives=5, out_grace_days=14,
                                review_interval_days=90))
    schools = _schools(session, size, rng)
    people = _people(session, schools, size)
    experts = _experts(session, schools, size, rng)
    count = 36 if size == "normal" else 3000
    initiatives = [_initiative(session, i, rng, schools, people, now) for i in range(count)]
    session.flush()
    for initiative in initiatives:
        _progress(session, initiative, rng, people, now)
    _progress_per_school(session, initiatives, now)
    _allocations(session, experts, initiatives, rng, now)
    _one_in_one_out(session, schools, initiatives, now)
    _self_evaluations(session, schools, people, now)
    _trust_kpis(session, schools, now, rng)
    _insights(session, schools, people, initiatives, now)
    session.flush()
    _goals(session, schools, people, initiatives, now)
    session.flush()
    return (f"Loaded the demo trust: {len(schools)} schools, {len(people['all'])} people, "
            f"{len(experts)} experts, {len(initiatives)} initiatives.\n" + sign_ins())


def sign_ins():
    """The demo sign-ins, one line each, for the run command to print."""
    lines = "\n".join(f"  {role:13} {local.lower()}@demo.trust" for local, _, role, _ in PEOPLE)
    return f"Sign in with any of these (password {DEMO_PASSWORD}):\n{lines}"


def _schools(session, size, rng):
    rows = [School(name=n, urn=u, phase=p, support_status=s) for n, u, p, s in SCHOOLS]
    if size == "large":
        phases = ["primary"] * 6 + ["secondary"] * 3 + ["special", "all_through"]
        statuses = ["can_support", "stable", "stable", "needs_support"]
        rows += [School(name=f"Demo School {i:03}", urn=f"DEMOL{i:03}", phase=rng.choice(phases),
                        support_status=rng.choice(statuses)) for i in range(12, 121)]
    session.add_all(rows)
    session.flush()
    return rows


def _people(session, schools, size):
    by_urn = {s.urn: s for s in schools}
    password_hash = hash_password(DEMO_PASSWORD)  # one hash: Argon2 is slow on purpose
    everyone = [User(email=f"{local.lower()}@demo.trust", name=name, role=role,
                     password_hash=password_hash, schools=[by_urn[u] for u in urns])
                for local, name, role, urns in PEOPLE]
    if size == "large":
        for i, school in enumerate(schools[len(SCHOOLS):]):
            everyone.append(User(email=f"lead{i:03}@demo.trust", name=f"Project Lead {i:03}",
                                 role="project_lead", password_hash=password_hash, schools=[school]))
            everyone.append(User(email=f"head{i:03}@demo.trust", name=f"Head Teacher {i:03}",
                                 role="school_lead", password_hash=password_hash, schools=[school]))
    session.add_all(everyone)
    session.flush()
    leads = [u for u in everyone if u.role == "project_lead"]
    return {"all": everyone, "leads": leads}


def _experts(session, schools, size, rng):
    names = EXPERT_NAMES if size == "normal" else [f"Expert {i:03}" for i in range(150)]
    supporting = [s for s in schools if s.support_status == "can_support"]
    experts = [Expert(name=n, email=f"expert{i}@demo.trust", specialisms=SPECIALISMS[i % len(SPECIALISMS)],
                      home_school_id=rng.choice(supporting).id, days_per_week=rng.choice([1, 2, 2, 3, 0.5]))
               for i, n in enumerate(names)]
    session.add_all(experts)
    session.flush()
    return experts


def _initiative(session, i, rng, schools, people, now):
    theme = THEMES[i % len(THEMES)]
    owner = rng.choice(people["leads"])
    own_schools = owner.schools or schools[:1]
    chosen = own_schools if i % 7 == 0 else [rng.choice(own_schools)]
    phase = ["explore", "prepare", "deliver", "deliver", "sustain", "prepare"][i % 6]
    status = "active"
    if i % 11 == 10:
        status = rng.choice(["completed", "deimplemented", "rejected"])
        phase = "explore" if status == "rejected" else "deliver"
    started = now - timedelta(days=rng.randint(60, 400))
    initiative = Initiative(
        title=theme[0] if i < len(THEMES) else f"{theme[0]} ({_short_name(chosen[0])})",
        problem=theme[1], evidence=theme[2] if phase != "explore" or i % 2 else "",
        intended_outcomes=f"{theme[3]} moves from {theme[6]} to {theme[7]}{theme[4] if theme[4] == '%' else ' ' + theme[4]}.",
        active_ingredients=("Short daily sessions; fidelity checks by the lead; coaching every fortnight."
                            if phase in ("deliver", "sustain") else ""),
        owner=owner, schools=chosen, phase=phase, status=status,
        scope="school" if len(chosen) == 1 else "schools", phase_since=started + timedelta(days=40),
        ended_on=now - timedelta(days=rng.randint(1, 60)) if status != "active" else None)
    initiative.tags = [InitiativeTag(framework="pillar", code=c) for c in rng.sample(PILLARS, 2)] + \
        [InitiativeTag(framework="helix", code=c) for c in rng.sample(HELIX_COMPONENTS, 2)]
    session.add(initiative)
    return initiative


def _short_name(school):
    """What staff call a school: "The Beacon Centre" is "Beacon", "St Aidan's CE" is "St Aidan's"."""
    words = [w for w in school.name.split() if w != "The"]
    return " ".join(words[:2]) if words[0] == "St" else words[0]


def _progress(session, initiative, rng, people, now):
    """Milestones, updates, a measure with points, PDSA cycles, transitions and a review."""
    theme = next(t for t in THEMES if initiative.title.startswith(t[0]))
    start = initiative.phase_since - timedelta(days=40)
    order = ["explore", "prepare", "deliver", "sustain"]
    for step, phase in enumerate(order[1:order.index(initiative.phase) + 1], start=1):
        # Spread the history over the initiative's life, ending on the day it reached its phase.
        moved_on = initiative.phase_since - timedelta(days=30 * (order.index(initiative.phase) - step))
        session.add(Transition(initiative_id=initiative.id, from_phase=order[step - 1], to_phase=phase,
                               user_id=initiative.owner_id, reason=None,
                               at=datetime.combine(moved_on, time(9), timezone.utc)))
    for k in range(4):
        due = start + timedelta(days=30 * (k + 1))
        done = due - timedelta(days=rng.randint(0, 5)) if due < now - timedelta(days=10) and k < 3 else None
        session.add(Milestone(initiative_id=initiative.id, owner_id=initiative.owner_id, due_on=due,
                              done_on=done, title=["Baseline data collected", "Staff training delivered",
                                                   "First fidelity check", "Mid-point review"][k]))
    rag = None
    for k in range(rng.randint(1, 4)):
        rag = rng.choice(["green", "green", "amber", "red"])
        session.add(Update(initiative_id=initiative.id, author_id=initiative.owner_id, rag=rag,
                           narrative=rng.choice([
                               "Sessions running in all classes; two staff need more coaching.",
                               "Fidelity check found routines slipping on Fridays; adjusted timetable.",
                               "Early data encouraging; pupil voice positive.",
                               "Staff absence delayed the second training session."]),
                           created_at=utcnow() - timedelta(days=14 * (3 - k))))
    initiative.rag = rag
    initiative.last_update_at = utcnow() - timedelta(days=rng.randint(1, 40))
    if initiative.phase in ("prepare", "deliver", "sustain"):
        name, unit, higher, baseline, target = theme[3:8]
        measure = Measure(initiative_id=initiative.id, name=name, unit=unit, higher_is_better=higher,
                          baseline=baseline, target=target, kind="outcome")
        session.add(measure)
        session.flush()
        value, step = float(baseline), (target - baseline) / 30
        for week in range(rng.randint(12, 24)):
            value += step * (1 if week > 8 else 0.2) + rng.uniform(-1, 1) * abs(step) * 3
            session.add(MeasurePoint(measure_id=measure.id, on=start + timedelta(weeks=week),
                                     value=round(value, 1)))
        _demo_measure_extras(session, initiative, measure, start)
    if initiative.phase in ("deliver", "sustain"):
        stages = ["study", "act", "closed"] if initiative.phase == "sustain" else ["do", "plan", "study"]
        for k, stage in enumerate(stages):
            session.add(PdsaCycle(
                initiative_id=initiative.id, owner_id=initiative.owner_id, stage=stage,
                title=f"Cycle {k + 1}: try it with one class", question="Will a 10-minute daily slot work?",
                prediction="At least 80% of sessions happen as planned.",
                do_notes="Ran for two weeks." if stage != "plan" else "",
                study_notes="84% of sessions happened; Friday slots missed." if stage in ("act", "closed") else "",
                act_decision="adapt" if stage == "closed" else None,
                stage_since=now - timedelta(days=rng.randint(3, 50))))
        session.add(DeimplementationReview(initiative_id=initiative.id,
                                           due_on=initiative.phase_since + timedelta(days=90)))


def _progress_per_school(session, initiatives, now):
    """Each school's own RAG starts as its initiative's (the updates above are for all its
    schools); then two horizontal initiatives in Deliver hear from their schools one by one,
    and the schools differ: one on track, one off track, one with concerns. Its own random
    stream, so the rest of the demo stays as it was."""
    session.flush()
    session.execute(initiative_schools.update().values(rag=select(Initiative.rag).where(
        Initiative.id == initiative_schools.c.initiative_id).scalar_subquery()))
    rng = random.Random(14)
    shared = [i for i in initiatives if len(i.schools) > 1 and i.status == "active"
              and i.phase in ("deliver", "sustain")][:2]
    notes = {"green": "Routines embedded in every class; fidelity check passed.",
             "amber": "Two classes behind on the sessions; coaching booked for next week.",
             "red": "Lead on long-term absence; sessions paused since half term."}
    for initiative in shared:
        # The updates for all its schools come first; each school's own then follow.
        for earlier in session.execute(select(Update).where(
                Update.initiative_id == initiative.id)).scalars():
            earlier.created_at -= timedelta(days=4)
        rags = ["green", "red", "amber"] + [rng.choice(["green", "amber"]) for _ in range(9)]
        logged_at = utcnow() - timedelta(days=3)
        for school, rag in zip(initiative.schools, rags):
            logged_at += timedelta(hours=rng.randint(2, 20))
            session.add(Update(initiative_id=initiative.id, school_id=school.id, rag=rag,
                               author_id=initiative.owner_id, created_at=logged_at,
                               narrative=f"{_short_name(school)}: {notes[rag]}"))
            if rag == "red":
                session.add(Milestone(initiative_id=initiative.id, school_id=school.id,
                                      owner_id=initiative.owner_id, title="Restart the sessions",
                                      due_on=now - timedelta(days=5)))
        initiative.rag, initiative.last_update_at = rag, logged_at
        session.flush()
        updates.refresh_school_rags(session, initiative.id)


def _demo_measure_extras(session, initiative, measure, start):
    """The change starts after week 8: freeze the baseline on those weeks, and give a
    horizontal initiative per-school points so its page shows school by school. Its own
    random stream, so the rest of the demo stays as it was."""
    if initiative.phase in ("deliver", "sustain"):
        measure.baseline_until = start + timedelta(weeks=8)
    if len(initiative.schools) < 2:
        return
    rng = random.Random(measure.id)
    base, target = measure.baseline, measure.target
    for n, school in enumerate(initiative.schools):
        value = base + rng.uniform(-3, 3)
        for week in range(16):
            value += (target - base) / (20 + 10 * n) * (1 if week > 8 else 0.1) + rng.uniform(-1.5, 1.5)
            session.add(MeasurePoint(measure_id=measure.id, school_id=school.id,
                                     on=start + timedelta(weeks=week), value=round(value, 1)))


def _allocations(session, experts, initiatives, rng, now):
    delivering = [i for i in initiatives if i.phase == "deliver" and i.status == "active"]
    monday = now - timedelta(days=now.weekday())
    for expert in experts:
        for _ in range(2):
            target = rng.choice(delivering)
            starts = monday + timedelta(weeks=rng.randint(-4, 6))
            session.add(Allocation(expert_id=expert.id, school_id=target.schools[0].id,
                                   initiative_id=target.id, starts_on=starts,
                                   ends_on=starts + timedelta(weeks=rng.randint(2, 8), days=4),
                                   days_per_week=min(expert.days_per_week, 0.5),
                                   status=rng.choice(["planned", "confirmed"])))
    _leave_and_an_override(session, experts, delivering, monday)


def _leave_and_an_override(session, experts, delivering, monday):
    """A course, a week of leave and one override, so the planner shows each kind of week."""
    session.add(Unavailability(expert_id=experts[0].id, starts_on=monday + timedelta(weeks=1, days=2),
                               ends_on=monday + timedelta(weeks=1, days=2), reason="Course: NPQLT day"))
    session.add(Unavailability(expert_id=experts[2].id, starts_on=monday + timedelta(weeks=3),
                               ends_on=monday + timedelta(weeks=3, days=4), reason="Annual leave"))
    target = delivering[0]
    session.add(Allocation(expert_id=experts[1].id, school_id=target.schools[0].id,
                           initiative_id=target.id, starts_on=monday + timedelta(weeks=2),
                           ends_on=monday + timedelta(weeks=3, days=4),
                           days_per_week=experts[1].days_per_week, status="confirmed",
                           override_reason="Covering the school's maths lead during their leave"))


STOP_REASONS = [
    ("No measurable change after two terms; the staff time goes to the new priority instead.",
     "Two after-school sessions a week for three teachers."),
    ("Superseded by the trust-wide programme, which does the same with better evidence.",
     "A weekly planning meeting and the duplicate data drop."),
    ("Impact too small for the workload it asked of middle leaders.",
     "Half a day a fortnight of middle-leader time."),
]


def _one_in_one_out(session, schools, initiatives, now):
    """Outs named, done and overdue, a school with its own limit, and a deciding review for
    every de-implemented initiative, so the policy pages and the stopped register have
    something true to show. No random numbers: the rest of the demo stays as it was."""
    by_urn = {s.urn: s for s in schools}
    by_urn["DEMO07"].max_active_initiatives = 3
    preparing = [i for i in initiatives if i.status == "active" and i.phase == "prepare"]
    delivering = [i for i in initiatives if i.status == "active" and i.phase == "deliver"]
    outs = [("Weekly written marking of every book", now + timedelta(days=30), None),
            ("Termly data drops for every year group", now - timedelta(days=40), None),
            ("Separate intervention timetable", now - timedelta(days=20), now - timedelta(days=25))]
    for initiative, (practice, due_on, done_on) in zip(preparing, outs):
        initiative.out_practice, initiative.out_due_on, initiative.out_done_on = practice, due_on, done_on
    for initiative in preparing[len(outs):]:
        shared = next((d for d in delivering if set(d.school_ids) & set(initiative.school_ids)), None)
        if shared is not None:
            initiative.out_initiative_id, initiative.out_due_on = shared.id, now + timedelta(days=45)
            break
    stopped = [i for i in initiatives if i.status == "deimplemented"]
    for n, initiative in enumerate(stopped):
        rationale, would_stop = STOP_REASONS[n % len(STOP_REASONS)]
        session.add(DeimplementationReview(
            initiative_id=initiative.id, due_on=initiative.ended_on, decision="deimplement",
            decided_on=initiative.ended_on, decided_by_id=initiative.owner_id,
            reviewer_id=initiative.owner_id, rationale=rationale, would_stop=would_stop,
            impact_evidence="The outcome measure stayed inside its usual variation: no signal.",
            workload="Reported as high in the staff survey.", freed_expert_days=float(2 + n)))


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


def _self_evaluations(session, schools, people, now):
    """Three rounds of the trust's self-evaluation over the past year, and two of one
    school's, so the self-evaluation page shows change over time."""
    by_email = {u.email: u for u in people["all"]}

    def author(local):
        return by_email[f"{local.lower()}@demo.trust"].id

    urn, head, school_rounds = SCHOOL_ROUNDS
    school = next(s for s in schools if s.urn == urn)
    rounds = [(days, local, None, ratings) for days, local, ratings in TRUST_ROUNDS]
    rounds += [(days, head, school.id, ratings) for days, ratings in school_rounds]
    for days, local, school_id, ratings in rounds:
        session.add(SelfEvaluation(
            on=now - timedelta(days=days), school_id=school_id, author_id=author(local),
            ratings=[SelfEvaluationRating(pillar=p, rating=r, evidence=e)
                     for p, (r, e) in ratings.items()]))


__all__ = ["seed", "DEMO_PASSWORD"]


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


def _trust_kpis(session, schools, now, rng):
    """Three trust KPIs recorded fortnightly by every school for a year, so that the Making
    Data Count icons vary: improvement, concern and common cause; pass, fail and hit and miss."""
    for k, (name, unit, higher, target, typical, spread, noise, places) in enumerate(TRUST_KPIS):
        kpi = Measure(initiative_id=None, name=name, unit=unit, kind="outcome",
                      higher_is_better=higher, target=target)
        session.add(kpi)
        session.flush()
        good = 1 if higher else -1
        points = []
        for i, school in enumerate(schools):
            pattern = KPI_PATTERNS[(i + k) % len(KPI_PATTERNS)]
            level = typical + rng.uniform(-spread, spread)
            wobble = noise
            if pattern == "leading":  # reliably past the target: its limits clear it
                level, wobble = target + good * noise * rng.uniform(2.5, 3.5), noise / 2
            first = KPI_FORTNIGHTS - 8 if pattern == "new" else 0
            for p in range(first, KPI_FORTNIGHTS):
                value = level + rng.gauss(0, wobble)
                if p >= KPI_FORTNIGHTS - 8 and pattern in ("improving", "slipping"):
                    step = noise * (1.6 + 0.35 * (p - KPI_FORTNIGHTS + 8))
                    value += good * step if pattern == "improving" else -good * step
                value = round(max(0.0, min(value, 100.0) if unit == "%" else value), places)
                points.append(MeasurePoint(measure_id=kpi.id, school_id=school.id, value=value,
                                           on=now - timedelta(days=14 * (KPI_FORTNIGHTS - 1 - p))))
        session.add_all(points)


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


def _insights(session, schools, people, initiatives, now):
    """Three to five insights per school across sources and judgements; some taken up by one
    of the school's initiatives, and at two schools older concerns no initiative answers."""
    heads = {s.id: u for u in people["all"] if u.role == "school_lead" for s in u.schools}
    central = next(u for u in people["all"] if u.role == "central_team")
    of_school = {}
    for initiative in initiatives:
        for school in initiative.schools:
            of_school.setdefault(school.id, []).append(initiative)
    for k, school in enumerate(schools):
        count = 3 + k % 3
        for n in range(count):
            source, judgement, title, summary, pillars, days, acted = INSIGHTS[(k + n) % len(INSIGHTS)]
            answering = [] if school.urn in UNANSWERED_AT else of_school.get(school.id, [])[n:n + 1]
            session.add(Insight(
                school_id=school.id, source=source, judgement=judgement, title=title,
                summary=summary, on=now - timedelta(days=days + k),
                author_id=(heads.get(school.id) or central).id,
                pillar_tags=[InsightPillar(pillar=p) for p in pillars],
                initiatives=answering if acted else []))


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


def _goals(session, schools, people, initiatives, now):
    """The trust's reading goal, tied to the reading KPI, with its drivers and the initiatives
    serving them (two per secondary driver at most, one driver with none yet); and one
    school's attendance goal."""
    reading = session.execute(select(Measure).where(
        Measure.initiative_id.is_(None), Measure.name.startswith("Reading"))).scalars().first()
    admin = next(u for u in people["all"] if u.role == "admin")
    summer = date(now.year + 2, 7, 20)
    goal = Goal(title="Every pupil reads fluently by age 9",
                aim=("By July {0}, 90% of Year 4 pupils in every school score 100 or more on the "
                     "trust's common reading assessment, and no school is below 80%.").format(summer.year),
                measure_id=reading.id if reading else None, target_on=summer, author_id=admin.id)
    session.add(goal)
    session.flush()
    for primary_title, secondaries in TRUST_GOAL_DRIVERS:
        primary = Driver(goal_id=goal.id, title=primary_title)
        session.add(primary)
        session.flush()
        for title, themes in secondaries:
            serving = [i for i in initiatives if i.title.split(" (")[0] in themes][:2]
            session.add(Driver(goal_id=goal.id, parent_id=primary.id, title=title,
                               initiatives=serving))
    school = next((s for s in schools if s.urn == "DEMO07"), schools[0])
    own = [i for i in initiatives if school in i.schools and i.status == "active"]
    school_goal = Goal(title="Persistent absence below 15%", school_id=school.id,
                       aim=f"Persistent absence at {school.name} falls from 27% to below 15% by "
                           f"the end of the summer term {summer.year - 1}.",
                       target_on=date(summer.year - 1, 7, 20), author_id=admin.id)
    session.add(school_goal)
    session.flush()
    families = Driver(goal_id=school_goal.id, title="Families know why every day counts")
    session.add(families)
    session.flush()
    session.add_all([
        Driver(goal_id=school_goal.id, parent_id=families.id, title="A call home on the first day",
               initiatives=[i for i in own if i.title.startswith("Attendance")][:1] or own[:1]),
        Driver(goal_id=school_goal.id, parent_id=families.id,
               title="Termly attendance meetings with families")])
