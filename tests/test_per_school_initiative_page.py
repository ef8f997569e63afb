"""The initiative page of a shared initiative: each school's status, the "For" choice of the
update and milestone forms, and whom each update and milestone is for."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tracker import clock, initiatives, updates
from tracker.models import Milestone, MeasurePoint, Update, initiative_schools


@pytest.fixture
def shared(make):
    north, south = make.school(name="North Primary"), make.school(name="South Academy")
    admin = make.user("admin", name="Ada Admin")
    initiative = make.initiative(schools=[north, south], owner=admin, phase="deliver",
                                 title="Reading across the trust")
    return initiative, north, south, admin


def page(client, initiative):
    response = client.get(f"/initiatives/{initiative.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def status_row(html, school):
    start = html.index(f'id="school-status-{school.id}"')
    return html[start:html.index("</tr>", start)]


def test_the_page_shows_each_schools_status_with_its_own_rag_in_words(
        make, login_as, session, shared):
    initiative, north, south, admin = shared
    measure = make.measure(initiative, name="Reading age gap", unit="months")
    make._save(MeasurePoint(measure_id=measure.id, school_id=south.id,
                            on=clock.today() - timedelta(days=3), value=7.5))
    updates.log_update(session, admin, initiative, rag="green", narrative="All on track.")
    updates.log_update(session, admin, initiative, rag="red", narrative="South behind.",
                       school_id=south.id)
    make.milestone(initiative, due_on=clock.today() - timedelta(days=1), school_id=south.id)
    session.commit()
    html = page(login_as(admin), initiative)
    assert "Each school" in html
    south_row, north_row = status_row(html, south), status_row(html, north)
    assert "Red" in south_row and "7.5 months" in south_row
    assert 'data-label="Overdue milestones">1<' in south_row
    assert "Green" in north_row and "No value yet" in north_row
    assert 'data-label="Overdue milestones">0<' in north_row
    assert "For South Academy" in html and "For all schools" in html


def test_an_update_logged_on_the_page_for_one_school_sets_only_its_rag(
        login_as, session, shared):
    initiative, north, south, admin = shared
    client = login_as(admin)
    html = page(client, initiative)
    assert 'id="update-school_id"' in html and "All schools" in html
    response = client.post(f"/initiatives/{initiative.id}/updates", data={
        "rag": "amber", "narrative": "North slipping.", "school_id": str(north.id)})
    assert response.status_code == 302
    link = initiative_schools.c
    rags = dict(session.execute(sa.select(link.school_id, link.rag)
                                .where(link.initiative_id == initiative.id)).all())
    assert rags == {north.id: "amber", south.id: None}


def test_a_school_the_writer_cannot_see_is_refused_beside_the_field(
        make, login_as, shared):
    initiative, north, south, _ = shared
    lead = make.user("school_lead", schools=[north])
    client = login_as(lead)
    html = page(client, initiative)
    choices = html[html.index('id="update-school_id"'):]
    choices = choices[:choices.index("</select>")]
    assert "North Primary" in choices and "South Academy" not in choices  # theirs only
    response = client.post(f"/initiatives/{initiative.id}/updates", data={
        "rag": "red", "narrative": "South?", "school_id": str(south.id)})
    assert response.status_code == 200
    assert 'id="update-school_id-error"' in response.get_data(as_text=True)


def test_a_milestone_added_on_the_page_for_one_school_is_shown_as_for_it(
        login_as, session, shared):
    initiative, north, south, admin = shared
    client = login_as(admin)
    response = client.post(f"/initiatives/{initiative.id}/milestones", data={
        "title": "South's baseline", "due_on": str(clock.today()), "school_id": str(south.id)})
    assert response.status_code == 302
    milestone = session.execute(sa.select(Milestone)).scalar_one()
    assert milestone.school_id == south.id
    edit = client.get(f"/milestones/{milestone.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{south.id}"' in edit or \
        f'<option value="{south.id}" selected' in edit
    assert client.post(f"/milestones/{milestone.id}/edit", data={
        "title": "South's baseline", "due_on": str(clock.today()), "owner_id": "0",
        "school_id": "0", "version": str(milestone.version)}).status_code == 302
    session.expire_all()
    assert milestone.school_id is None


def test_a_one_school_initiative_offers_no_choice_of_school(make, login_as):
    school = make.school()
    admin = make.user("admin")
    initiative = make.initiative(schools=[school], owner=admin)
    html = page(login_as(admin), initiative)
    assert 'id="update-school_id"' not in html and 'id="schools-status"' not in html


def test_an_update_for_a_school_taken_out_is_kept_and_says_so(make, login_as, session, shared):
    initiative, north, south, admin = shared
    updates.log_update(session, admin, initiative, rag="red", narrative="South behind.",
                       school_id=south.id)
    session.commit()
    third = make.school(name="West Juniors")
    client = login_as(admin)
    initiative_id = initiative.id
    initiatives.update_initiative(session, admin, initiative, initiative.version,
                                  school_ids=[north.id, third.id])
    session.commit()
    html = client.get(f"/initiatives/{initiative_id}").get_data(as_text=True)
    assert "For South Academy (no longer part of it)" in html
    assert f'id="school-status-{south.id}"' not in html


def test_the_page_asks_as_many_queries_for_more_schools(make, login_as, session, count_queries):
    admin = make.user("admin")
    client = login_as(admin)
    counts = []
    for n in (2, 9):
        group = [make.school() for _ in range(n)]
        initiative = make.initiative(schools=group, owner=admin)
        measure = make.measure(initiative)
        for school in group:
            make._save(Update(initiative_id=initiative.id, school_id=school.id, rag="green",
                              narrative="x", author_id=admin.id))
            make.milestone(initiative, school_id=school.id,
                           due_on=clock.today() - timedelta(days=1))
            make._save(MeasurePoint(measure_id=measure.id, school_id=school.id,
                                    on=clock.today(), value=3))
        client.get(f"/initiatives/{initiative.id}")  # once first: what a session caches
        with count_queries() as queries:
            assert client.get(f"/initiatives/{initiative.id}").status_code == 200
        counts.append(queries.count)
    assert counts[0] == counts[1], counts


def test_the_dashboards_rag_link_lists_what_its_number_counts(make, login_as, session, shared):
    initiative, north, south, admin = shared
    updates.log_update(session, admin, initiative, rag="green", narrative="All.")
    updates.log_update(session, admin, initiative, rag="red", narrative="South.",
                       school_id=south.id)
    session.commit()
    client = login_as(admin)

    def listed(school):
        html = client.get(f"/initiatives?school_id={school.id}&status=active&rag=red")
        return initiative.title in html.get_data(as_text=True)
    assert listed(south) and not listed(north)
