"""Issue 11: the scope holes (who may own an initiative, which schools a person may add or
remove, the golden rule as a trust figure) and the rules that answered wrongly (who is
free, expert days, capacity overrides, audit record types, the trust's today)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from tracker import capacity, clock, permissions, reviews
from tracker.models import AuditEntry, PdsaCycle
from tracker.capacity import Span


@pytest.fixture
def trust(make):
    """Oakwood and Millbrook, with a project lead, school lead and viewer at each."""
    oak, mill = make.school(name="Oakwood"), make.school(name="Millbrook")
    people = {}
    for school in (oak, mill):
        for role in ("project_lead", "school_lead", "viewer"):
            people[school.name, role] = make.user(role, schools=[school],
                                                  name=f"{school.name} {role}")
    return {"oak": oak, "mill": mill, "people": people}


def _field_errors(response, status=422):
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]["fields"]


# --- 1. who may own an initiative --------------------------------------------------------

@pytest.mark.parametrize("role, school, active, may_own", [
    ("project_lead", "oak", True, True),        # sees Oakwood, writes what they own
    ("school_lead", "oak", True, True),
    ("admin", None, True, True),
    ("viewer", "oak", True, False),             # sees it, may never write it
    ("central_team", None, True, False),        # sees the whole trust, writes no initiative
    ("viewer", None, True, False),              # a trust-wide viewer
    ("project_lead", "mill", True, False),      # writes, but cannot see Oakwood
    ("school_lead", "mill", True, False),
    ("project_lead", "oak", False, False),      # has left
])
def test_who_may_own_an_initiative(trust, make, role, school, active, may_own):
    person = make.user(role, schools=[trust[school]] if school else [], active=active)
    assert permissions.can_own(person, [trust["oak"].id]) is may_own
    # One of the initiative's schools is enough.
    assert permissions.can_own(person, [trust["mill"].id, trust["oak"].id]) is (
        may_own or (active and school == "mill"))


def test_a_project_lead_cannot_start_an_initiative_owned_by_another_schools_viewer(trust, api_as):
    oak_lead = trust["people"]["Oakwood", "project_lead"]
    outsider = trust["people"]["Millbrook", "viewer"]
    response = api_as(oak_lead).post("/api/v1/initiatives", json={
        "title": "Reading", "school_ids": [trust["oak"].id], "owner_id": outsider.id})
    assert "owner_id" in _field_errors(response)
    assert api_as(outsider).get("/api/v1/initiatives").get_json()["total"] == 0


@pytest.mark.parametrize("new_owner, allowed", [
    (("Millbrook", "viewer"), False),
    (("Millbrook", "project_lead"), False),
    (("Oakwood", "viewer"), False),
    (("Oakwood", "school_lead"), True),
])
def test_an_initiative_is_handed_only_to_someone_who_sees_its_school_and_may_write_it(
        trust, make, api_as, new_owner, allowed):
    oak_lead = trust["people"]["Oakwood", "project_lead"]
    initiative = make.initiative(schools=[trust["oak"]], owner=oak_lead)
    make.milestone(initiative)
    owner = trust["people"][new_owner]
    response = api_as(oak_lead).patch(f"/api/v1/initiatives/{initiative.id}", json={
        "owner_id": owner.id, "version": initiative.version})
    if allowed:
        assert response.status_code == 200 and response.get_json()["owner_id"] == owner.id
        return
    assert "owner_id" in _field_errors(response)
    reader = api_as(owner)
    if new_owner[0] == "Millbrook":
        assert reader.get(f"/api/v1/initiatives/{initiative.id}").status_code == 404
        assert reader.get(f"/api/v1/initiatives/{initiative.id}/milestones").status_code == 404


def test_changing_schools_cannot_leave_an_owner_who_no_longer_sees_the_initiative(
        trust, make, api_as):
    both = make.user("school_lead", schools=[trust["oak"], trust["mill"]])
    initiative = make.initiative(schools=[trust["oak"], trust["mill"]],
                                 owner=trust["people"]["Millbrook", "project_lead"])
    response = api_as(both).patch(f"/api/v1/initiatives/{initiative.id}", json={
        "school_ids": [trust["oak"].id], "version": initiative.version})
    assert "school_ids" in _field_errors(response)


def test_the_initiative_form_offers_only_people_who_may_own_it(trust, make, login_as):
    oak_lead = trust["people"]["Oakwood", "project_lead"]
    initiative = make.initiative(schools=[trust["oak"]], owner=oak_lead)
    make.user("central_team", name="Central Person")
    admin = make.user("admin", name="Admin Person")
    for client in (login_as(oak_lead), login_as(admin)):
        page = client.get(f"/initiatives/{initiative.id}/edit").get_data(as_text=True)
        assert "Oakwood school_lead" in page and "Oakwood project_lead" in page
        assert "Oakwood viewer" not in page and "Central Person" not in page
        assert "Millbrook project_lead" not in page and "Millbrook school_lead" not in page


def test_the_new_initiative_form_offers_only_people_who_may_own_one_in_your_schools(
        trust, login_as):
    page = login_as(trust["people"]["Oakwood", "school_lead"]).get("/initiatives/new")
    text = page.get_data(as_text=True)
    assert "Oakwood project_lead" in text
    assert "Oakwood viewer" not in text and "Millbrook project_lead" not in text


# --- 2. schools a person cannot see ----------------------------------------------------

@pytest.fixture
def shared(trust, make):
    """An initiative of Oakwood and Millbrook, owned by Oakwood's project lead."""
    lead = trust["people"]["Oakwood", "project_lead"]
    return make.initiative(schools=[trust["oak"], trust["mill"]], owner=lead)


