"""Capacity pages without a browser: who may open them, what they show, the refusal and
override on the allocation form, and query counts that do not grow with the data."""
from datetime import date, timedelta

import pytest

from tracker import capacity, clock
from tracker.models import Allocation, Unavailability

ROLES = ["admin", "central_team", "school_lead", "project_lead", "viewer"]
MONDAY = date(2026, 12, 7)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: MONDAY)


@pytest.fixture
def trust(make):
    mine, theirs = make.school(name="Oakwood Primary"), make.school(name="Millbrook School")
    people = {role: make.user(role, schools=[] if role in ("admin", "central_team") else [mine])
              for role in ROLES}
    expert = make.expert(name="Maya Patel", specialisms=["maths"], days_per_week=2)
    return {"mine": mine, "theirs": theirs, "people": people, "expert": expert}


def allocate(session, trust, school=None, expert=None, first=MONDAY, days=1.0, **kw):
    allocation = capacity.allocate(
        session, trust["people"]["central_team"], expert_id=(expert or trust["expert"]).id,
        school_id=(school or trust["mine"]).id, starts_on=first, ends_on=first + timedelta(days=11),
        days_per_week=days, **kw)
    session.commit()
    return allocation


@pytest.mark.parametrize("role, status", [
    ("admin", 200), ("central_team", 200), ("school_lead", 403), ("project_lead", 403), ("viewer", 403)])
@pytest.mark.parametrize("path", ["/planner", "/planner/free", "/allocations/new"])
def test_only_central_team_and_admins_plan_and_allocate(trust, login_as, role, status, path):
    assert login_as(trust["people"][role]).get(path).status_code == status


def test_the_planner_shows_load_shares_over_allocation_in_words_and_overrides(trust, session, make, login_as):
    allocate(session, trust, days=1.5)
    allocate(session, trust, school=trust["theirs"], days=1, override_reason="Ofsted next week")
    session.add(Unavailability(expert_id=trust["expert"].id, starts_on=MONDAY + timedelta(days=21),
                               ends_on=MONDAY + timedelta(days=21)))
    session.commit()
    html = login_as(trust["people"]["central_team"]).get("/planner").get_data(as_text=True)
    assert "Maya Patel" in html and "maths" in html
    assert "125%" in html and "over by 0.5" in html and 'class="cell-note">over<' in html
    assert "Ofsted next week" in html and ", override" in html
    assert ", leave" in html
    assert "Summer 2026" in html and "Spring 2027" in html  # the terms either side


def test_a_free_cell_links_to_a_prefilled_allocation_form(trust, login_as):
    html = login_as(trust["people"]["central_team"]).get("/planner").get_data(as_text=True)
    assert (f"/allocations/new?expert_id={trust['expert'].id}&amp;starts_on=2026-12-07&amp;"
            "ends_on=2026-12-11&amp;days_per_week=2") in html
    form = login_as(trust["people"]["central_team"]).get(
        f"/allocations/new?expert_id={trust['expert'].id}&starts_on=2026-12-07&ends_on=2026-12-11"
        "&days_per_week=2").get_data(as_text=True)
    assert 'value="2026-12-07"' in form and 'value="2026-12-11"' in form and 'value="2.0"' in form


def test_the_planner_filters_by_specialism_and_school(trust, session, make, login_as):
    scientist = make.expert(name="Sam Science", specialisms=["science"])
    allocate(session, trust, school=trust["theirs"], expert=scientist)
    client = login_as(trust["people"]["central_team"])
    maths = client.get("/planner?specialism=maths").get_data(as_text=True)
    assert "Maya Patel" in maths and "Sam Science" not in maths
    theirs = client.get(f"/planner?school_id={trust['theirs'].id}").get_data(as_text=True)
    assert "Sam Science" in theirs and "Maya Patel" not in theirs


def test_the_golden_rule_warns_below_three(trust, make, login_as):
    make.school(support_status="can_support")
    make.school(support_status="needs_support")
    html = login_as(trust["people"]["admin"]).get("/planner").get_data(as_text=True)
    assert "Below 3 to 1" in html and "1.0" in html


def test_the_planner_query_count_does_not_grow_with_experts_or_allocations(
        trust, session, make, login_as, count_queries):
    client = login_as(trust["people"]["central_team"])

    def grow(n):
        for k in range(n):
            e = make.expert(specialisms=["maths"])
            allocate(session, trust, expert=e, days=1)
            allocate(session, trust, expert=e, first=MONDAY + timedelta(days=14), days=1.5,
                     school=trust["theirs"], initiative_id=make.initiative(
                         schools=[trust["theirs"]], phase="deliver").id)
            session.add(Unavailability(expert_id=e.id, starts_on=MONDAY, ends_on=MONDAY))
            allocate(session, trust, expert=e, days=1, override_reason="Cover")
        session.commit()
    grow(1)
    with count_queries() as small:
        assert client.get("/planner").status_code == 200
    grow(10)
    with count_queries() as large:
        assert client.get("/planner").status_code == 200
    assert large.count == small.count


