"""Capacity rules: load by day and ISO week, over-allocation, overrides, and the questions
the central team asks (who is over, who is free, what has no capacity behind it)."""
from datetime import date, timedelta

import pytest
from sqlalchemy import insert

from tracker import capacity
from tracker.capacity import Span
from tracker.errors import Forbidden, Invalid, OverAllocated
from tracker.models import Allocation, AuditEntry, Initiative, Unavailability, initiative_schools
from tracker.wording import plural

D = date.fromisoformat
MON, TUE, WED, THU, FRI, SAT, SUN = (D("2026-12-07") + timedelta(days=k) for k in range(7))
NEXT_MON = D("2026-12-14")
#: The trust's today in these tests: the Wednesday before MON, so every week booked is to come.
TODAY = D("2026-12-02")


@pytest.fixture(autouse=True)
def trusts_today(monkeypatch):
    monkeypatch.setattr(capacity.clock, "today", lambda: TODAY)


def span(first, last, days):
    return Span(D(first) if isinstance(first, str) else first,
                D(last) if isinstance(last, str) else last, days)


# --- the arithmetic, table-driven ---------------------------------------------------

@pytest.mark.parametrize("case, others, proposed, expected", [
    ("alone and within the contract", [], span(MON, FRI, 2), []),
    ("exactly the contract is not over", [span(MON, FRI, 1)], span(MON, FRI, 1), []),
    ("overlapping ranges add up",
     [span(MON, WED, 1)], span(WED, FRI, 1.5),
     [{"week": "2026-W50", "load": 2.5, "capacity": 2, "excess": 0.5}]),
    ("one shared day is enough to clash",
     [span("2026-11-30", MON, 2)], span(MON, NEXT_MON, 1),
     [{"week": "2026-W50", "load": 3, "capacity": 2, "excess": 1}]),
    ("back-to-back across a week edge: ends Sunday, next starts Monday",
     [span("2026-11-30", "2026-12-06", 2)], span(MON, SUN, 2), []),
    ("back-to-back inside one week never clash",
     [span(MON, WED, 2)], span(THU, FRI, 2), []),
    ("the weeks named are only those with an over day",
     [span(NEXT_MON, NEXT_MON + timedelta(days=4), 1.5)], span(MON, NEXT_MON + timedelta(days=13), 1),
     [{"week": "2026-W51", "load": 2.5, "capacity": 2, "excess": 0.5}]),
    ("ISO week 53 and the year boundary",
     [span("2026-12-31", "2027-01-04", 1.5)], span("2026-12-28", "2027-01-10", 1),
     [{"week": "2026-W53", "load": 2.5, "capacity": 2, "excess": 0.5},
      {"week": "2027-W01", "load": 2.5, "capacity": 2, "excess": 0.5}]),
    ("leave counts as full load", [span(WED, WED, 2)], span(MON, FRI, 0.5),
     [{"week": "2026-W50", "load": 2.5, "capacity": 2, "excess": 0.5}]),
    ("a week's load is its worst day",
     [span(MON, TUE, 1), span(TUE, TUE, 0.5), span(THU, FRI, 1.5)], span(MON, FRI, 0.75),
     [{"week": "2026-W50", "load": 2.25, "capacity": 2, "excess": 0.25}]),
    ("fractions add without float noise",
     [span(MON, FRI, 0.1), span(MON, FRI, 0.2)], span(MON, FRI, 1.7), []),
])
def test_refused_weeks(case, others, proposed, expected):
    assert capacity.refused_weeks(2, others, proposed) == expected, case


@pytest.mark.parametrize("case, previous, proposed, refused", [
    ("confirming an already-overridden allocation adds nothing", span(MON, FRI, 1), span(MON, FRI, 1), False),
    ("shrinking it adds nothing", span(MON, FRI, 1), span(MON, WED, 0.5), False),
    ("raising its days adds load on over days", span(MON, FRI, 1), span(MON, FRI, 1.5), True),
    ("stretching it into new over days adds load", span(MON, WED, 1), span(MON, FRI, 1), True),
    ("reviving a cancelled one is like a new one", None, span(MON, FRI, 1), True),
])
def test_changing_an_allocation_is_refused_only_when_it_adds_load_to_an_over_day(
        case, previous, proposed, refused):
    others = [span(MON, FRI, 1.5)]  # with the allocation at 1 day, the expert is at 2.5 of 2
    assert bool(capacity.refused_weeks(2, others, proposed, previous)) is refused, case


