"""The large demo trust: 120 schools, 600 people, 6,000 initiatives and three years of history,
for the benchmarks (issue 15).

Everything comes from one seeded random stream and the trust's today, so two loads on the same
day hold the same rows, on SQLite and PostgreSQL. Rows are built as plain dicts and written with
bulk inserts (``session.execute(insert(Model), rows)``); ids are assigned here, after the
highest already taken, and PostgreSQL's sequences are moved past them at the end. ``scale``
shrinks every count (for tests) but keeps the shape: each long-history initiative still has its
120 updates, 50 milestones, 20 cycles and measures of 100+ points.
"""
import itertools
import random
import time as clock_time
from dataclasses import dataclass, fields, replace
from datetime import timedelta


from tracker.clock import today
from tracker.demo import history
from tracker.demo.content import (DEMO_PASSWORD, INSIGHTS, PEOPLE, SCHOOLS, SPECIALISMS,
                                  THEMES, TRUST_GOAL_DRIVERS, TRUST_ROUNDS)
from tracker.demo.loader import Loader
from tracker.demo.names import (FIRST_NAMES, LARGE_KPIS, PLACE_ENDS, PLACE_STARTS, SCHOOL_KINDS,
                                SURNAMES)
from tracker.models import (Allocation, DeimplementationReview, Driver, Expert, Goal, Initiative,
                            InitiativeTag, Insight, InsightPillar, Measure, MeasurePoint,
                            MeasureRebase, Milestone, PdsaCycle, School, SelfEvaluation,
                            SelfEvaluationRating, Transition, TrustPolicy, Unavailability, Update,
                            User, initiative_drivers, initiative_schools, insight_initiatives,
                            user_schools)
from tracker.models.initiative import PILLARS
from tracker.passwords import hash_password


@dataclass(frozen=True)
class Shape:
    """How much the large trust holds (at ``scale`` 1)."""

    schools: int = 120
    users: int = 600
    admins: int = 3
    central_team: int = 15
    viewers: int = 60
    initiatives: int = 6000
    milestones: int = 60_000
    cycles: int = 20_000
    updates: int = 30_000
    points: int = 150_000
    experts: int = 250
    allocations: int = 12_000
    long_histories: int = 20
    years: int = 3

    def scaled(self, scale):
        """Every count times ``scale``, with at least one of each (and one more school than
        the named demo schools); the years of history stay."""
        if scale == 1:
            return self
        counts = {f.name: max(1, round(getattr(self, f.name) * scale)) for f in fields(self)
                  if f.name != "years"}
        counts["schools"] = max(len(SCHOOLS) + 1, counts["schools"])
        return replace(self, **counts)


def seed(session, scale=1.0):
    """Write the large trust; return what it made, a count per table and how long it took."""
    started = clock_time.perf_counter()
    shape = Shape().scaled(scale)
    rng = random.Random(2026)
    now = today()
    loader = Loader(session)
    if session.get(TrustPolicy, 1) is None:
        session.add(TrustPolicy(id=1, mode="cap", max_active_initiatives=16, out_grace_days=14,
                                review_interval_days=history.REVIEW_DAYS))
        session.flush()
    schools = _schools(loader, shape, rng)
    people = _people(loader, shape, schools, now, rng)
    experts = _experts(loader, shape, schools, rng)
    lives = _initiatives(loader, shape, schools, people, now, rng)
    _allocations(loader, shape, experts, lives, now, rng)
    kpis = _trust_kpis(loader, shape, schools, now, rng)
    _insights(loader, shape, schools, people, lives, now, rng)
    _self_evaluations(loader, shape, schools, people, now, rng)
    _goals(loader, schools, people, lives, kpis, now)
    loader.finish()
    counts = loader.counts()
    seconds = clock_time.perf_counter() - started
    table = "\n".join(f"  {name:24} {count:>8,}" for name, count in counts.items())
    return (f"Loaded the large demo trust (scale {scale:g}) in {seconds:.1f} s:\n{table}")


def _name(k):
    return (f"{FIRST_NAMES[k % len(FIRST_NAMES)]} "
            f"{SURNAMES[(k // len(FIRST_NAMES) + 7 * k) % len(SURNAMES)]}")