def test_an_owner_cannot_remove_a_school_they_cannot_see(trust, shared, api_as):
    lead = api_as(trust["people"]["Oakwood", "project_lead"])
    response = lead.patch(f"/api/v1/initiatives/{shared.id}", json={
        "school_ids": [trust["oak"].id], "version": shared.version})
    assert "school_ids" in _field_errors(response)
    millbrook = api_as(trust["people"]["Millbrook", "viewer"])
    assert millbrook.get(f"/api/v1/initiatives/{shared.id}").status_code == 200


def test_an_owner_may_send_back_the_schools_as_they_read_them(trust, shared, api_as):
    lead = api_as(trust["people"]["Oakwood", "project_lead"])
    read = lead.get(f"/api/v1/initiatives/{shared.id}").get_json()
    response = lead.patch(f"/api/v1/initiatives/{shared.id}", json={
        "school_ids": read["school_ids"], "title": "Renamed", "version": read["version"]})
    assert response.status_code == 200, response.get_json()
    assert sorted(response.get_json()["school_ids"]) == sorted(read["school_ids"])


def test_adding_a_school_you_cannot_see_reads_like_adding_one_that_does_not_exist(
        trust, make, api_as):
    lead = trust["people"]["Oakwood", "project_lead"]
    initiative = make.initiative(schools=[trust["oak"]], owner=lead)
    api = api_as(lead)

    def problems(school_id):
        response = api.patch(f"/api/v1/initiatives/{initiative.id}", json={
            "school_ids": [trust["oak"].id, school_id], "version": initiative.version})
        return [p.replace(str(school_id), "N") for p in _field_errors(response)["school_ids"]]

    assert problems(trust["mill"].id) == problems(999_999)


def test_saving_the_edit_page_keeps_the_schools_you_cannot_see(trust, shared, login_as, session):
    client = login_as(trust["people"]["Oakwood", "project_lead"])
    response = client.post(f"/initiatives/{shared.id}/edit", data={
        "title": "Renamed", "school_ids": [trust["oak"].id], "owner_id": 0,
        "version": shared.version})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    session.expire_all()
    assert sorted(shared.school_ids) == sorted([trust["oak"].id, trust["mill"].id])


# --- 3. the golden rule is a trust figure ------------------------------------------------

def test_the_golden_rule_is_the_whole_trusts_figure_for_every_reader(trust, make, api_as,
                                                                     login_as):
    make.school(support_status="needs_support")
    whole_trust = api_as(make.user("admin")).get("/api/v1/dashboard").get_json()["golden_rule"]
    assert whole_trust["needs_support"] == 1
    for person in (trust["people"]["Oakwood", "school_lead"], trust["people"]["Oakwood", "viewer"]):
        body = api_as(person).get("/api/v1/dashboard").get_json()
        assert body["golden_rule"] == whole_trust
        assert [row["name"] for row in body["schools"]] == ["Oakwood"]
        page = login_as(person).get("/dashboard").get_data(as_text=True)
        assert "Golden rule" in page and "(the whole trust)" in page