def test_a_change_names_only_the_days_it_adds_load_to():
    others = [span(MON, NEXT_MON + timedelta(days=4), 1.5)]
    weeks = capacity.refused_weeks(2, others, span(MON, NEXT_MON + timedelta(days=4), 1),
                                   previous=span(MON, SUN, 1))
    assert [w["week"] for w in weeks] == ["2026-W51"]


@pytest.mark.parametrize("spans, day, load", [
    ([], MON, 0),
    ([span(MON, FRI, 1), span(WED, SUN, 0.5)], WED, 1.5),
    ([span(MON, FRI, 1), span(WED, SUN, 0.5)], SAT, 0.5),
    ([span(MON, FRI, 1)], NEXT_MON, 0),
])
def test_load_on_a_day_is_the_sum_of_the_spans_covering_it(spans, day, load):
    assert capacity.load_on(day, spans) == load


def test_weekly_loads_cover_whole_iso_weeks_with_the_worst_day_and_mark_leave_and_overrides():
    weeks = capacity.weekly_loads([span(WED, NEXT_MON, 1)], 2, THU, NEXT_MON + timedelta(days=2),
                                  leave=[span(FRI, FRI, 0)], overridden=[span(NEXT_MON, NEXT_MON, 1)])
    assert [(w.week, w.load, w.leave, w.overridden) for w in weeks] == [
        ("2026-W50", 3, True, False), ("2026-W51", 1, False, True)]
    assert weeks[0].over and weeks[0].excess == 1 and weeks[0].share == 1.5
    assert weeks[1].spare == 1 and weeks[1].share == 0.5


@pytest.mark.parametrize("day, week", [
    (D("2026-12-27"), "2026-W52"), (D("2026-12-28"), "2026-W53"), (D("2027-01-03"), "2026-W53"),
    (D("2027-01-04"), "2027-W01"), (D("2025-12-29"), "2026-W01"),
])
def test_iso_weeks_use_the_iso_year(day, week):
    assert capacity.iso_week(day) == week


@pytest.mark.parametrize("day, name, first, last", [
    (D("2026-10-05"), "Autumn 2026", D("2026-09-01"), D("2026-12-31")),
    (D("2027-02-01"), "Spring 2027", D("2027-01-01"), D("2027-03-31")),
    (D("2027-06-30"), "Summer 2027", D("2027-04-01"), D("2027-08-31")),
])
def test_terms(day, name, first, last):
    assert capacity.term_of(day) == capacity.Term(name, first, last)


@pytest.mark.parametrize("first, last, weekdays", [
    (MON, SUN, 5), (SAT, SUN, 0), (FRI, NEXT_MON, 2), (MON, MON + timedelta(days=27), 20), (TUE, MON, 0),
])
def test_weekdays_between(first, last, weekdays):
    assert capacity.weekdays_between(first, last) == weekdays


# --- allocating, with the database ---------------------------------------------------

@pytest.fixture
def central(make):
    return make.user("central_team")


@pytest.fixture
def expert(make):
    return make.expert(name="Maya Patel", days_per_week=2.0)


def book(session, actor, expert, school, first=MON, last=FRI, days=1.0, **kw):
    return capacity.allocate(session, actor, expert_id=expert.id, school_id=school.id,
                             starts_on=first, ends_on=last, days_per_week=days, **kw)


def test_an_allocation_that_would_over_allocate_is_refused_with_the_weeks_it_makes_over(
        session, make, central, expert):
    school = make.school()
    book(session, central, expert, school, days=1.5)
    with pytest.raises(OverAllocated) as refused:
        book(session, central, expert, school, first=THU, last=NEXT_MON, days=1)
    assert refused.value.weeks == [{"week": "2026-W50", "load": 2.5, "capacity": 2.0, "excess": 0.5}]
    assert "Maya Patel" in refused.value.message and "2026-W50" in refused.value.message
    assert session.query(Allocation).count() == 1


def test_an_override_lets_it_through_stores_the_reason_and_logs_an_event(session, make, central, expert):
    school = make.school()
    book(session, central, expert, school, days=1.5)
    allocation = book(session, central, expert, school, days=1,
                      override_reason="  Ofsted visit next week  ")
    session.commit()
    assert allocation.override_reason == "Ofsted visit next week"
    event = session.query(AuditEntry).filter_by(action="override", record_type="allocations").one()
    assert event.record_id == allocation.id
    assert event.changes["reason"] == "Ofsted visit next week"
    assert event.changes["weeks"][0]["excess"] == 0.5