def _schools(loader, shape, rng):
    """The eleven named demo schools, then generated ones; a few with their own limit."""
    next_id = loader.ids(School)
    phases = ["primary"] * 12 + ["secondary"] * 5 + ["special", "all_through", "alternative", "post16"]
    statuses = ["can_support"] * 7 + ["stable"] * 9 + ["needs_support"] * 4
    rows = [{"id": next_id(), "name": n, "urn": u, "phase": p, "support_status": s,
             "max_active_initiatives": None} for n, u, p, s in SCHOOLS]
    for i in range(shape.schools - len(SCHOOLS)):
        phase = rng.choice(phases)
        place = PLACE_STARTS[i % len(PLACE_STARTS)] + PLACE_ENDS[(i // len(PLACE_STARTS)) % len(PLACE_ENDS)]
        rows.append({"id": next_id(), "name": f"{place} {SCHOOL_KINDS[phase]}", "urn": f"DEMOL{i + 12:03}",
                     "phase": phase, "support_status": rng.choice(statuses),
                     "max_active_initiatives": rng.choice((6, 10)) if rng.random() < 0.08 else None})
    loader.write(School, rows)
    return rows


def _people(loader, shape, schools, now, rng):
    """The named demo people (their sign-ins work here too), a head for every school, project
    leads over every school, and central team, viewers and admins. One Argon2 hash for all."""
    next_id = loader.ids(User)
    password_hash = hash_password(DEMO_PASSWORD)
    by_urn = {s["urn"]: s["id"] for s in schools}
    users, links = [], []
    joined = history.at(now - timedelta(days=365 * shape.years + 30))

    def person(email, name, role, school_ids):
        users.append({"id": next_id(), "email": email, "name": name, "role": role,
                      "password_hash": password_hash, "active": True, "notification_prefs": {},
                      "created_at": joined})
        links.extend({"user_id": users[-1]["id"], "school_id": s} for s in school_ids)
        return users[-1]["id"]

    for local, name, role, urns in PEOPLE:
        person(f"{local.lower()}@demo.trust", name, role, [by_urn[u] for u in urns])
    heads = {link["school_id"]: link["user_id"] for link in links
             if next(u for u in users if u["id"] == link["user_id"])["role"] == "school_lead"}
    k = itertools.count(100)
    for school in schools:
        if school["id"] not in heads:
            n = next(k)
            heads[school["id"]] = person(f"head.{n}@demo.trust", _name(n), "school_lead", [school["id"]])
    named = {role: sum(1 for p in PEOPLE if p[2] == role) for role in ("admin", "central_team", "viewer")}
    for role, wanted in (("admin", shape.admins), ("central_team", shape.central_team)):
        for _ in range(max(0, wanted - named[role])):
            n = next(k)
            person(f"{role.split('_')[0]}.{n}@demo.trust", _name(n), role, [])
    for v in range(max(0, shape.viewers - named["viewer"])):
        n = next(k)  # half sit on the board, half govern one school
        person(f"viewer.{n}@demo.trust", _name(n), "viewer", [] if v % 2 else [schools[v % len(schools)]["id"]])
    lead_count = max(len(schools), shape.users - len(users))
    for j in range(lead_count):
        n = next(k)
        covered = [schools[j % len(schools)]["id"]]
        if rng.random() < 0.2:
            covered.append(schools[(j + 1) % len(schools)]["id"])
        person(f"lead.{n}@demo.trust", _name(n), "project_lead", covered)
    loader.write(User, users)
    loader.write(user_schools, links)
    roles = {u["id"]: u["role"] for u in users}
    leads = {}
    for link in links:
        if roles[link["user_id"]] == "project_lead":
            leads.setdefault(link["school_id"], []).append(link["user_id"])
    admin = next(u["id"] for u in users if u["role"] == "admin")
    central = next(u["id"] for u in users if u["role"] == "central_team")
    return {"heads": heads, "leads": leads, "admin": admin, "central": central}


def _experts(loader, shape, schools, rng):
    next_id = loader.ids(Expert)
    supporting = [s["id"] for s in schools if s["support_status"] == "can_support"] or [schools[0]["id"]]
    rows = [{"id": next_id(), "name": _name(5000 + i), "email": f"expert.{i}@demo.trust",
             "specialisms": SPECIALISMS[i % len(SPECIALISMS)], "home_school_id": rng.choice(supporting),
             "days_per_week": rng.choice((0.5, 1, 2, 2, 3, 4)), "user_id": None, "active": True}
            for i in range(shape.experts)]
    loader.write(Expert, rows)
    return rows


def _initiatives(loader, shape, schools, people, now, rng):
    """Each initiative's life, then its rows: links, tags, transitions, updates, milestones,
    cycles, measures and points, reviews and its one out."""
    next_initiative = loader.ids(Initiative)
    span = 365 * shape.years
    school_ids = [s["id"] for s in schools]
    names = {s["id"]: s["name"].replace("The ", "").split(" ")[0] for s in schools}
    horizon = now + timedelta(weeks=60)
    every = max(1, shape.initiatives // max(1, shape.long_histories))
    lives = []
    for k in range(shape.initiatives):
        long = k % every == 0 and k // every < shape.long_histories
        home = rng.choice(school_ids)
        if long:  # at the named schools in turn, so the demo sign-ins meet them
            home = school_ids[(k // every) % len(SCHOOLS)]
        roll = rng.random()
        if long:
            chosen = [home] + rng.sample([s for s in school_ids if s != home], min(len(school_ids) - 1, rng.randint(2, 5)))
        elif roll < 0.001:
            chosen = list(school_ids)
        elif roll < 0.1:
            chosen = [home] + rng.sample([s for s in school_ids if s != home], min(len(school_ids) - 1, rng.randint(1, 7)))
        else:
            chosen = [home]
        created = (now - timedelta(days=span - rng.randint(0, 20)) if long else
                   now - timedelta(days=rng.randint(7, span)))
        life = history.Life(id=next_initiative(), theme=THEMES[k % len(THEMES)], school_ids=chosen,
                            owner_id=rng.choice(people["leads"][home]),
                            mover_id=people["heads"][home], created=created, long=long)
        history.live(rng, life, now, horizon)
        lives.append(life)

    rows, links, tags, moves, earlier = [], [], [], [], {}
    for life in lives:
        row = history.initiative_row(life, names, rng)
        history.one_out(life, row, earlier.get(life.school_ids[0], [])[-20:], now, rng)
        earlier.setdefault(life.school_ids[0], []).append(life.id)
        rows.append(row)
        link_rows, tag_rows = history.links_and_tags(life, rng)
        links += link_rows
        tags += tag_rows
        moves += history.transitions(life, rng)
    rows_by_id = {row["id"]: row for row in rows}
    later = _progress(loader, shape, lives, rows_by_id, links, now, rng)  # sets each RAG
    loader.write(Initiative, rows)
    loader.write(initiative_schools, links)
    loader.write(InitiativeTag, tags)
    loader.write(Transition, moves)
    for target, target_rows in later:
        loader.write(target, target_rows)
    return lives


def _days_of(life, now, since=None):
    first = since or life.created
    return max(1, ((life.ended_on or now) - first).days)


def _progress(loader, shape, lives, rows_by_id, links, now, rng):
    """The rows that follow from each life, to write after the initiatives, in order."""
    short = [life for life in lives if not life.long]
    n_long = len(lives) - len(short)

    def budget(total, key, weigh, floor=lambda life: 0):
        counts = history.spread(max(0, total - n_long * history.LONG[key]),
                                [weigh(life) for life in short], [floor(life) for life in short])
        per = dict(zip((life.id for life in short), counts))
        return lambda life: history.LONG[key] if life.long else per[life.id]

    updates_of = budget(shape.updates, "updates", lambda life: _days_of(life, now))
    milestones_of = budget(shape.milestones, "milestones", lambda life: _days_of(life, now),
                           lambda life: 1 if life.deliver_from else 0)
    cycles_of = budget(shape.cycles, "cycles",
                       lambda life: _days_of(life, now, life.deliver_from) if life.deliver_from else 0,
                       lambda life: 1 if life.deliver_from else 0)
    link_rags, update_rows, milestone_rows, cycle_rows, review_rows = {}, [], [], [], []
    next_cycle = loader.ids(PdsaCycle)
    for life in lives:
        update_rows += history.updates(life, updates_of(life), now, rng, rows_by_id[life.id], link_rags)
        milestone_rows += history.milestones(life, milestones_of(life), now, rng)
        if life.deliver_from:
            cycle_rows += history.cycles(life, cycles_of(life), now, rng, next_cycle)
        review_rows += history.reviews(life, now, rng)
    for link in links:
        link["rag"] = link_rags.get((link["initiative_id"], link["school_id"]))
    return [(Update, update_rows), (Milestone, milestone_rows), (PdsaCycle, cycle_rows),
            (DeimplementationReview, review_rows)] + _measures(loader, shape, lives, now, rng)


def _measures(loader, shape, lives, now, rng):
    """Measures from Prepare on; points spread by how many weeks each can hold (nothing after
    today), the long histories' measures 100+ points each, re-based once."""
    next_measure = loader.ids(Measure)
    measure_rows, plans, rebases = [], [], []
    for life in lives:
        weeks, last = history.measure_weeks(life, now)
        if last is None:
            continue
        for n, measure in enumerate(history.measures(life, rng, next_measure)):
            measure_rows.append(measure)
            per_school = n == 0 and len(life.school_ids) > 1 and not life.long
            schools = life.school_ids[:8] if per_school else [None]
            plans.append((life, measure, schools, weeks * len(schools), last))
            if life.long and life.deliver_from:
                starts = life.deliver_from + timedelta(weeks=30)
                rebases.append({"measure_id": measure["id"], "starts_on": starts,
                                "baseline_until": starts + timedelta(weeks=8),
                                "reason": "Sustained shift after the coaching model changed.",
                                "created_by_id": life.owner_id,
                                "created_at": history.at(starts + timedelta(weeks=8))})
    long_points = [min(cap, 140) for life, _m, _s, cap, _l in plans if life.long]
    room = [cap if not life.long else 0 for life, _m, _s, cap, _l in plans]
    total = max(0, min(sum(room), shape.points - sum(long_points)))
    counts = [min(c, r) for c, r in zip(history.spread(total, room), room)]
    point_rows, long_iter = [], iter(long_points)
    for (life, measure, schools, _cap, last), count in zip(plans, counts):
        count = next(long_iter) if life.long else count
        point_rows += history.points(measure, schools, count, last, life.deliver_from, rng)
    return [(Measure, measure_rows), (MeasureRebase, rebases), (MeasurePoint, point_rows)]


def _allocations(loader, shape, experts, lives, now, rng):
    """Each expert's allocations one after another, from three years ago to two terms ahead,
    never more days a week than the expert has; each to an initiative in Deliver or Sustain
    all through it (else to a school alone), at one of its schools. Some leave between."""
    monday = now - timedelta(days=now.weekday())
    first = monday - timedelta(weeks=52 * shape.years)
    weeks = 52 * shape.years + 26
    by_week = [[] for _ in range(weeks + 1)]
    for life in lives:
        if life.deliver_from is None:
            continue
        start = max(0, (life.deliver_from - first).days // 7 + 1)
        end = min(weeks, (min(life.delivering_until, first + timedelta(weeks=weeks)) - first).days // 7)
        for week in range(start, end):
            by_week[week].append(life)
    per_expert = history.spread(shape.allocations, [1] * len(experts))
    rows, leave = [], []
    for expert, count in zip(experts, per_expert):
        slots = history.spread(weeks, [1] * count) if count else []
        week = 0
        for slot in slots:
            length = max(1, slot - (1 if slot >= 3 else 0))
            starts = first + timedelta(weeks=week)
            ends = starts + timedelta(weeks=length - 1, days=4)
            if slot > length and rng.random() < 0.25:
                gap = ends + timedelta(days=3)
                leave.append({"expert_id": expert["id"], "starts_on": gap, "ends_on": gap + timedelta(days=4),
                              "reason": rng.choice(("Annual leave", "Course: NPQLT", "Exam marking"))})
            target = None
            for _ in range(5):
                candidate = rng.choice(by_week[week]) if by_week[week] else None
                if candidate and candidate.delivering_until >= ends:
                    target = candidate
                    break
            if ends < now:
                status = "cancelled" if rng.random() < 0.08 else "delivered"
            elif starts <= now:
                status = "confirmed"
            else:
                status = rng.choice(("planned", "confirmed"))
            rows.append({"expert_id": expert["id"], "initiative_id": target.id if target else None,
                         "school_id": rng.choice(target.school_ids) if target else expert["home_school_id"],
                         "starts_on": starts, "ends_on": ends, "status": status,
                         "days_per_week": min(expert["days_per_week"], rng.choice((0.5, 1, 1, 2))),
                         "override_reason": None, "notes": "",
                         "created_at": history.at(min(now, starts - timedelta(days=14)), 15)})
            week += slot
    loader.write(Allocation, rows)
    loader.write(Unavailability, leave)


def _trust_kpis(loader, shape, schools, now, rng):
    """Four trust KPIs recorded by every school (weekly to monthly), with targets, each
    re-based once; a few schools began recording only this year."""
    next_measure = loader.ids(Measure)
    kpis, points, rebases = [], [], []
    span = 365 * shape.years
    for k, (name, unit, higher, target, typical, spread, noise, places, every) in enumerate(LARGE_KPIS):
        kpi = {"id": next_measure(), "initiative_id": None, "name": name, "unit": unit, "kind": "outcome",
               "higher_is_better": higher, "target": target, "baseline": None, "baseline_until": None}
        kpis.append(kpi)
        rebase_on = now - timedelta(days=365 + 91 * k)
        rebases.append({"measure_id": kpi["id"], "starts_on": rebase_on,
                        "baseline_until": rebase_on + timedelta(weeks=12),
                        "reason": "New trust-wide policy from this term.", "created_by_id": None,
                "created_at": history.at(rebase_on + timedelta(weeks=12))})
        good = 1 if higher else -1
        for i, school in enumerate(schools):
            level = typical + rng.uniform(-spread, spread)
            days = 180 if (i + k) % 13 == 7 else span
            steps = days // every
            for p in range(steps, -1, -1):
                on = now - timedelta(days=every * p)
                value = level + rng.gauss(0, noise)
                if on >= rebase_on:
                    value += good * noise * (1.5 if (i + k) % 3 else -1.0)
                value = round(max(0.0, min(value, 100.0) if unit == "%" else value), places)
                points.append({"measure_id": kpi["id"], "school_id": school["id"], "on": on, "value": value})
    loader.write(Measure, kpis)
    loader.write(MeasureRebase, rebases)
    loader.write(MeasurePoint, points)
    return kpis


def _insights(loader, shape, schools, people, lives, now, rng):
    """Four to eight findings per school over the years; some taken up by one of the
    school's initiatives that was running after the finding."""
    next_id = loader.ids(Insight)
    of_school = {}
    for life in lives:
        for school_id in life.school_ids:
            of_school.setdefault(school_id, []).append(life)
    rows, pillars, answered = [], [], []
    for k, school in enumerate(schools):
        for n in range(4 + k % 5):
            source, judgement, title, summary, tags, _days, acted = INSIGHTS[(k + n) % len(INSIGHTS)]
            on = now - timedelta(days=rng.randint(5, 365 * shape.years))
            rows.append({"id": next_id(), "school_id": school["id"], "source": source, "judgement": judgement,
                         "title": title, "summary": summary, "on": on,
                         "author_id": people["heads"].get(school["id"], people["central"]),
                         "created_at": history.at(on, 16)})
            pillars += [{"insight_id": rows[-1]["id"], "pillar": p} for p in tags]
            later = [life for life in of_school.get(school["id"], [])
                     if life.created >= on and (life.ended_on or now) >= on]
            if acted and later:
                answered.append({"insight_id": rows[-1]["id"], "initiative_id": rng.choice(later[:10]).id})
    loader.write(Insight, rows)
    loader.write(InsightPillar, pillars)
    loader.write(insight_initiatives, answered)


def _self_evaluations(loader, shape, schools, people, now, rng):
    """The trust's round every six months and each school's every year, ratings rising
    slowly (not always), each with the evidence behind it."""
    next_id = loader.ids(SelfEvaluation)
    evidence = {p: [r[2][p][1] for r in TRUST_ROUNDS] for p in PILLARS}
    rounds, ratings = [], []

    def evaluate(on, school_id, author_id, step, steps):
        rounds.append({"id": next_id(), "on": on, "school_id": school_id, "author_id": author_id,
                       "created_at": history.at(on, 17)})
        for p in PILLARS:
            rating = min(4, max(1, 1 + round(2.5 * step / max(1, steps - 1)) + rng.choice((-1, 0, 0, 0, 1))))
            ratings.append({"self_evaluation_id": rounds[-1]["id"], "pillar": p, "rating": rating,
                            "evidence": evidence[p][min(2, step * 3 // max(1, steps))]})

    trust_rounds = 2 * shape.years
    for step in range(trust_rounds):
        evaluate(now - timedelta(days=182 * (trust_rounds - step) - 20), None, people["central"], step, trust_rounds)
    for school in schools:
        for step in range(shape.years):
            evaluate(now - timedelta(days=365 * (shape.years - step) - rng.randint(-40, 0) + 45),
                     school["id"], people["heads"][school["id"]], step, shape.years)
    loader.write(SelfEvaluation, rounds)
    loader.write(SelfEvaluationRating, ratings)


def _goals(loader, schools, people, lives, kpis, now):
    """The trust's reading goal on the reading KPI with its driver diagram, and an attendance
    goal for every fourth school with its own initiatives as change ideas."""
    next_goal, next_driver = loader.ids(Goal), loader.ids(Driver)
    goals, drivers, serving = [], [], []
    active = [life for life in lives if life.status == "active"]
    summer = now.replace(year=now.year + 2, month=7, day=20)
    reading = next(k["id"] for k in kpis if k["name"].startswith("Reading"))
    goals.append({"id": next_goal(), "title": "Every pupil reads fluently by age 9", "school_id": None,
                  "aim": f"By July {summer.year}, 90% of Year 4 pupils in every school score 100 or more "
                         "on the trust's common reading assessment.",
                  "measure_id": reading, "target_on": summer, "author_id": people["admin"]})
    for primary_title, secondaries in TRUST_GOAL_DRIVERS:
        drivers.append({"id": next_driver(), "goal_id": goals[0]["id"], "parent_id": None, "title": primary_title})
        primary = drivers[-1]["id"]
        for title, themes in secondaries:
            drivers.append({"id": next_driver(), "goal_id": goals[0]["id"], "parent_id": primary, "title": title})
            serving += [{"initiative_id": life.id, "driver_id": drivers[-1]["id"]}
                        for life in [li for li in active if li.theme[0] in themes][:4]]
    for school in schools[::4]:
        own = [life for life in active if school["id"] in life.school_ids]
        goals.append({"id": next_goal(), "title": "Persistent absence below 15%", "school_id": school["id"],
                      "aim": f"Persistent absence at {school['name']} falls below 15% by July {summer.year - 1}.",
                      "measure_id": None, "target_on": summer.replace(year=summer.year - 1),
                      "author_id": people["heads"][school["id"]]})
        drivers.append({"id": next_driver(), "goal_id": goals[-1]["id"], "parent_id": None,
                        "title": "Families know why every day counts"})
        primary = drivers[-1]["id"]
        for n, title in enumerate(("A call home on the first day", "Termly attendance meetings with families")):
            drivers.append({"id": next_driver(), "goal_id": goals[-1]["id"], "parent_id": primary, "title": title})
            serving += [{"initiative_id": life.id, "driver_id": drivers[-1]["id"]} for life in own[n:n + 1]]
    for row in goals + drivers:
        row["created_at"] = history.at(now - timedelta(days=200))
    loader.write(Goal, goals)
    loader.write(Driver, drivers)
    loader.write(initiative_drivers, serving)
