"""The goal pages through the test client: the list with the initiatives aligned to none, the
goal form, the driver diagram (only what the reader sees, gaps in words) and its driver forms,
and the drivers an initiative serves on its form."""
import re

import pytest
from sqlalchemy import select

from tracker import goals
from tracker.models import Driver, Goal


def _text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def trust(make, session):
    ash, birch = make.school(name="Ash Primary"), make.school(name="Birch Academy")
    people = {"admin": make.user("admin"), "central": make.user("central_team"),
              "head": make.user("school_lead", schools=[ash]),
              "viewer": make.user("viewer", schools=[ash]), "board": make.user("viewer")}
    ash_work = make.initiative(schools=[ash], title="Phonics catch-up", phase="deliver", rag="red")
    birch_work = make.initiative(schools=[birch], title="Birch fluency")
    idle = make.initiative(schools=[ash], title="Oracy across the curriculum")
    goal = goals.create_goal(session, people["admin"], title="Every pupil reads fluently by age 9",
                             aim="90% of Year 4 at the standard by 2028.")
    phonics = goals.add_driver(session, people["admin"], goal, title="Phonics taught well")
    daily = goals.add_driver(session, people["admin"], goal, title="Daily practice",
                             parent_id=phonics.id)
    books = goals.add_driver(session, people["admin"], goal, title="Decodable books",
                             parent_id=phonics.id)
    goals.set_drivers(session, people["admin"], ash_work, [daily.id])
    goals.set_drivers(session, people["admin"], birch_work, [daily.id])
    session.commit()
    return {"ash": ash, "birch": birch, "goal": goal, "phonics": phonics, "daily": daily,
            "books": books, "ash_work": ash_work, "birch_work": birch_work, "idle": idle, **people}


def test_the_diagram_shows_the_readers_initiatives_with_phase_rag_and_status_in_words(trust, login_as):
    html = _text(login_as(trust["viewer"]).get(f"/goals/{trust['goal'].id}"))
    diagram = re.search(r'<div class="dd".*?<section', html, re.S).group(0)
    assert "Phonics taught well" in diagram and "Daily practice" in diagram
    assert "Phonics catch-up" in diagram and "Birch fluency" not in diagram
    box = re.search(r'Phonics catch-up</span>\s*<span class="dd-facts">(.*?)</span>\s*</a>',
                    diagram, re.S).group(1)
    assert "Deliver" in box and "Red" in box and "Active" in box
    gap = re.search(r'<a class="dd-box dd-driver dd-gap"[^>]*>.*?</a>', diagram, re.S).group(0)
    assert "Decodable books" in gap and "No initiative yet in your schools" in gap
    assert "Add a driver" not in html  # a viewer reads only


def test_the_list_names_active_initiatives_aligned_to_no_goal(trust, login_as):
    html = _text(login_as(trust["viewer"]).get("/goals"))
    assert "Every pupil reads fluently by age 9" in html
    aligned = html[html.index("Not aligned to a trust goal"):]
    assert "Oracy across the curriculum" in aligned and "Phonics catch-up" not in aligned
    assert "Set a goal" not in html


def test_a_goal_is_set_edited_and_deleted_through_its_form(trust, session, login_as):
    client = login_as(trust["central"])
    response = client.post("/goals/new", data={"title": "Attendance above 96%", "aim": "By 2027.",
                                               "school_id": "0", "measure_id": "0"})
    assert response.status_code == 302
    goal = session.execute(select(Goal).where(Goal.title == "Attendance above 96%")).scalar_one()
    assert goal.school_id is None and goal.author_id == trust["central"].id
    blank = client.post(f"/goals/{goal.id}/edit", data={"title": "", "version": goal.version})
    assert blank.status_code == 422 and "Give the goal a title." in _text(blank)
    stale = client.post(f"/goals/{goal.id}/edit", data={"title": "New", "version": "0",
                                                        "measure_id": "0"})
    assert stale.status_code == 422 and "Someone else changed this" in _text(stale)
    assert client.post(f"/goals/{goal.id}/delete").status_code == 302
    session.rollback()
    assert session.get(Goal, goal.id) is None