def test_an_override_reason_is_not_recorded_when_nothing_needed_overriding(session, make, central, expert):
    allocation = book(session, central, expert, make.school(), override_reason="just in case")
    assert allocation.override_reason is None
    assert session.query(AuditEntry).filter_by(action="override").count() == 0


@pytest.mark.parametrize("status, counts", [
    ("planned", True), ("confirmed", True), ("delivered", True), ("cancelled", False)])
def test_every_allocation_but_a_cancelled_one_counts_towards_load(session, make, central, expert,
                                                                   status, counts):
    school = make.school()
    book(session, central, expert, school, days=1.5, status=status)
    if counts:
        with pytest.raises(OverAllocated):
            book(session, central, expert, school, days=1)
    else:
        assert book(session, central, expert, school, days=2).id


def test_leave_counts_as_a_full_load(session, make, central, expert):
    session.add(Unavailability(expert_id=expert.id, starts_on=WED, ends_on=WED, reason="Course"))
    session.commit()
    with pytest.raises(OverAllocated) as refused:
        book(session, central, expert, make.school(), days=0.5)
    assert refused.value.weeks[0]["load"] == 2.5
    assert book(session, central, expert, make.school(), first=THU, last=FRI, days=2).id


def test_back_to_back_allocations_are_accepted(session, make, central, expert):
    school = make.school()
    book(session, central, expert, school, first=D("2026-11-30"), last=D("2026-12-06"), days=2)
    assert book(session, central, expert, school, first=MON, last=SUN, days=2).id


def test_more_days_than_the_contract_is_over_allocation_not_invalid(session, make, central, expert):
    with pytest.raises(OverAllocated):
        book(session, central, expert, make.school(), days=3)
    assert book(session, central, expert, make.school(), days=3, override_reason="Paid extra day").id


@pytest.fixture
def other_schools_initiative(make):
    return make.initiative(schools=[make.school()], phase="deliver")


@pytest.mark.parametrize("changes, field", [
    ({"ends_on": SUN - timedelta(days=7)}, "ends_on"),
    ({"days_per_week": 0}, "days_per_week"),
    ({"days_per_week": -1}, "days_per_week"),
    ({"days_per_week": 7.5}, "days_per_week"),
    ({"expert_id": 10**9}, "expert_id"),
    ({"expert_id": 2**70}, "expert_id"),
    ({"school_id": 10**9}, "school_id"),
    ({"initiative_id": "other"}, "initiative_id"),
    ({"initiative_id": 10**9}, "initiative_id"),
    ({"status": "maybe"}, "status"),
    ({"starts_on": D("1999-12-31")}, "starts_on"),
    ({"ends_on": MON + timedelta(days=4000)}, "ends_on"),
])
def test_invalid_allocations_name_the_bad_field(session, make, central, expert, other_schools_initiative,
                                                changes, field):
    values = {"expert_id": expert.id, "school_id": make.school().id, "starts_on": MON,
              "ends_on": FRI, "days_per_week": 1.0}
    if changes.get("initiative_id") == "other":
        changes = {"initiative_id": other_schools_initiative.id}
    values.update(changes)
    with pytest.raises(Invalid) as invalid:
        capacity.allocate(session, central, **values)
    assert field in invalid.value.fields


def test_an_initiative_of_the_school_is_accepted(session, make, central, expert):
    school = make.school()
    initiative = make.initiative(schools=[school], phase="deliver")
    allocation = book(session, central, expert, school, initiative_id=initiative.id)
    assert allocation.initiative_id == initiative.id


def test_an_expert_who_left_cannot_be_allocated(session, make, central):
    gone = make.expert(active=False)
    with pytest.raises(Invalid) as invalid:
        book(session, central, gone, make.school())
    assert "expert_id" in invalid.value.fields


@pytest.mark.parametrize("role", ["school_lead", "project_lead", "viewer"])
def test_only_the_central_team_and_admins_allocate(session, make, expert, role):
    school = make.school()
    with pytest.raises(Forbidden):
        book(session, make.user(role, schools=[school]), expert, school)
    assert book(session, make.user("admin"), expert, school).id


@pytest.mark.parametrize("first, last, refused", [
    (D("2025-01-06"), D("2025-01-10"), True),            # a January typed for the next one
    (D("2026-11-23"), TODAY - timedelta(days=1), True),  # ended yesterday
    (D("2026-11-23"), TODAY, False),                     # ends today: still to be worked
    (TODAY, TODAY + timedelta(days=2), False),
])
def test_a_new_allocation_may_not_end_in_the_past(session, make, central, expert, first, last, refused):
    school = make.school()
    if not refused:
        assert book(session, central, expert, school, first=first, last=last).id
        return
    with pytest.raises(Invalid) as error:
        book(session, central, expert, school, first=first, last=last)
    assert error.value.fields == {"ends_on": [capacity.PAST_MESSAGE]}
    assert session.query(Allocation).count() == 0