def test_the_openapi_document_says_who_sees_the_golden_rule(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "whole trust's figure for every reader" in spec["paths"]["/api/v1/dashboard"]["get"]["description"]


# --- 4. who is free counts days ---------------------------------------------------------

MON = date(2026, 12, 7)


@pytest.mark.parametrize("case, spans, first, last, expected", [
    ("free", [], MON, MON + timedelta(days=4), {MON: 2}),
    ("one day's leave takes a fifth of the week",
     [Span(MON + timedelta(days=2), MON + timedelta(days=2), 2)], MON, MON + timedelta(days=11),
     {MON: 1.6, MON + timedelta(days=7): 2}),
    ("a week of leave takes it all",
     [Span(MON, MON + timedelta(days=4), 2)], MON, MON + timedelta(days=4), {MON: 0}),
    ("weekend leave takes nothing",
     [Span(MON + timedelta(days=5), MON + timedelta(days=6), 2)], MON, MON + timedelta(days=6),
     {MON: 2}),
    ("allocations count at their days a week",
     [Span(MON, MON + timedelta(days=13), 0.5)], MON, MON + timedelta(days=13),
     {MON: 1.5, MON + timedelta(days=7): 1.5}),
    ("an over-allocated day is not spare, and takes no more than the day",
     [Span(MON, MON, 3)], MON, MON + timedelta(days=4), {MON: 1.6}),
    ("only the days asked about count",
     [Span(MON, MON + timedelta(days=1), 2)], MON + timedelta(days=2), MON + timedelta(days=4),
     {MON: 2}),
    ("a question about a weekend asks for no days", [], MON + timedelta(days=5),
     MON + timedelta(days=6), {}),
])
def test_spare_days_count_each_weekday(case, spans, first, last, expected):
    assert capacity.spare_by_week(spans, 2, first, last) == expected, case


def test_one_day_of_leave_does_not_hide_an_expert_for_the_whole_week(make, api_as, session):
    expert = make.expert(name="Part Timer", days_per_week=2)
    central = make.user("central_team")
    capacity.add_unavailability(session, central, expert, starts_on=date(2026, 12, 9),
                                ends_on=date(2026, 12, 9), reason="A one-day course")
    session.commit()
    body = api_as(central).get("/api/v1/experts/available?from=2026-12-07&to=2026-12-18"
                               "&days_per_week=1").get_json()
    assert [(e["name"], e["spare_days_per_week"]) for e in body["items"]] == [("Part Timer", 1.6)]


def test_the_planners_search_finds_an_expert_with_a_day_of_leave(make, login_as, session):
    expert = make.expert(name="Part Timer", days_per_week=2)
    central = make.user("central_team")
    capacity.add_unavailability(session, central, expert, starts_on=date(2026, 12, 9),
                                ends_on=date(2026, 12, 9))
    session.commit()
    page = login_as(central).get("/planner/free?submitted=1&starts_on=2026-12-07"
                                 "&ends_on=2026-12-18&days_per_week=1").get_data(as_text=True)
    assert "Allocate Part Timer" in page and "1.6 of 2" in page


# --- 5. one rule for expert days ----------------------------------------------------------

@pytest.mark.parametrize("first, last, days", [
    (MON, MON + timedelta(days=4), 2),            # Monday to Friday: a week
    (MON, MON + timedelta(days=6), 2),            # the weekend adds nothing
    (MON + timedelta(days=5), MON + timedelta(days=6), 0),
    (MON, MON + timedelta(days=13), 4),
    (MON + timedelta(days=2), MON + timedelta(days=2), 0.4),
])
def test_expert_days_are_days_a_week_for_each_five_weekdays(first, last, days):
    assert capacity.expert_days(2, first, last) == pytest.approx(days)


def test_the_days_a_decision_frees_are_the_days_the_school_would_have_received(make, session,
                                                                            monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 2))  # the week booked is to come
    school = make.school()
    initiative = make.initiative(schools=[school], phase="deliver")
    expert = make.expert(days_per_week=3)
    lead = make.user("school_lead", schools=[school])
    today = date(2026, 12, 2)
    start, end = date(2026, 12, 7), date(2026, 12, 11)   # Monday to Friday, not started yet
    allocation = capacity.allocate(session, make.user("central_team"), expert_id=expert.id,
                                   school_id=school.id, initiative_id=initiative.id,
                                   starts_on=start, ends_on=end, days_per_week=2)
    session.commit()
    received = capacity.days_received_by_school(session, start, end)[school.id]["total"]
    review = make.review(initiative, due_on=today)
    reviews.decide_review(session, lead, review, "deimplement", "Not working.", today=today)
    session.commit()
    assert allocation.status == "cancelled"
    assert review.freed_expert_days == received == 2


