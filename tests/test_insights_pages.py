"""The insight pages: a school's list with its filters, the form (record, edit, a stale edit,
errors beside the fields), delete after a confirm step, the initiative page's section and the
dashboard's column; each list costs the same number of queries for more data."""
from datetime import timedelta

import pytest

from tracker import clock, insights
from tracker.models import Insight

TODAY = clock.today()


@pytest.fixture
def trust(make, session):
    school, other = make.school(name="Ash Primary"), make.school(name="Birch Academy")
    people = {"admin": make.user("admin"), "school_lead": make.user("school_lead", schools=[school]),
              "project_lead": make.user("project_lead", schools=[school]),
              "viewer": make.user("viewer", schools=[school])}
    own = make.initiative(schools=[school], title="Reading for pleasure")
    shared = make.initiative(schools=[school, other], title="Trust maths network")
    return {"school": school, "other": other, "people": people, "own": own, "shared": shared}


def add(session, trust, n=1, school=None, **kw):
    made = []
    for k in range(n):
        values = {"source": "survey", "on": TODAY - timedelta(days=40 + k), "judgement": "concern",
                  "title": f"Finding {k}", "pillars": ["data", "vision"]}
        values.update(kw)
        made.append(insights.create_insight(session, trust["people"]["admin"],
                                            (school or trust["school"]).id, **values))
    session.commit()
    return made


def text(response):
    return response.get_data(as_text=True)


def form(**kw):
    data = {"source": "qa_visit", "on": TODAY.isoformat(), "judgement": "concern",
            "title": "Phonics pace", "summary": "Seen in Y1.", "pillars": ["quality_assurance"]}
    data.update(kw)
    return data


def test_a_school_lead_records_an_insight_naming_the_initiatives_acting_on_it(trust, login_as, session):
    client = login_as(trust["people"]["school_lead"])
    page = text(client.get(f"/schools/{trust['school'].id}/insights/new"))
    assert "Trust maths network (across 2 schools)" in page and "Reading for pleasure" in page
    response = client.post(f"/schools/{trust['school'].id}/insights/new",
                           data=form(initiative_ids=[str(trust["shared"].id)]))
    assert response.status_code == 302
    stored = session.query(Insight).one()
    assert (stored.title, stored.initiative_ids, stored.pillars) == (
        "Phonics pace", [trust["shared"].id], ["quality_assurance"])
    listed = text(client.get(response.headers["Location"]))
    assert "Recorded the insight “Phonics pace”." in listed and "Trust maths network" in listed


def test_problems_are_told_beside_their_fields_and_nothing_is_saved(trust, login_as, session):
    client = login_as(trust["people"]["school_lead"])
    response = client.post(f"/schools/{trust['school'].id}/insights/new", data=form(
        title="", on=(TODAY + timedelta(days=3)).isoformat(), judgement="", initiative_ids=["999"]))
    assert response.status_code == 422
    page = text(response)
    assert 'id="title-error"' in page and "Give the insight a title." in page
    assert 'id="judgement-error"' in page and "Choose a judgement." in page
    assert session.query(Insight).count() == 0
    future = client.post(f"/schools/{trust['school'].id}/insights/new",
                         data=form(on=(TODAY + timedelta(days=3)).isoformat()))
    assert future.status_code == 422 and 'id="on-error"' in text(future)
    assert "an insight records a finding already made" in text(future)


def test_an_edit_keeps_the_version_and_a_stale_one_is_told_not_saved(trust, login_as, session):
    insight, = add(session, trust)
    client = login_as(trust["people"]["school_lead"])
    page = text(client.get(f"/insights/{insight.id}/edit"))
    assert 'name="version" type="hidden" value="1"' in page
    response = client.post(f"/insights/{insight.id}/edit", data=form(
        version="1", title="Renamed", initiative_ids=[str(trust["own"].id)]))
    assert response.status_code == 302
    session.refresh(insight)
    assert (insight.title, insight.initiative_ids, insight.version) == (
        "Renamed", [trust["own"].id], 2)
    stale = client.post(f"/insights/{insight.id}/edit", data=form(version="1", title="Lost"))
    assert stale.status_code == 409 and "Someone else changed this" in text(stale)
    assert 'name="version" type="hidden" value="2"' in text(stale)  # the next save can succeed
    session.refresh(insight)
    assert insight.title == "Renamed"


