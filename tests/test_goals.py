"""Goals and driver diagrams: the rules of tracker/goals.py, then the API as API.md fixes it."""
from datetime import date

import pytest
from sqlalchemy import func, select

from tracker import clock, goals, permissions
from tracker.audit import acting_as
from tracker.audit_sentences import describe, names_for
from tracker.errors import Forbidden, Invalid, NotFound, StaleVersion
from tracker.models import AuditEntry, Driver, Goal, Initiative, Measure, initiative_drivers

URL = "/api/v1/goals"


@pytest.fixture
def trust(make, api_as):
    """Two schools; a person in each role for Ash, a board member seeing all, and an Ash lead's
    initiative, a Birch initiative, and a trust-wide one."""
    ash, birch = make.school(name="Ash Primary"), make.school(name="Birch Academy")
    people = {"admin": make.user("admin"), "central_team": make.user("central_team"),
              "school_lead": make.user("school_lead", schools=[ash]),
              "project_lead": make.user("project_lead", schools=[ash]),
              "viewer": make.user("viewer", schools=[ash]), "board": make.user("viewer")}
    ash_work = make.initiative(schools=[ash], owner=people["project_lead"], title="Phonics")
    birch_work = make.initiative(schools=[birch], title="Birch fluency")
    shared = make.initiative(schools=[ash, birch], owner=people["school_lead"],
                             title="Reading across the trust", rag="amber")
    return {"ash": ash, "birch": birch, "people": people, "ash_work": ash_work,
            "birch_work": birch_work, "shared": shared,
            "api": {role: api_as(person) for role, person in people.items()}}


def trust_goal(session, trust, **kw):
    values = {"title": "Every pupil reads fluently by age 9",
              "aim": "90% of Year 4 at the expected reading standard by July 2028."}
    values.update(kw)
    goal = goals.create_goal(session, trust["people"]["admin"], **values)
    session.commit()
    return goal


def driver(session, trust, goal, title, parent=None):
    found = goals.add_driver(session, trust["people"]["admin"], goal, title=title,
                             parent_id=parent.id if parent else None)
    session.commit()
    return found


# --- rules --------------------------------------------------------------------------------

def test_a_secondary_driver_goes_under_a_primary_driver_of_the_same_goal_only(session, trust):
    goal, other = trust_goal(session, trust), trust_goal(session, trust, title="Attendance")
    primary = driver(session, trust, goal, "Teaching of phonics")
    secondary = driver(session, trust, goal, "Daily practice", primary)
    elsewhere = driver(session, trust, other, "Families")
    admin = trust["people"]["admin"]
    for parent_id in (secondary.id, elsewhere.id, 999_999):
        with pytest.raises(Invalid) as refused:
            goals.add_driver(session, admin, goal, title="Too deep", parent_id=parent_id)
        assert list(refused.value.fields) == ["parent_id"]
        session.rollback()
    assert secondary.parent_id == primary.id


def test_deleting_a_primary_driver_takes_its_secondary_ones_and_keeps_the_initiatives(session, trust):
    goal = trust_goal(session, trust)
    primary = driver(session, trust, goal, "Teaching of phonics")
    secondary = driver(session, trust, goal, "Daily practice", primary)
    admin = trust["people"]["admin"]
    goals.set_drivers(session, admin, trust["ash_work"], [primary.id, secondary.id])
    session.commit()
    goals.delete_driver(session, admin, primary)
    session.commit()
    assert session.execute(select(func.count()).select_from(Driver)).scalar_one() == 0
    assert session.execute(select(func.count()).select_from(initiative_drivers)).scalar_one() == 0
    assert session.get(Initiative, trust["ash_work"].id) is not None


def test_a_school_goal_takes_only_that_schools_initiatives(session, trust):
    admin = trust["people"]["admin"]
    ash_goal = goals.create_goal(session, admin, title="Ash reads", school_id=trust["ash"].id)
    ash_driver = goals.add_driver(session, admin, ash_goal, title="Library")
    trust_driver = goals.add_driver(session, admin, trust_goal(session, trust), title="Phonics")
    session.commit()
    goals.set_drivers(session, admin, trust["shared"], [ash_driver.id, trust_driver.id])
    goals.set_drivers(session, admin, trust["birch_work"], [trust_driver.id])
    with pytest.raises(Invalid) as refused:
        goals.set_drivers(session, admin, trust["birch_work"], [ash_driver.id])
    assert "another school's goal" in refused.value.fields["driver_ids"][0]


def test_linking_needs_write_permission_on_the_initiative(session, trust):
    primary = driver(session, trust, trust_goal(session, trust), "Phonics")
    with pytest.raises(Forbidden):
        goals.set_drivers(session, trust["people"]["viewer"], trust["ash_work"], [primary.id])
    goals.set_drivers(session, trust["people"]["project_lead"], trust["ash_work"], [primary.id])
    session.commit()
    assert trust["ash_work"].driver_ids == [primary.id]


