"""The large demo trust (tracker/demo/large.py) at a small scale: the same rows every run, every
table it promises, the domain's rules kept, and the app's pages and API answering on it. The
full size is for the benchmarks (bench/), never loaded here."""
import hashlib
from collections import Counter
from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from tests.conftest import _empty_all_tables
from tracker import clock, demo, pdsa
from tracker.demo import history, large
from tracker.demo.loader import OWN_IDS
from tracker.extensions import db
from tracker.models import (Allocation, Base, DeimplementationReview, Expert, Initiative, Measure,
                            MeasurePoint, Milestone, PdsaCycle, School, Transition, Update, User,
                            initiative_schools)

SCALE = 0.02
#: Every table the large trust fills.
TABLES = ("schools", "users", "user_schools", "experts", "initiatives", "initiative_schools",
          "initiative_tags", "transitions", "updates", "milestones", "pdsa_cycles", "reviews",
          "measures", "measure_rebases", "measure_points", "allocations", "unavailabilities",
          "insights", "insight_pillars", "insight_initiatives", "self_evaluations",
          "self_evaluation_ratings", "goals", "drivers", "initiative_drivers", "trust_policy")


class Loaded:
    pass


@pytest.fixture
def large_trust(_loaded):
    """The loaded trust for one test, whose reading transaction ends with it (else it would
    hold the tables that later tests empty)."""
    yield _loaded
    _loaded.session.rollback()


@pytest.fixture(scope="module")
def _loaded(_migrated_app):
    """The large trust at a small scale, loaded once for the tests that only read it (the
    ones that load their own come last in this file, since the ``app`` fixture empties it)."""
    with _migrated_app.app_context():
        _empty_all_tables()
        demo.seed(db.session, size="large", scale=SCALE)
        db.session.commit()
        loaded = Loaded()
        loaded.app, loaded.session, loaded.shape = _migrated_app, db.session, large.Shape().scaled(SCALE)
        yield loaded
        db.session.remove()


def _checksum(session):
    """A digest of every row of every table the trust fills, leaving out the ids the
    database hands out (those the loader assigns are part of the data) and the password
    hash (Argon2 salts each hash afresh)."""
    own = {model.__tablename__ for model in OWN_IDS}
    digest = hashlib.sha256()
    for name in TABLES:
        table = Base.metadata.tables[name]
        columns = [c for c in table.columns
                   if (c.name != "id" or name in own) and c.name != "password_hash"]
        rows = sorted(repr(tuple(row)) for row in session.execute(select(*columns)))
        digest.update(repr((name, rows)).encode())
    return digest.hexdigest()


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_the_large_trust_fills_every_table_it_promises_in_the_counts_asked(large_trust):
    session = large_trust.session
    counts = {name: session.scalar(sa.text(f'SELECT count(*) FROM "{name}"')) for name in TABLES}
    assert all(counts.values()), [name for name, n in counts.items() if not n]
    shape = large_trust.shape
    assert counts["schools"] == shape.schools
    assert counts["initiatives"] == shape.initiatives
    assert counts["experts"] == shape.experts
    assert counts["allocations"] == shape.allocations
    for table, wanted in (("milestones", shape.milestones), ("pdsa_cycles", shape.cycles),
                          ("updates", shape.updates)):
        assert counts[table] == wanted, table
    roles = Counter(session.scalars(select(User.role)))
    assert set(roles) == {"admin", "central_team", "school_lead", "project_lead", "viewer"}


def test_nothing_in_the_large_trust_happens_after_today(large_trust):
    session = large_trust.session
    today, now = clock.today(), datetime.now(timezone.utc)
    assert session.scalar(select(func.max(MeasurePoint.on))) <= today
    assert session.scalar(select(func.max(Update.created_at))) <= now
    assert session.scalar(select(func.max(Transition.at))) <= now
    assert session.scalar(select(func.max(Milestone.done_on))) <= today
    assert session.scalar(select(func.max(PdsaCycle.stage_since))) <= today
    assert session.scalar(select(func.max(Initiative.phase_since))) <= today


