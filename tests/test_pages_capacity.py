"""Capacity pages without a browser: who may open them, what they show, the refusal and
override on the allocation form, and query counts that do not grow with the data."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import insert

from tracker import capacity, clock
from tracker.models import Allocation, Initiative, Unavailability, initiative_schools

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
    ({"days_per_week": "lots"}, "Enter a number, such as 2.5."),
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


# --- the planner opens on this week; no new allocation in the past -----------------------

def test_the_planner_opens_on_this_week_and_shows_earlier_weeks_on_request(trust, login_as, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: MONDAY + timedelta(days=2))  # a Wednesday
    client = login_as(trust["people"]["central_team"])
    html = client.get("/planner").get_data(as_text=True)
    weeks = re.findall(r'class="week-number">W(\d\d)<', html)
    assert weeks[0] == "50" and len(weeks) == 12 and "49" not in weeks
    assert re.search(r'class="this-week" aria-current="date">\s*<span class="week-number">W50<', html)
    earlier = re.search(r'href="([^"]+)">← Earlier weeks<', html).group(1).replace("&amp;", "&")
    assert "from=2026-09-14" in earlier and "to=2026-12-06" in earlier
    before = re.findall(r'class="week-number">W(\d\d)<', client.get(earlier).get_data(as_text=True))
    assert before[0] == "38" and before[-1] == "49"


def test_a_new_allocation_ending_in_the_past_is_refused_beside_the_last_day(trust, session, login_as):
    form = {"expert_id": trust["expert"].id, "school_id": trust["mine"].id, "initiative_id": 0,
            "starts_on": "2025-01-06", "ends_on": "2025-01-10", "days_per_week": "1",
            "status": "planned"}
    response = login_as(trust["people"]["central_team"]).post("/allocations/new", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    error = re.search(r'id="ends_on-error">(.*?)</p>', html, re.S).group(1)
    assert capacity.PAST_MESSAGE in error
    assert session.query(Allocation).count() == 0


def test_the_api_refuses_the_same_past_allocation_naming_ends_on(trust, session, api_as):
    response = api_as(trust["people"]["central_team"]).post("/api/v1/allocations", json={
        "expert_id": trust["expert"].id, "school_id": trust["mine"].id,
        "starts_on": "2025-01-06", "ends_on": "2025-01-10", "days_per_week": 1})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"ends_on": [capacity.PAST_MESSAGE]}


def test_an_allocation_that_has_ended_can_still_be_marked_delivered_on_its_page(
        trust, session, login_as, monkeypatch):
    allocation = allocate(session, trust)
    monkeypatch.setattr(clock, "today", lambda: MONDAY + timedelta(days=60))
    form = {"expert_id": trust["expert"].id, "school_id": trust["mine"].id, "initiative_id": 0,
            "starts_on": "2026-12-07", "ends_on": "2026-12-18", "days_per_week": "1",
            "status": "delivered", "version": str(allocation.version)}
    client = login_as(trust["people"]["central_team"])
    assert client.post(f"/allocations/{allocation.id}/edit", data=form).status_code == 302
    session.expire_all()
    assert session.get(Allocation, allocation.id).status == "delivered"


# --- planner cells: their names begin with what they show ----------------------------------

def test_every_planner_link_is_named_by_its_visible_text_first(trust, session, login_as):
    allocate(session, trust, days=0.5)
    html = login_as(trust["people"]["central_team"]).get("/planner").get_data(as_text=True)
    cells = re.findall(r'<a class="cell-value"[^>]*>(.*?)</a>', html, re.S)
    assert len(cells) == 12
    assert 'aria-label' not in html.split('<table class="planner">')[1].split("</table>")[0]
    assert cells[0].startswith("25%<span class=\"visually-hidden\"> Maya Patel, week 2026-W50: 0.5 of 2 days;")
    assert all(re.match(r"\d+%<span class=\"visually-hidden\">", c) for c in cells)


# --- wording: one day, two days ------------------------------------------------------------

def test_one_day_a_week_is_singular_everywhere_the_planner_says_it(trust, session, make, login_as):
    make.expert(name="Ola One", specialisms=["maths"], days_per_week=1)
    allocate(session, trust, days=1)
    client = login_as(trust["people"]["central_team"])
    pages = [client.get(path).get_data(as_text=True) for path in (
        "/planner", "/allocations/new", "/allocations", "/experts",
        f"/support-received?school_id={trust['mine'].id}")]
    for html in pages:
        assert "1 days" not in html
    assert "1 day a week" in pages[0] and "(maths; 1 day a week)" in pages[1]
    assert "2 days a week" in pages[0] and ">1 day<" in pages[2]


# --- experts and their leave, from the pages ---------------------------------------------

@pytest.mark.parametrize("role, status", [
    ("admin", 200), ("central_team", 200), ("school_lead", 403), ("project_lead", 403), ("viewer", 403)])
def test_only_the_central_team_and_admins_manage_experts(trust, login_as, role, status):
    client = login_as(trust["people"][role])
    expert_id = trust["expert"].id
    for path in ("/experts", "/experts/new", f"/experts/{expert_id}/edit", f"/experts/{expert_id}/leave"):
        assert client.get(path).status_code == status, path


def expert_form(trust, **changes):
    return {"name": "Maya Patel-Jones", "email": "maya.pj@trust.example", "specialisms": "Maths, early  reading",
            "home_school_id": str(trust["theirs"].id), "days_per_week": "2.5", "active": "y",
            "version": str(trust["expert"].version)} | changes


def test_an_expert_is_changed_through_their_page(trust, session, login_as):
    client = login_as(trust["people"]["central_team"])
    page = client.get(f"/experts/{trust['expert'].id}/edit").get_data(as_text=True)
    assert 'value="Maya Patel"' in page and 'value="maths"' in page
    response = client.post(f"/experts/{trust['expert'].id}/edit", data=expert_form(trust))
    assert response.status_code == 302 and response.headers["Location"].endswith("/experts")
    session.expire_all()
    expert = trust["expert"]
    assert (expert.name, expert.email, expert.specialisms, expert.home_school_id, expert.days_per_week) == (
        "Maya Patel-Jones", "maya.pj@trust.example", ["maths", "early reading"], trust["theirs"].id, 2.5)
    listed = client.get("/experts").get_data(as_text=True)
    assert "Maya Patel-Jones" in listed and "Millbrook School" in listed and "2.5 days" in listed


def test_the_expert_page_refuses_what_the_api_refuses_beside_the_field(trust, session, make, login_as):
    make.expert(email="taken@trust.example")
    client = login_as(trust["people"]["central_team"])
    url = f"/experts/{trust['expert'].id}/edit"
    for changes, field, message in (
            ({"email": "taken@trust.example"}, "email", "Another expert has this email."),
            ({"days_per_week": "9"}, "days_per_week", "Give more than 0 and at most 7 days a week."),
            ({"name": "   "}, "name", "Enter the expert&#39;s name.")):
        html = client.post(url, data=expert_form(trust, **changes)).get_data(as_text=True)
        assert message in re.search(rf'id="{field}-error">(.*?)</p>', html, re.S).group(1), field
    session.expire_all()
    assert trust["expert"].name == "Maya Patel"


def test_cutting_an_experts_days_below_their_allocations_needs_a_reason_on_the_page(
        trust, session, login_as):
    allocate(session, trust, days=2)
    client = login_as(trust["people"]["central_team"])
    url = f"/experts/{trust['expert'].id}/edit"
    refused = client.post(url, data=expert_form(trust, days_per_week="1")).get_data(as_text=True)
    assert "would be over their 1 day a week" in refused
    session.expire_all()
    assert trust["expert"].days_per_week == 2
    allowed = client.post(url, data=expert_form(trust, days_per_week="1",
                                                override_reason="Reduced hours from January"))
    assert allowed.status_code == 302
    session.expire_all()
    assert trust["expert"].days_per_week == 1


def test_a_stale_expert_form_is_refused(trust, session, login_as):
    client = login_as(trust["people"]["central_team"])
    url = f"/experts/{trust['expert'].id}/edit"
    assert client.post(url, data=expert_form(trust)).status_code == 302
    stale = client.post(url, data=expert_form(trust, name="Someone Else", version="1"))
    assert stale.status_code == 200
    session.expire_all()
    assert trust["expert"].name == "Maya Patel-Jones"


def test_an_expert_is_added_through_the_pages(trust, session, login_as):
    client = login_as(trust["people"]["admin"])
    response = client.post("/experts/new", data=expert_form(trust, email="new@trust.example",
                                                            name="Nia New", home_school_id="0"))
    assert response.status_code == 302
    from tracker.models import Expert
    added = session.query(Expert).filter_by(email="new@trust.example").one()
    assert added.name == "Nia New" and added.home_school_id is None and added.active


def test_leave_is_added_and_removed_through_the_experts_leave_page(trust, session, login_as):
    client = login_as(trust["people"]["central_team"])
    url = f"/experts/{trust['expert'].id}/leave"
    added = client.post(url, data={"starts_on": "2026-12-14", "ends_on": "2026-12-15", "reason": "Course"})
    assert added.status_code == 302
    leave = session.query(Unavailability).filter_by(expert_id=trust["expert"].id).one()
    html = client.get(url).get_data(as_text=True)
    assert "14 Dec 2026" in html and "Course" in html
    planner = client.get("/planner").get_data(as_text=True)
    assert "Maya Patel, week 2026-W51" in planner and ", leave" in planner
    backwards = client.post(url, data={"starts_on": "2026-12-15", "ends_on": "2026-12-14"})
    assert 'id="ends_on-error"' in backwards.get_data(as_text=True)
    removed = client.post(f"{url}/{leave.id}/delete")
    assert removed.status_code == 302
    assert session.query(Unavailability).count() == 0


def test_expert_pages_query_counts_do_not_grow(trust, session, make, login_as, count_queries):
    client = login_as(trust["people"]["central_team"])
    url = f"/experts/{trust['expert'].id}/leave"

    def measure():
        with count_queries() as listing:
            assert client.get("/experts").status_code == 200
        with count_queries() as leave:
            assert client.get(url).status_code == 200
        return listing.count, leave.count
    session.commit()  # the signed-in person is loaded again after a commit, as below
    small = measure()
    for k in range(8):
        make.expert(home_school_id=trust["mine"].id if k % 2 else None)
        session.add(Unavailability(expert_id=trust["expert"].id, starts_on=MONDAY + timedelta(days=k),
                                   ends_on=MONDAY + timedelta(days=k)))
    session.commit()
    assert measure() == small


# --- in Deliver with no expert today: the planner's first few, and the whole list a page at a time

def _uncovered(session, make, trust, n):
    """``n`` initiatives in Deliver at my school with no expert, added in bulk."""
    owner = trust["people"]["project_lead"]
    rows = session.execute(insert(Initiative).returning(Initiative.id), [
        {"title": f"Uncovered {k:04d}", "owner_id": owner.id, "phase": "deliver"} for k in range(n)])
    session.execute(insert(initiative_schools), [
        {"initiative_id": id_, "school_id": trust["mine"].id} for id_ in rows.scalars()])
    session.commit()


def test_the_planner_counts_initiatives_with_no_expert_and_lists_the_first_few(
        trust, session, make, login_as):
    _uncovered(session, make, trust, 12)
    html = login_as(trust["people"]["central_team"]).get("/planner").get_data(as_text=True)
    section = html.split('id="uncovered-heading"')[1]
    assert "12 initiatives in Deliver have no expert allocated today; the first 10 by title" in section
    assert "Uncovered 0009" in section and "Uncovered 0010" not in section
    assert "Oakwood Primary" in section and "Allocate<span class=\"visually-hidden\"> to Uncovered 0000" in section
    assert 'href="/planner/uncovered">See all 12 initiatives in Deliver with no expert today' in section


def test_the_planner_lists_every_one_when_few_have_no_expert(trust, session, make, login_as):
    _uncovered(session, make, trust, 1)
    html = login_as(trust["people"]["central_team"]).get("/planner").get_data(as_text=True)
    assert "1 initiative in Deliver has no expert allocated today:" in html
    assert "/planner/uncovered" not in html


def test_the_whole_list_of_initiatives_with_no_expert_comes_a_page_at_a_time(
        trust, session, make, login_as):
    _uncovered(session, make, trust, 55)
    client = login_as(trust["people"]["central_team"])
    first = client.get("/planner/uncovered").get_data(as_text=True)
    assert "55 initiatives in Deliver have no expert allocated today, by title (page 1 of 2)" in first
    assert "Uncovered 0049" in first and "Uncovered 0050" not in first
    assert 'href="/planner/uncovered?page=2" rel="next"' in first
    second = client.get("/planner/uncovered?page=2").get_data(as_text=True)
    assert "Uncovered 0050" in second and "Uncovered 0054" in second
    assert 'rel="prev"' in second and 'rel="next"' not in second
    beyond = client.get("/planner/uncovered?page=7")
    assert beyond.status_code == 200 and "There is no page 7" in beyond.get_data(as_text=True)
    assert client.get("/planner/uncovered?page=abc").status_code == 200


@pytest.mark.parametrize("role, status", [
    ("admin", 200), ("central_team", 200), ("school_lead", 403), ("project_lead", 403), ("viewer", 403)])
def test_only_allocators_see_the_list_of_initiatives_with_no_expert(trust, login_as, role, status):
    assert login_as(trust["people"][role]).get("/planner/uncovered").status_code == status


def test_the_planner_and_the_list_ask_as_many_queries_for_600_initiatives_with_no_expert_as_for_2(
        trust, session, make, login_as, count_queries):
    """600 is past the 500 a batch of eager loading takes, which added a query."""
    client = login_as(trust["people"]["central_team"])
    counts = []
    for n in (2, 598):
        _uncovered(session, make, trust, n)
        with count_queries() as planner:
            assert client.get("/planner").status_code == 200
        with count_queries() as listing:
            assert client.get("/planner/uncovered").status_code == 200
        counts.append((planner.count, listing.count))
    assert counts[0] == counts[1]