def test_links_to_drivers_the_editor_cannot_see_are_kept(session, trust):
    admin = trust["people"]["admin"]
    birch_goal = goals.create_goal(session, admin, title="Birch", school_id=trust["birch"].id)
    hidden = goals.add_driver(session, admin, birch_goal, title="Birch library")
    shown = goals.add_driver(session, admin, trust_goal(session, trust), title="Phonics")
    goals.set_drivers(session, admin, trust["shared"], [hidden.id, shown.id])
    session.commit()
    lead = trust["people"]["school_lead"]
    with pytest.raises(Invalid):  # a driver they cannot see reads as unknown
        goals.set_drivers(session, lead, trust["shared"], [hidden.id])
    session.rollback()
    goals.set_drivers(session, lead, trust["shared"], [])
    session.commit()
    assert trust["shared"].driver_ids == [hidden.id]


def test_who_writes_goals(trust):
    people, ash, birch = trust["people"], trust["ash"].id, trust["birch"].id
    table = {"admin": (True, True, True), "central_team": (True, False, False),
             "school_lead": (False, True, False), "project_lead": (False, False, False),
             "viewer": (False, False, False), "board": (False, False, False)}
    for role, expected in table.items():
        got = tuple(permissions.may_write_goal(people[role], s) for s in (None, ash, birch))
        assert got == expected, role


def test_the_measure_is_a_trust_kpi_or_one_the_author_sees_and_the_date_is_plausible(session, make, trust):
    kpi = make._save(Measure(name="Reading age", unit="months", higher_is_better=True, kind="outcome"))
    birch_measure = make.measure(trust["birch_work"])
    lead = trust["people"]["school_lead"]
    goal = goals.create_goal(session, lead, title="Ash reads", school_id=trust["ash"].id,
                             measure_id=kpi.id, target_on=date(2028, 7, 1))
    assert goal.measure_id == kpi.id
    for bad in ({"measure_id": birch_measure.id}, {"target_on": date(1900, 1, 1)}):
        with pytest.raises(Invalid) as refused:
            goals.create_goal(session, lead, title="X", school_id=trust["ash"].id, **bad)
        assert list(refused.value.fields) == list(bad)


def test_a_stale_version_is_refused(session, trust):
    goal = trust_goal(session, trust)
    with pytest.raises(StaleVersion):
        goals.update_goal(session, trust["people"]["admin"], goal, goal.version - 1, title="New")


def test_the_diagram_shows_only_what_the_reader_sees(session, trust):
    goal = trust_goal(session, trust)
    primary = driver(session, trust, goal, "Phonics")
    secondary = driver(session, trust, goal, "Daily practice", primary)
    empty = driver(session, trust, goal, "Families")
    admin = trust["people"]["admin"]
    goals.set_drivers(session, admin, trust["ash_work"], [secondary.id])
    goals.set_drivers(session, admin, trust["birch_work"], [secondary.id])
    goals.set_drivers(session, admin, trust["shared"], [primary.id])
    session.commit()
    seen = goals.diagram(session, trust["people"]["viewer"], goal)
    assert [d["title"] for d in seen["drivers"]] == ["Phonics", "Families"]
    assert [i["title"] for i in seen["drivers"][0]["children"][0]["initiatives"]] == ["Phonics"]
    assert seen["drivers"][0]["initiatives"] == [{"id": trust["shared"].id, "phase": "explore",
                                                  "rag": "amber", "status": "active",
                                                  "title": "Reading across the trust"}]
    assert seen["drivers"][1]["initiatives"] == [] and empty.id == seen["drivers"][1]["id"]
    whole = goals.diagram(session, trust["people"]["board"], goal)
    assert len(whole["drivers"][0]["children"][0]["initiatives"]) == 2


def test_not_aligned_lists_visible_active_initiatives_serving_no_driver(session, trust):
    primary = driver(session, trust, trust_goal(session, trust), "Phonics")
    goals.set_drivers(session, trust["people"]["admin"], trust["ash_work"], [primary.id])
    trust["shared"].status = "completed"
    session.commit()
    ash_view = session.execute(goals.not_aligned(session, trust["people"]["viewer"])).scalars().all()
    assert ash_view == []
    board = session.execute(goals.not_aligned(session, trust["people"]["board"])).scalars().all()
    assert [i.title for i in board] == ["Birch fluency"]


def test_a_schools_goals_are_hidden_from_other_schools(session, trust):
    goal = goals.create_goal(session, trust["people"]["admin"], title="Birch",
                             school_id=trust["birch"].id)
    session.commit()
    with pytest.raises(NotFound):
        goals.get_goal(session, trust["people"]["viewer"], goal.id)
    assert goals.get_goal(session, trust["people"]["board"], goal.id) is goal