def test_every_initiative_in_the_large_trust_is_where_its_history_says(large_trust):
    session = large_trust.session
    initiatives = session.scalars(select(Initiative)).all()
    moves = {}
    for move in session.scalars(select(Transition).order_by(Transition.at, Transition.id)):
        moves.setdefault(move.initiative_id, []).append(move)
    for initiative in initiatives:
        history_of = moves.get(initiative.id, [])
        if initiative.status == "active":
            assert not history_of or history_of[-1].to_phase == initiative.phase, initiative
        else:
            assert history_of[-1].to_phase == initiative.status, initiative
            assert history_of[-1].from_phase == initiative.phase, initiative
        assert initiative.status != "rejected" or initiative.phase == "explore"
        assert initiative.status != "completed" or initiative.phase == "sustain"
    statuses = Counter((i.phase, i.status) for i in initiatives)
    assert {p for p, s in statuses if s == "active"} == {"explore", "prepare", "deliver", "sustain"}
    assert {s for _p, s in statuses} == {"active", "completed", "deimplemented", "rejected"}
    stopped = {i.id for i in initiatives if i.status == "deimplemented"}
    decided = set(session.scalars(select(DeimplementationReview.initiative_id)
                                  .where(DeimplementationReview.decision == "deimplement")))
    assert stopped == decided


def test_whatever_entered_deliver_in_the_large_trust_passed_its_gates(large_trust):
    session = large_trust.session
    entered = set(session.scalars(select(Transition.initiative_id).where(Transition.to_phase == "deliver")))
    with_milestone = set(session.scalars(select(Milestone.initiative_id)))
    with_measure = set(session.scalars(select(Measure.initiative_id)))
    assert entered and entered <= with_milestone and entered <= with_measure
    for initiative in session.scalars(select(Initiative).where(Initiative.id.in_(entered))):
        assert initiative.problem and initiative.evidence and initiative.active_ingredients
    in_sustain = set(session.scalars(select(Initiative.id).where(Initiative.phase == "sustain")))
    studied = set(session.scalars(select(PdsaCycle.initiative_id).where(
        PdsaCycle.stage.in_(("study", "act", "closed")))))
    assert in_sustain <= studied


def test_per_school_rows_of_the_large_trust_belong_to_the_initiatives_schools(large_trust):
    session = large_trust.session
    links = set(session.execute(select(initiative_schools.c.initiative_id,
                                       initiative_schools.c.school_id)).all())
    for model in (Update, Milestone):
        rows = session.execute(select(model.initiative_id, model.school_id)
                               .where(model.school_id.is_not(None))).all()
        assert rows and set(rows) <= links, model
    points = session.execute(select(Measure.initiative_id, MeasurePoint.school_id)
                             .join(Measure, Measure.id == MeasurePoint.measure_id)
                             .where(Measure.initiative_id.is_not(None),
                                    MeasurePoint.school_id.is_not(None)).distinct()).all()
    assert set(points) <= links
    allocated = session.execute(select(Allocation.initiative_id, Allocation.school_id)
                                .where(Allocation.initiative_id.is_not(None))).all()
    assert allocated and set(allocated) <= links


def test_each_rag_of_the_large_trust_is_its_newest_updates(large_trust):
    session = large_trust.session
    newest = {}
    for update in session.scalars(select(Update).order_by(Update.created_at, Update.id)):
        newest[update.initiative_id] = update
    for initiative in session.scalars(select(Initiative)):
        update = newest.get(initiative.id)
        assert initiative.rag == (update.rag if update else None)
        assert initiative.last_update_at == (update.created_at if update else None)


def test_no_expert_in_the_large_trust_is_booked_twice_in_a_week(large_trust):
    session = large_trust.session
    days = dict(session.execute(select(Expert.id, Expert.days_per_week)).all())
    by_expert = {}
    for allocation in session.scalars(select(Allocation).order_by(Allocation.starts_on)):
        by_expert.setdefault(allocation.expert_id, []).append(allocation)
        assert allocation.days_per_week <= days[allocation.expert_id]
    for allocations in by_expert.values():
        for before, after in zip(allocations, allocations[1:]):
            assert before.ends_on < after.starts_on
    today = clock.today()
    statuses = {a.status for a in session.scalars(select(Allocation))}
    assert statuses >= {"delivered", "confirmed", "planned"}
    assert session.scalar(select(func.count()).where(Allocation.starts_on > today)) > 0