def test_delete_asks_first_then_deletes(trust, login_as, session):
    insight, = add(session, trust)
    client = login_as(trust["people"]["school_lead"])
    assert "Delete the insight “Finding 0”?" in text(client.get(f"/insights/{insight.id}/delete"))
    assert session.get(Insight, insight.id) is not None
    assert client.post(f"/insights/{insight.id}/delete").status_code == 302
    session.expire_all()
    assert session.get(Insight, insight.id) is None


def test_readers_see_the_list_without_the_writing_links(trust, login_as, session):
    add(session, trust)
    page = text(login_as(trust["people"]["viewer"]).get(f"/schools/{trust['school'].id}/insights"))
    assert "Finding 0" in page and "Record an insight" not in page and "/edit" not in page
    lead_page = text(login_as(trust["people"]["project_lead"]).get(
        f"/schools/{trust['school'].id}/insights"))
    assert "Finding 0" in lead_page and "Record an insight" not in lead_page


def test_the_list_filters_by_judgement_and_to_the_unanswered_concerns(trust, login_as, session):
    add(session, trust, title="Old concern")
    add(session, trust, title="Answered concern", initiative_ids=[trust["own"].id])
    add(session, trust, title="A strength", judgement="strength")
    client = login_as(trust["people"]["admin"])
    base = f"/schools/{trust['school'].id}/insights"
    unanswered = text(client.get(base + "?unanswered=1"))
    assert "Old concern" in unanswered and "Answered concern" not in unanswered
    assert "A strength" not in unanswered and "Unanswered: no initiative by" in unanswered
    strengths = text(client.get(base + "?judgement=strength"))
    assert "A strength" in strengths and "Old concern" not in strengths
    assert client.get(base + "?judgement=nonsense&page=x").status_code == 200


def test_the_dashboard_counts_unanswered_concerns_and_links_to_them(trust, login_as, session):
    add(session, trust, n=2)
    add(session, trust, initiative_ids=[trust["own"].id])
    page = text(login_as(trust["people"]["admin"]).get("/dashboard"))
    link = f'/schools/{trust["school"].id}/insights?unanswered=1'
    assert f'href="{link}" aria-label="2 unanswered concerns at Ash Primary"' in page
    assert "Unanswered concerns" in page


def test_the_initiative_page_shows_the_insights_it_answers_that_the_reader_sees(
        trust, login_as, session):
    add(session, trust, title="Here", initiative_ids=[trust["shared"].id])
    add(session, trust, title="There", school=trust["other"], initiative_ids=[trust["shared"].id])
    admin = text(login_as(trust["people"]["admin"]).get(f"/initiatives/{trust['shared'].id}"))
    assert "Insights this initiative answers" in admin and "Here" in admin and "There" in admin
    viewer = text(login_as(trust["people"]["viewer"]).get(f"/initiatives/{trust['shared'].id}"))
    assert "Here" in viewer and "There" not in viewer
    empty = text(login_as(trust["people"]["admin"]).get(f"/initiatives/{trust['own'].id}"))
    assert "No insight names this initiative yet." in empty


def _queries(client, path, count_queries, session):
    session.expire_all()  # each request reads the records afresh, as in production
    with count_queries() as q:
        assert client.get(path).status_code == 200
    return q.count


def test_the_list_and_the_initiative_page_cost_the_same_queries_for_more_insights(
        trust, login_as, session, make, count_queries):
    client = login_as(trust["people"]["school_lead"])
    add(session, trust, initiative_ids=[trust["shared"].id])
    lists = f"/schools/{trust['school'].id}/insights"
    page = f"/initiatives/{trust['shared'].id}"
    client.get(page)  # the first visit stores the trust's default policy
    few = (_queries(client, lists, count_queries, session), _queries(client, page, count_queries, session))
    more = [make.initiative(schools=[trust["school"]]) for _ in range(3)]
    add(session, trust, n=12, initiative_ids=[trust["shared"].id] + [i.id for i in more])
    add(session, trust, n=4, school=trust["other"], initiative_ids=[trust["shared"].id])
    many = (_queries(client, lists, count_queries, session), _queries(client, page, count_queries, session))
    assert many == few
    assert few[0] <= 9, few  # the list: the school, a count, a page, its details, the authors