def test_the_audit_log_reads_goals_drivers_and_links_in_words(session, trust):
    admin = trust["people"]["admin"]
    acting_as(session, admin)

    def sentences():
        entries = session.execute(select(AuditEntry).where(AuditEntry.record_type.in_(
            ("goals", "drivers", "initiatives"))).order_by(AuditEntry.id)).scalars().all()
        names = names_for(session, entries)
        return [str(describe(e, names)) for e in entries]

    goal = trust_goal(session, trust, title="Reading by nine")
    primary = driver(session, trust, goal, "Phonics")
    goals.set_drivers(session, admin, trust["ash_work"], [primary.id])
    session.commit()
    who = admin.name
    said = sentences()
    assert f"{who} created the goal “Reading by nine”" in said
    assert f"{who} added the driver “Phonics” to the goal “Reading by nine”" in said
    assert f"{who} changed the drivers of the initiative Phonics from “nothing” to “Phonics”" in said
    goals.delete_driver(session, admin, primary)
    session.commit()
    assert f"{who} deleted the driver “Phonics” from the goal “Reading by nine”" in sentences()


# --- the API --------------------------------------------------------------------------------

#: role → status for creating (the trust's goal, Ash's, Birch's).
WRITES = {"admin": (201, 201, 201), "central_team": (201, 403, 403),
          "school_lead": (403, 201, 422), "project_lead": (403, 403, 422),
          "viewer": (403, 403, 422), "board": (403, 403, 403)}


@pytest.mark.parametrize("role", list(WRITES))
def test_who_may_create_the_trusts_and_a_schools_goals(trust, session, role):
    for school_id, status in zip((None, trust["ash"].id, trust["birch"].id), WRITES[role]):
        response = trust["api"][role].post(URL, json={"title": "A goal", "school_id": school_id})
        assert response.status_code == status, (school_id, response.get_json())
    session.rollback()
    assert session.execute(select(func.count()).select_from(Goal)).scalar_one() == \
        sum(s == 201 for s in WRITES[role])


def test_a_goal_round_trip_through_the_api(trust):
    api = trust["api"]["central_team"]
    sent = {"title": "Every pupil reads fluently by age 9", "aim": "90% by 2028",
            "target_on": "2028-07-01"}
    goal = api.post(URL, json=sent).get_json()
    assert {k: goal[k] for k in sent} == sent
    assert goal["school_id"] is None and goal["measure_id"] is None and goal["version"] == 1
    listed = trust["api"]["viewer"].get(URL).get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == goal["id"]
    stale = api.patch(f"{URL}/{goal['id']}", json={"title": "B", "version": 0})
    assert stale.status_code == 409
    patched = api.patch(f"{URL}/{goal['id']}", json={"title": "B", "version": goal["version"]})
    assert patched.status_code == 200 and patched.get_json()["title"] == "B"
    assert trust["api"]["school_lead"].patch(
        f"{URL}/{goal['id']}", json={"title": "C", "version": 2}).status_code == 403
    assert trust["api"]["viewer"].delete(f"{URL}/{goal['id']}").status_code == 403
    primary = api.post(f"{URL}/{goal['id']}/drivers", json={"title": "Phonics"}).get_json()
    api.post(f"{URL}/{goal['id']}/drivers", json={"title": "Practice", "parent_id": primary["id"]})
    assert api.delete(f"{URL}/{goal['id']}").status_code == 204
    assert api.get(f"{URL}/{goal['id']}").status_code == 404


def test_drivers_through_the_api_two_levels_only(trust):
    api = trust["api"]["admin"]
    goal = api.post(URL, json={"title": "Reading"}).get_json()
    drivers = f"{URL}/{goal['id']}/drivers"
    primary = api.post(drivers, json={"title": "Phonics"}).get_json()
    secondary = api.post(drivers, json={"title": "Practice", "parent_id": primary["id"]})
    assert secondary.status_code == 201 and secondary.get_json()["parent_id"] == primary["id"]
    too_deep = api.post(drivers, json={"title": "X", "parent_id": secondary.get_json()["id"]})
    assert too_deep.status_code == 422 and "parent_id" in too_deep.get_json()["error"]["fields"]
    assert api.get(drivers).get_json()["total"] == 2
    one = f"{drivers}/{primary['id']}"
    assert api.patch(one, json={"title": "Early reading", "version": 0}).status_code == 409
    renamed = api.patch(one, json={"title": "Early reading", "version": primary["version"]})
    assert renamed.status_code == 200 and renamed.get_json()["title"] == "Early reading"
    assert trust["api"]["school_lead"].post(drivers, json={"title": "No"}).status_code == 403
    assert api.delete(one).status_code == 204
    assert api.get(drivers).get_json()["total"] == 0
    assert api.get(f"{URL}/999999/drivers/{primary['id']}").status_code == 404