def test_drivers_are_added_renamed_and_deleted_on_the_goal_page(trust, session, login_as):
    client, goal = login_as(trust["admin"]), trust["goal"]
    added = client.post(f"/goals/{goal.id}/drivers",
                        data={"title": "Comprehension", "parent_id": "0"})
    assert added.status_code == 302
    driver = session.execute(select(Driver).where(Driver.title == "Comprehension")).scalar_one()
    too_deep = client.post(f"/goals/{goal.id}/drivers",
                           data={"title": "Too deep", "parent_id": str(trust["daily"].id)})
    assert too_deep.status_code == 422 and "Choose one of the options listed." in _text(too_deep)
    renamed = client.post(f"/goals/{goal.id}/drivers/{driver.id}",
                          data={f"d{driver.id}-title": "Understanding texts",
                                f"d{driver.id}-version": str(driver.version)})
    assert renamed.status_code == 302
    session.refresh(driver)
    assert driver.title == "Understanding texts"
    empty = client.post(f"/goals/{goal.id}/drivers/{driver.id}",
                        data={f"d{driver.id}-title": "", f"d{driver.id}-version": str(driver.version)})
    assert empty.status_code == 422 and "Give the driver a title." in _text(empty)
    assert client.post(f"/goals/{goal.id}/drivers/{trust['phonics'].id}/delete").status_code == 302
    session.rollback()
    assert [d.title for d in session.execute(select(Driver)).scalars()] == ["Understanding texts"]


def test_only_writers_get_the_forms_and_others_are_refused(trust, login_as):
    goal = trust["goal"]
    head = login_as(trust["head"])
    assert head.get(f"/goals/{goal.id}/edit").status_code == 403
    assert head.post(f"/goals/{goal.id}/drivers", data={"title": "X", "parent_id": "0"}).status_code == 403
    assert head.get("/goals/new").status_code == 200  # their school's goals
    assert login_as(trust["viewer"]).get("/goals/new").status_code == 403


def test_the_initiative_form_offers_the_drivers_by_goal_and_saves_them(trust, session, login_as):
    client, work = login_as(trust["head"]), trust["idle"]
    form = _text(client.get(f"/initiatives/{work.id}/edit"))
    assert "Every pupil reads fluently by age 9" in form and "Decodable books" in form
    saved = client.post(f"/initiatives/{work.id}/edit", data={
        "title": work.title, "school_ids": [str(trust["ash"].id)], "owner_id": str(work.owner_id),
        "version": str(work.version), "driver_ids": [str(trust["books"].id)], "out_initiative_id": "0"})
    assert saved.status_code == 302, _text(saved)[-3000:]
    session.refresh(work)
    assert work.driver_ids == [trust["books"].id]
    page = _text(client.get(f"/initiatives/{work.id}"))
    assert re.search(r"Drivers it serves:</strong> <a [^>]*>Decodable books</a> \(Every pupil", page)


def test_the_diagram_page_answers_in_a_fixed_number_of_queries(trust, make, session, login_as,
                                                             count_queries):
    client, goal, admin = login_as(trust["board"]), trust["goal"], trust["admin"]

    def grow():
        primary = goals.add_driver(session, admin, goal, title="More")
        for n in range(3):
            secondary = goals.add_driver(session, admin, goal, title=f"More {n}", parent_id=primary.id)
            goals.set_drivers(session, admin, make.initiative(schools=[trust["ash"]]), [secondary.id])
        session.commit()

    counts = []
    for _ in range(2):
        session.expire_all()  # as a fresh request finds it
        with count_queries() as q:
            assert client.get(f"/goals/{goal.id}").status_code == 200
        counts.append(q.count)
        grow()
    # The reader with their schools, the goal, the drivers, the initiatives under the drivers.
    assert counts == [4, 4]