def test_the_large_trust_has_work_that_needs_attention(large_trust):
    session = large_trust.session
    today = clock.today()
    assert pdsa.stuck_cycles(session, today)
    overdue = select(func.count()).select_from(Milestone).where(
        Milestone.done_on.is_(None), Milestone.due_on < today)
    assert session.scalar(overdue) > 0


def test_a_long_history_initiative_keeps_its_full_shape_at_any_scale(large_trust):
    session = large_trust.session
    longest = session.execute(select(Update.initiative_id, func.count()).group_by(Update.initiative_id)
                              .order_by(func.count().desc())).first()
    initiative_id, updates = longest
    assert updates >= 100
    assert _count_of(session, Milestone, initiative_id) == history.LONG["milestones"]
    assert _count_of(session, PdsaCycle, initiative_id) == history.LONG["cycles"]
    points = session.execute(select(MeasurePoint.measure_id, func.count())
                             .join(Measure, Measure.id == MeasurePoint.measure_id)
                             .where(Measure.initiative_id == initiative_id)
                             .group_by(MeasurePoint.measure_id)).all()
    assert len(points) >= 3 and all(n >= 100 for _m, n in points)


def _count_of(session, model, initiative_id):
    return session.scalar(select(func.count()).where(model.initiative_id == initiative_id))


def test_the_app_answers_on_the_large_trust(large_trust):
    session, app = large_trust.session, large_trust.app
    """As an admin and as the head of the first demo school, whose school the first
    long-history initiative is at."""
    longest = session.execute(select(Update.initiative_id).group_by(Update.initiative_id)
                              .order_by(func.count().desc(), Update.initiative_id)).scalars().first()
    measure = session.scalar(select(Measure.id).where(Measure.initiative_id == longest))
    kpi = session.scalar(select(Measure.id).where(Measure.initiative_id.is_(None)))
    school = session.scalar(select(School.id).where(School.urn == "DEMO01"))
    pages = ["/", "/initiatives", f"/initiatives/{longest}", "/planner", "/dashboard", "/kpis",
             f"/kpis/{kpi}", f"/measures/{measure}", "/goals"]
    api = ["/api/v1/initiatives", f"/api/v1/initiatives/{longest}/updates",
           f"/api/v1/measures/{measure}/run-chart", "/api/v1/dashboard", "/api/v1/policy/breaches"]
    own_school = ["/", f"/initiatives/{longest}", f"/schools/{school}"]
    for email, pages in (("admin@demo.trust", pages), ("head.northfield@demo.trust", own_school)):
        client = app.test_client()
        signed_in = client.post("/login", data={"email": email, "password": demo.DEMO_PASSWORD})
        assert signed_in.status_code == 302
        for path in pages:
            assert client.get(path).status_code == 200, (email, path)
        token = app.test_client().post("/api/v1/tokens", json={
            "email": email, "password": demo.DEMO_PASSWORD}).get_json()["token"]
        for path in api:
            response = client.get(path, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200, (email, path)


def test_the_large_trust_leaves_the_planner_statistics_fresh(large_trust):
    session = large_trust.session
    if session.get_bind().dialect.name == "postgresql":
        rows = session.scalar(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'initiatives'"))
        assert rows > 0
    else:
        assert session.scalar(sa.text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'initiatives'"))


# --- tests that load their own trust (the app fixture empties the database) -------------

def test_the_large_trust_is_the_same_every_time_it_is_loaded(session):
    demo.seed(session, size="large", scale=SCALE)
    first = _checksum(session)
    session.rollback()
    assert _count(session, School) == 0
    demo.seed(session, size="large", scale=SCALE)
    assert _checksum(session) == first


def test_the_large_trust_prints_a_count_per_table_from_the_command_line(runner):
    result = runner.invoke(args=["demo", "seed", "--size", "large", "--scale", str(SCALE)])
    assert result.exit_code == 0, result.output
    assert "measure_points" in result.output and "allocations" in result.output
    assert "admin@demo.trust" in result.output
    again = runner.invoke(args=["demo", "seed", "--size", "large", "--scale", str(SCALE)])
    assert "already" in again.output