# --- 6. the central team owns capacity, overrides included ---------------------------------

def test_the_central_team_overrides_capacity_and_the_reason_and_who_are_recorded(
        make, api_as, session, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: date(2026, 12, 2))  # the week booked is to come
    school, expert = make.school(), make.expert(days_per_week=1)
    central = make.user("central_team")
    response = api_as(central).post("/api/v1/allocations", json={
        "expert_id": expert.id, "school_id": school.id, "starts_on": "2026-12-07",
        "ends_on": "2026-12-11", "days_per_week": 2, "override_reason": "Extra day agreed"})
    assert response.status_code == 201, response.get_json()
    event = session.query(AuditEntry).filter_by(action="override").one()
    assert event.actor_id == central.id and event.changes["reason"] == "Extra day agreed"


def test_readme_says_the_central_team_overrides_capacity():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    roles = readme.split("## Who can do what", 1)[1]
    central = next(line for line in roles.splitlines() if line.startswith("| `central_team`"))
    assert "override" in central


# --- 7. audit record types -----------------------------------------------------------------

def test_an_unknown_audit_record_type_is_refused_naming_the_ones_accepted(make, api_as):
    admin = api_as(make.user("admin"))
    response = admin.get("/api/v1/audit?record_type=initiative")
    problems = " ".join(_field_errors(response)["record_type"])
    assert "initiatives" in problems and "allocations" in problems
    assert admin.get("/api/v1/audit?record_type=initiatives").status_code == 200


def test_every_record_type_the_log_writes_is_accepted(make, api_as, session):
    admin = api_as(make.user("admin"))
    make.initiative()
    admin.get("/api/v1/audit")  # a sign-in and a request, at least
    written = {t for (t,) in session.query(AuditEntry.record_type).distinct()}
    assert written and written <= set(_record_types())
    for record_type in written:
        assert admin.get(f"/api/v1/audit?record_type={record_type}").status_code == 200


def _record_types():
    from tracker.audit import RECORD_TYPES  # here, so the other tests run before it exists
    return RECORD_TYPES


def test_the_openapi_document_lists_the_audit_record_types(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    parameter = next(p for p in spec["paths"]["/api/v1/audit"]["get"]["parameters"]
                     if p["name"] == "record_type")
    assert "initiatives" in parameter["schema"]["enum"]
    assert "initiative" not in parameter["schema"]["enum"]


# --- 8. defaulted dates are the trust's today ---------------------------------------------

class _HalfPastElevenUtcInSummer(datetime):
    """23:30 UTC on 15 July 2026: already 00:30 on the 16th in Europe/London (BST)."""

    @classmethod
    def now(cls, tz=None):
        instant = datetime(2026, 7, 15, 23, 30, tzinfo=timezone.utc)
        return instant.astimezone(tz) if tz else instant.replace(tzinfo=None)


@pytest.fixture
def just_after_midnight_in_london(monkeypatch):
    monkeypatch.setattr(clock, "datetime", _HalfPastElevenUtcInSummer)
    assert clock.today() == date(2026, 7, 16)


def test_a_new_cycle_and_initiative_default_to_the_trusts_today(make, session,
                                                               just_after_midnight_in_london):
    initiative = make.initiative()
    cycle = PdsaCycle(initiative_id=initiative.id, title="Try it")
    session.add(cycle)
    session.commit()
    assert cycle.stage_since == date(2026, 7, 16)
    assert initiative.phase_since == date(2026, 7, 16)