def test_an_allocation_that_has_ended_can_still_be_corrected_and_cancelled(
        session, make, central, expert, monkeypatch):
    allocation = book(session, central, expert, make.school())
    session.commit()
    monkeypatch.setattr(capacity.clock, "today", lambda: NEXT_MON + timedelta(days=7))
    capacity.change_allocation(session, central, allocation, allocation.version,
                               status="delivered", days_per_week=1.5)
    session.commit()
    capacity.change_allocation(session, central, allocation, allocation.version, status="cancelled")
    assert allocation.status == "cancelled" and allocation.days_per_week == 1.5


def test_changing_to_cancelled_frees_the_days(session, make, central, expert):
    school = make.school()
    first = book(session, central, expert, school, days=2)
    capacity.change_allocation(session, central, first, first.version, status="cancelled")
    assert book(session, central, expert, school, days=2).id


def test_reviving_a_cancelled_allocation_is_checked_again(session, make, central, expert):
    school = make.school()
    first = book(session, central, expert, school, days=2, status="cancelled")
    book(session, central, expert, school, days=1)
    session.commit()
    with pytest.raises(OverAllocated):
        capacity.change_allocation(session, central, first, first.version, status="planned")


def test_marking_an_overridden_allocation_delivered_is_not_refused_again(session, make, central, expert):
    school = make.school()
    book(session, central, expert, school, days=1.5)
    overridden = book(session, central, expert, school, days=1, override_reason="Cover for illness")
    session.commit()
    capacity.change_allocation(session, central, overridden, overridden.version, status="delivered")
    assert overridden.status == "delivered" and overridden.override_reason == "Cover for illness"


def test_a_change_with_a_stale_version_is_refused(session, make, central, expert):
    from tracker.errors import StaleVersion
    allocation = book(session, central, expert, make.school())
    session.commit()
    with pytest.raises(StaleVersion):
        capacity.change_allocation(session, central, allocation, allocation.version - 1, days_per_week=0.5)


def test_cutting_an_experts_days_below_their_allocations_needs_an_override(session, make, central, expert, monkeypatch):
    monkeypatch.setattr(capacity.clock, "today", lambda: MON)
    book(session, central, expert, make.school(), days=2)
    session.commit()
    with pytest.raises(OverAllocated):
        capacity.update_expert(session, central, expert, expert.version, days_per_week=1.0)
    session.rollback()
    capacity.update_expert(session, central, expert, expert.version, days_per_week=1.0,
                           override_reason="Reduced hours from January")
    assert session.query(AuditEntry).filter_by(action="override", record_type="experts").count() == 1


# --- the questions -------------------------------------------------------------------

def test_load_by_week_reports_each_week_of_the_range(session, make, central, expert):
    book(session, central, expert, make.school(), first=WED, last=NEXT_MON, days=1.5)
    session.commit()
    weeks = capacity.load_by_week(session, [expert.id], MON, NEXT_MON + timedelta(days=7))[expert.id]
    assert [(w["week"], w["load"]) for w in weeks] == [
        ("2026-W50", 1.5), ("2026-W51", 1.5), ("2026-W52", 0)]


def test_over_allocations_say_who_and_when(session, make, central, expert):
    fine = make.expert(name="Joe Fletcher")
    book(session, central, fine, make.school(), days=1)
    book(session, central, expert, make.school(), days=2)
    book(session, central, expert, make.school(), first=NEXT_MON, last=NEXT_MON, days=1.5)
    book(session, central, expert, make.school(), first=FRI, last=NEXT_MON, days=1,
         override_reason="Needed")
    session.commit()
    found = capacity.over_allocations(session, MON, NEXT_MON + timedelta(days=30))
    assert [(f["expert_id"], f["name"]) for f in found] == [(expert.id, "Maya Patel")]
    assert found[0]["weeks"] == [{"week": "2026-W50", "load": 3.0, "capacity": 2.0, "excess": 1.0},
                                 {"week": "2026-W51", "load": 2.5, "capacity": 2.0, "excess": 0.5}]