def test_initiatives_carry_driver_ids_and_the_diagram_scopes_them(trust):
    admin = trust["api"]["admin"]
    goal = admin.post(URL, json={"title": "Reading"}).get_json()
    primary = admin.post(f"{URL}/{goal['id']}/drivers", json={"title": "Phonics"}).get_json()
    lead = trust["api"]["school_lead"]
    created = lead.post("/api/v1/initiatives", json={
        "title": "Reading buddies", "school_ids": [trust["ash"].id], "driver_ids": [primary["id"]]})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["driver_ids"] == [primary["id"]]
    birch = trust["birch_work"]
    patched = admin.patch(f"/api/v1/initiatives/{birch.id}",
                          json={"driver_ids": [primary["id"]], "version": birch.version})
    assert patched.status_code == 200 and patched.get_json()["driver_ids"] == [primary["id"]]
    unknown = admin.patch(f"/api/v1/initiatives/{birch.id}",
                          json={"driver_ids": [999_999], "version": patched.get_json()["version"]})
    assert unknown.status_code == 422 and "driver_ids" in unknown.get_json()["error"]["fields"]
    listed = admin.get("/api/v1/initiatives").get_json()["items"]
    assert {i["id"]: i["driver_ids"] for i in listed}[birch.id] == [primary["id"]]
    seen = trust["api"]["viewer"].get(f"{URL}/{goal['id']}/diagram").get_json()
    assert seen["goal"]["id"] == goal["id"]
    assert [i["title"] for i in seen["drivers"][0]["initiatives"]] == ["Reading buddies"]
    assert set(seen["drivers"][0]) >= {"id", "title", "children", "initiatives"}
    whole = trust["api"]["board"].get(f"{URL}/{goal['id']}/diagram").get_json()
    assert [i["title"] for i in whole["drivers"][0]["initiatives"]] == ["Birch fluency",
                                                                        "Reading buddies"]


def test_a_schools_goal_is_not_found_by_other_schools_readers(trust):
    goal = trust["api"]["admin"].post(URL, json={"title": "Birch", "school_id": trust["birch"].id})
    goal_id = goal.get_json()["id"]
    for role in ("school_lead", "project_lead", "viewer"):
        assert trust["api"][role].get(f"{URL}/{goal_id}").status_code == 404
        assert trust["api"][role].get(f"{URL}/{goal_id}/diagram").status_code == 404
        assert trust["api"][role].get(f"{URL}?school_id={trust['birch'].id}").status_code == 404
    assert trust["api"]["board"].get(f"{URL}?school_id={trust['birch'].id}").get_json()["total"] == 1


def test_the_diagram_answers_in_a_fixed_number_of_queries(session, make, trust, count_queries):
    def build(n):
        goal = trust_goal(session, trust, title=f"Goal {n}")
        admin = trust["people"]["admin"]
        for p in range(n):
            primary = goals.add_driver(session, admin, goal, title=f"P{p}")
            for s in range(n):
                secondary = goals.add_driver(session, admin, goal, title=f"S{p}{s}",
                                             parent_id=primary.id)
                work = make.initiative(schools=[trust["ash"]])
                goals.set_drivers(session, admin, work, [secondary.id, primary.id])
        session.commit()
        return goal

    counts = []
    for n in (1, 4):
        goal = build(n)
        session.expire_all()
        with count_queries() as q:
            goals.diagram(session, trust["people"]["viewer"], session.get(Goal, goal.id))
        counts.append(q.count)
    # The goal, the reader and their schools (expired above), the drivers, the initiatives.
    assert counts == [5, 5]


def test_target_dates_are_plausible_in_the_api(trust):
    first, _ = clock.date_range()
    response = trust["api"]["admin"].post(URL, json={"title": "Old", "target_on": "1901-01-01"})
    assert response.status_code == 422 and "target_on" in response.get_json()["error"]["fields"]


def test_the_initiative_list_gives_driver_ids_in_a_fixed_number_of_queries(
        session, make, trust, count_queries):
    primary = driver(session, trust, trust_goal(session, trust), "Phonics")
    api, counts = trust["api"]["board"], []
    for _ in range(2):
        with count_queries() as q:
            items = api.get("/api/v1/initiatives").get_json()["items"]
        counts.append(q.count)
        assert all(i["driver_ids"] == [primary.id] for i in items if i["title"].startswith("More"))
        for _ in range(3):
            goals.set_drivers(session, trust["people"]["admin"],
                              make.initiative(schools=[trust["ash"]], title="More"), [primary.id])
        session.commit()
    assert counts[0] == counts[1], counts