def test_allocating_through_the_form_refuses_a_double_booking_then_takes_an_override(
        trust, session, login_as):
    allocate(session, trust, days=2)
    client = login_as(trust["people"]["central_team"])
    form = {"expert_id": trust["expert"].id, "school_id": trust["theirs"].id, "initiative_id": 0,
            "starts_on": "2026-12-14", "ends_on": "2026-12-18", "days_per_week": "1",
            "status": "planned", "notes": "", "override_reason": ""}
    refused = client.post("/allocations/new", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "This would over-allocate the expert" in html and "2026-W51" in html
    assert 'id="override_reason"' in html and "Give a reason to override, or change" in html
    assert session.query(Allocation).count() == 1
    allowed = client.post("/allocations/new", data=form | {"override_reason": "Urgent cover"})
    assert allowed.status_code == 302 and "/planner" in allowed.headers["Location"]
    assert session.query(Allocation).filter_by(override_reason="Urgent cover").count() == 1


@pytest.mark.parametrize("changes, field_error", [
    ({"ends_on": "2026-12-01"}, "The last day is before the first."),
    ({"days_per_week": "0"}, "Give more than 0 and at most 7 days a week."),
    ({"days_per_week": "lots"}, "Not a valid float value."),
    ({"expert_id": "0"}, "No expert with this id."),
])
def test_the_allocation_form_puts_errors_beside_their_fields(trust, login_as, changes, field_error):
    form = {"expert_id": trust["expert"].id, "school_id": trust["mine"].id, "initiative_id": 0,
            "starts_on": "2026-12-07", "ends_on": "2026-12-11", "days_per_week": "1",
            "status": "planned"} | changes
    response = login_as(trust["people"]["central_team"]).post("/allocations/new", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="error-message"' in html and field_error in html


def test_editing_an_allocation_keeps_its_version_and_refuses_a_stale_one(trust, session, login_as):
    allocation = allocate(session, trust)
    client = login_as(trust["people"]["central_team"])
    assert client.get(f"/allocations/{allocation.id}/edit").status_code == 200
    form = {"expert_id": trust["expert"].id, "school_id": trust["mine"].id, "initiative_id": 0,
            "starts_on": "2026-12-07", "ends_on": "2026-12-18", "days_per_week": "1",
            "status": "confirmed", "version": "1"}
    assert client.post(f"/allocations/{allocation.id}/edit", data=form).status_code == 302
    stale = client.post(f"/allocations/{allocation.id}/edit", data=form | {"status": "delivered"})
    assert "Someone else changed this allocation" in stale.get_data(as_text=True)
    session.expire_all()
    assert session.get(Allocation, allocation.id).status == "confirmed"


@pytest.mark.parametrize("role", ["school_lead", "project_lead", "viewer"])
def test_others_cannot_edit_allocations(trust, session, login_as, role):
    allocation = allocate(session, trust)
    assert login_as(trust["people"][role]).get(f"/allocations/{allocation.id}/edit").status_code == 403


def test_finding_a_free_expert_lists_the_best_fit_with_an_allocate_link(trust, make, login_as):
    make.expert(name="Ann Roomy", specialisms=["maths"], days_per_week=3)
    make.expert(name="Sam Science", specialisms=["science"], days_per_week=3)
    html = login_as(trust["people"]["central_team"]).get(
        "/planner/free?submitted=1&specialism=maths&starts_on=2026-12-07&ends_on=2026-12-18"
        "&days_per_week=1").get_data(as_text=True)
    assert html.index("Maya Patel") < html.index("Ann Roomy") and "Sam Science" not in html
    assert "Allocate Maya Patel" in html


def test_finding_a_free_expert_with_dates_backwards_says_so_beside_the_field(trust, login_as):
    html = login_as(trust["people"]["central_team"]).get(
        "/planner/free?submitted=1&starts_on=2026-12-18&ends_on=2026-12-07&days_per_week=1"
    ).get_data(as_text=True)
    assert 'id="ends_on-error"' in html


@pytest.mark.parametrize("role, sees_theirs", [
    ("admin", True), ("central_team", True), ("school_lead", False), ("project_lead", False),
    ("viewer", False)])
def test_support_received_shows_the_days_each_visible_school_receives(
        trust, session, login_as, role, sees_theirs):
    allocate(session, trust, days=1)  # two weeks at 1 day
    allocate(session, trust, school=trust["theirs"], expert=None, first=MONDAY + timedelta(days=14))
    client = login_as(trust["people"][role])
    html = client.get("/support-received").get_data(as_text=True)
    assert "Oakwood Primary" in html and ("Millbrook School" in html) is sees_theirs
    detail = client.get(f"/support-received?school_id={trust['mine'].id}").get_data(as_text=True)
    assert "Who supports Oakwood Primary" in detail and "<strong>2</strong>" in detail
    other = client.get(f"/support-received?school_id={trust['theirs'].id}").get_data(as_text=True)
    assert ("Who supports Millbrook School" in other) is sees_theirs


def test_support_received_query_count_does_not_grow(trust, session, make, login_as, count_queries):
    client = login_as(trust["people"]["school_lead"])
    allocate(session, trust)
    with count_queries() as small:
        client.get(f"/support-received?school_id={trust['mine'].id}")
    for _ in range(8):
        allocate(session, trust, expert=make.expert(), days=0.5)
    with count_queries() as large:
        client.get(f"/support-received?school_id={trust['mine'].id}")
    assert large.count == small.count


def test_the_allocation_list_shows_only_what_the_person_may_see(trust, session, login_as):
    allocate(session, trust)
    allocate(session, trust, school=trust["theirs"], first=MONDAY + timedelta(days=14))
    lead = login_as(trust["people"]["school_lead"]).get("/allocations").get_data(as_text=True)
    assert "Oakwood Primary" in lead and "Millbrook School" not in lead
    central = login_as(trust["people"]["central_team"]).get("/allocations").get_data(as_text=True)
    assert "Millbrook School" in central


@pytest.mark.parametrize("role, shown", [
    ("admin", {"Planner"}), ("central_team", {"Planner"}), ("school_lead", {"Support received"}),
    ("project_lead", set()), ("viewer", set())])
def test_the_menu_offers_the_planner_and_support_received_to_the_right_people(trust, login_as, role, shown):
    html = login_as(trust["people"][role]).get("/").get_data(as_text=True)
    assert {label for label in ("Planner", "Support received") if f">{label}</a>" in html} == shown