def test_initiatives_in_deliver_with_no_capacity_today(session, make, central, expert):
    school = make.school()
    covered = make.initiative(schools=[school], phase="deliver", title="Covered")
    bare = make.initiative(schools=[school], phase="deliver", title="Bare")
    only_cancelled = make.initiative(schools=[school], phase="deliver", title="Only cancelled")
    make.initiative(schools=[school], phase="prepare", title="Not delivering yet")
    make.initiative(schools=[school], phase="deliver", status="completed", title="Finished")
    book(session, central, expert, school, initiative_id=covered.id, days=1)
    book(session, central, expert, school, initiative_id=only_cancelled.id, days=1, status="cancelled")
    book(session, central, expert, school, first=NEXT_MON, last=NEXT_MON, initiative_id=bare.id, days=1)
    session.commit()
    assert [i.title for i in capacity.initiatives_without_capacity(session, WED)] == [
        "Bare", "Only cancelled"]


def test_a_page_of_initiatives_in_deliver_with_no_capacity_names_their_schools(
        session, make, central, expert):
    north, south = make.school(name="North"), make.school(name="South")
    for title in ("Delta", "Alpha", "Charlie", "Bravo"):
        make.initiative(schools=[south, north], phase="deliver", title=title)
    covered = make.initiative(schools=[north], phase="deliver", title="Covered")
    book(session, central, expert, north, initiative_id=covered.id, days=1)
    session.commit()
    first = capacity.uncovered_page(session, WED, per_page=3)
    assert first["total"] == 4
    assert [(i.title, [name for _, name in i.schools]) for i in first["items"]] == [
        ("Alpha", ["North", "South"]), ("Bravo", ["North", "South"]),
        ("Charlie", ["North", "South"])]
    second = capacity.uncovered_page(session, WED, page=2, per_page=3)
    assert ([i.title for i in second["items"]], second["total"]) == (["Delta"], 4)
    beyond = capacity.uncovered_page(session, WED, page=9, per_page=3)
    assert (beyond["items"], beyond["total"]) == ([], 4)


def test_initiatives_without_capacity_load_their_schools_in_one_query_however_many(
        session, make, count_queries):
    """Past 500 initiatives the schools were loaded in batches: a query more on a large trust."""
    school = make.school()
    owner = make.user("project_lead", schools=[school])

    def counted(n):
        rows = session.execute(insert(Initiative).returning(Initiative.id), [
            {"title": f"Bulk {k}", "owner_id": owner.id, "phase": "deliver"} for k in range(n)])
        session.execute(insert(initiative_schools), [
            {"initiative_id": id_, "school_id": school.id} for id_ in rows.scalars()])
        session.commit()
        with count_queries() as q:
            found = capacity.initiatives_without_capacity(session, WED)
        with count_queries() as page:
            capacity.uncovered_page(session, WED, per_page=10)
        assert all(i.schools == [school] for i in found)
        return q.count, page.count, len(found)

    assert counted(3)[:2] == counted(600)[:2] == (2, 2)


def test_days_received_count_five_weekdays_as_one_week(session, make, central, expert):
    a, b = make.school(), make.school()
    other = make.expert(days_per_week=3)
    book(session, central, expert, a, first=MON, last=SUN, days=2, status="delivered")
    book(session, central, other, a, first=D("2026-12-01"), last=D("2027-01-31"), days=1)
    book(session, central, other, b, first=MON, last=FRI, days=1, status="cancelled")
    session.commit()
    received = capacity.days_received_by_school(session, D("2026-09-01"), D("2026-12-31"))
    # 1 Dec (Tue) to 31 Dec (Thu): 23 weekdays at 1 day a week = 4.6 days
    assert received == {a.id: {"planned": 4.6, "confirmed": 0.0, "delivered": 2.0, "total": 6.6}}


