"""The normal demo trust: eleven schools and 36 initiatives, written one record at a time so
every page has a story worth a look (tracker.demo.large builds the trust for benchmarks)."""
import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from tracker import updates
from tracker.clock import today
from tracker.demo.content import (DEMO_PASSWORD, EXPERT_NAMES, INSIGHTS, KPI_FORTNIGHTS,
                                  KPI_PATTERNS, PEOPLE, SCHOOL_ROUNDS, SCHOOLS, SPECIALISMS,
                                  STOP_REASONS, THEMES, TRUST_GOAL_DRIVERS, TRUST_KPIS,
                                  TRUST_ROUNDS, UNANSWERED_AT)
from tracker.models import (Allocation, DeimplementationReview, Driver, Expert, Goal, Initiative,
                            InitiativeTag, Measure, MeasurePoint, Milestone, PdsaCycle, School,
                            SelfEvaluation, SelfEvaluationRating, Transition, TrustPolicy,
                            Unavailability, Update, User)
from tracker.models.base import utcnow
from tracker.models.initiative import HELIX_COMPONENTS, PILLARS, initiative_schools
from tracker.models.insight import Insight, InsightPillar
from tracker.passwords import hash_password


def seed(session):
    """Create the normal demo trust (the caller has checked it is not there). Returns a line
    saying what it made."""
    rng = random.Random(2026)
    now = today()
    if session.get(TrustPolicy, 1) is None:
        session.add(TrustPolicy(id=1, mode="cap", max_active_initiatives=5, out_grace_days=14,
                                review_interval_days=90))
    schools = _schools(session)
    people = _people(session, schools)
    experts = _experts(session, schools, rng)
    initiatives = [_initiative(session, i, rng, schools, people, now) for i in range(36)]
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
            f"{len(experts)} experts, {len(initiatives)} initiatives.")


def _schools(session):
    rows = [School(name=n, urn=u, phase=p, support_status=s) for n, u, p, s in SCHOOLS]
    session.add_all(rows)
    session.flush()
    return rows


def _people(session, schools):
    by_urn = {s.urn: s for s in schools}
    password_hash = hash_password(DEMO_PASSWORD)  # one hash: Argon2 is slow on purpose
    everyone = [User(email=f"{local.lower()}@demo.trust", name=name, role=role,
                     password_hash=password_hash, schools=[by_urn[u] for u in urns])
                for local, name, role, urns in PEOPLE]
    session.add_all(everyone)
    session.flush()
    leads = [u for u in everyone if u.role == "project_lead"]
    return {"all": everyone, "leads": leads}


def _experts(session, schools, rng):
    names = EXPERT_NAMES
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