def test_available_experts_fit_best_first_and_skip_the_busy(session, make, central):
    school = make.school()
    exact = make.expert(name="Zara Ahmed", days_per_week=1, specialisms=["maths"])
    roomy = make.expert(name="Ann Brown", days_per_week=3, specialisms=["maths", "numeracy"])
    busy = make.expert(name="Ben Busy", days_per_week=2, specialisms=["maths"])
    make.expert(name="Sam Science", days_per_week=3, specialisms=["science"])
    on_leave = make.expert(name="Lee Leave", days_per_week=2, specialisms=["maths"])
    make.expert(name="Old Hand", days_per_week=2, specialisms=["maths"], active=False)
    book(session, central, busy, school, first=MON, last=NEXT_MON + timedelta(days=4), days=1.5)
    session.add(Unavailability(expert_id=on_leave.id, starts_on=NEXT_MON, ends_on=NEXT_MON))
    session.commit()
    fits = capacity.available_experts(session, "MATHS", MON, NEXT_MON + timedelta(days=4), 1)
    # A day of leave takes a fifth of its week (2 days a week less 0.4), not the whole week.
    assert [(e.name, spare) for e, spare in fits] == [
        ("Zara Ahmed", 1), ("Lee Leave", 1.6), ("Ann Brown", 3)]
    assert exact in [e for e, _ in fits] and roomy in [e for e, _ in fits]
    anyone = capacity.available_experts(session, None, MON, FRI, 0.5)
    assert [(e.name, spare) for e, spare in anyone] == [
        ("Ben Busy", 0.5), ("Zara Ahmed", 1), ("Lee Leave", 2), ("Ann Brown", 3), ("Sam Science", 3)]


@pytest.mark.parametrize("statuses, expected", [
    ([], {"can_support": 0, "needs_support": 0, "ratio": None, "ok": True}),
    (["can_support", "stable"], {"can_support": 1, "needs_support": 0, "ratio": None, "ok": True}),
    (["can_support"] * 3 + ["needs_support"], {"can_support": 3, "needs_support": 1, "ratio": 3.0, "ok": True}),
    (["can_support"] * 5 + ["needs_support"] * 2, {"can_support": 5, "needs_support": 2, "ratio": 2.5, "ok": False}),
    (["needs_support"], {"can_support": 0, "needs_support": 1, "ratio": 0.0, "ok": False}),
])
def test_golden_rule(session, make, statuses, expected):
    for status in statuses:
        make.school(support_status=status)
    assert capacity.golden_rule(session) == expected


def _busy_trust(make, session, central, experts):
    school = make.school()
    for n in range(experts):
        e = make.expert(days_per_week=2, specialisms=["maths"] if n % 2 else ["science"])
        book(session, central, e, school, days=1)
        book(session, central, e, school, first=NEXT_MON, last=NEXT_MON + timedelta(days=4), days=1.5,
             status="confirmed")
        session.add(Unavailability(expert_id=e.id, starts_on=THU, ends_on=THU))
    session.commit()


@pytest.mark.parametrize("question", [
    lambda s: capacity.load_by_week(s, None, MON, NEXT_MON),
    lambda s: capacity.over_allocations(s, MON, NEXT_MON),
    lambda s: capacity.available_experts(s, "maths", MON, NEXT_MON, 0.5),
    lambda s: capacity.days_received_by_school(s, MON, NEXT_MON),
    lambda s: capacity.initiatives_without_capacity(s, MON),
    lambda s: capacity.planner(s, MON, NEXT_MON),
    lambda s: capacity.golden_rule(s),
])
def test_each_question_runs_the_same_number_of_queries_for_2_or_12_experts(
        session, make, central, count_queries, question):
    _busy_trust(make, session, central, 2)
    session.expire_all()
    with count_queries() as small:
        question(session)
    _busy_trust(make, session, central, 10)
    session.expire_all()
    with count_queries() as large:
        question(session)
    assert large.count == small.count <= 5


def test_the_planner_pages_through_experts_by_name_and_filters_by_school(session, make, central):
    school, other = make.school(), make.school()
    for name in ("Cara", "Abe", "Bea"):
        make.expert(name=name)
    based_there = make.expert(name="Dan", home_school_id=other.id)
    working_there = make.expert(name="Eve")
    book(session, central, working_there, other)
    session.commit()
    first = capacity.planner(session, MON, SUN, per_page=2)
    assert [r["expert"].name for r in first["rows"]] == ["Abe", "Bea"]
    assert (first["total"], first["pages"]) == (5, 3)
    last = capacity.planner(session, MON, SUN, per_page=2, page=99)
    assert [r["expert"].name for r in last["rows"]] == ["Eve"] and last["page"] == 3
    at_other = capacity.planner(session, MON, SUN, school_id=other.id)
    assert [r["expert"].name for r in at_other["rows"]] == [based_there.name, working_there.name]


@pytest.mark.parametrize("count, word, expected", [
    (1, "day", "1 day"), (1.0, "day", "1 day"), (2.0, "day", "2 days"), (0.5, "day", "0.5 days"),
    (0, "week", "0 weeks"), (3, "week", "3 weeks"), (1, "child", "1 child")])
def test_counts_are_worded_with_one_rule(count, word, expected):
    assert plural(count, word, "children" if word == "child" else None) == expected

