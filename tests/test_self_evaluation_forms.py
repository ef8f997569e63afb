"""The self-evaluation pages through the test client: the latest round beside the previous,
each pillar over time, the form for a new round (prefilled; missing pillars named)."""
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tracker import clock, self_evaluation as se
from tracker.blueprints.pages.self_evaluation import CHART, step_chart
from tracker.models import SelfEvaluation
from tracker.models.initiative import PILLARS

TODAY = clock.today()


def _text(response):
    return response.get_data(as_text=True)


def ratings(rating=2, **overrides):
    return [{"pillar": p, "rating": overrides.get(p, rating), "evidence": f"Why {p} is {overrides.get(p, rating)}."}
            for p in PILLARS]


@pytest.fixture
def trust(make, session):
    school, other = make.school(name="Ash Primary"), make.school(name="Birch Academy")
    people = {"admin": make.user("admin", name="Ada Admin"), "central": make.user("central_team"),
              "head": make.user("school_lead", schools=[school], name="Hal Head"),
              "viewer": make.user("viewer", schools=[school])}
    return {"school": school, "other": other, **people}


def record(session, actor, days_ago, school_id=None, **kw):
    found = se.record_round(session, actor, on=TODAY - timedelta(days=days_ago),
                            school_id=school_id, ratings=ratings(**kw))
    session.commit()
    return found


def form_data(**chosen):
    """A posted round: ``vision=3`` rates Vision 3; pillars not named are left unrated."""
    data = {"on": TODAY.isoformat()}
    for pillar in PILLARS:
        if pillar in chosen:
            data[f"{pillar}_rating"] = str(chosen[pillar])
        data[f"{pillar}_evidence"] = f"Seen in {pillar}."
    return data


# --- the page ------------------------------------------------------------------------------

def test_the_trust_page_shows_the_latest_round_beside_the_previous_in_words(trust, session, login_as):
    record(session, trust["admin"], 200, vision=1, data=3)
    record(session, trust["central"], 10, vision=3, data=2)
    html = _text(login_as(trust["viewer"]).get("/self-evaluation"))
    table = re.search(r'<table class="responsive-table se-compare">.*?</table>', html, re.S).group(0)
    vision = re.search(r'href="#pillar-vision">Vision</a>.*?</tr>', table, re.S).group(0)
    assert "3 Established" in vision and "1 Not yet in place" in vision and "up 2" in vision
    data = re.search(r'href="#pillar-data">.*?</tr>', table, re.S).group(0)
    assert "2 Emerging" in data and "3 Established" in data and "down 1" in data
    assert "no change" in table
    assert "Why vision is 3." in html  # the evidence of the latest round
    assert "Rate the pillars" not in html  # a viewer reads; she does not rate


def test_each_pillar_has_a_chart_over_time_and_help_on_what_one_to_four_look_like(
        trust, session, login_as):
    for days, vision in ((300, 1), (150, 2), (5, 4)):
        record(session, trust["admin"], days, vision=vision)
    html = _text(login_as(trust["viewer"]).get("/self-evaluation"))
    charts = re.findall(r'<svg [^>]*role="img".*?</svg>', html, re.S)
    assert len(charts) == len(PILLARS)
    vision = next(c for c in charts if "se-chart-vision-t" in c)
    assert vision.count('class="se-point"') == 3
    assert "1 Not yet in place on" in vision and "4 Embedded on" in vision  # the chart in words
    for label in ("1 Not yet in place", "2 Emerging", "3 Established", "4 Embedded"):
        assert f">{label}</text>" in vision  # the y axis names each rating
    for guide in se.GUIDE.values():
        assert guide.about in html and all(level.replace("'", "&#39;") in html for level in guide.levels)


def test_a_page_with_no_round_yet_says_so_and_offers_the_first(trust, login_as):
    html = _text(login_as(trust["central"]).get("/self-evaluation"))
    assert "No round yet" in html and "Rate the pillars</a>" in html


def test_a_schools_page_is_for_those_who_see_the_school_and_the_selector_leads_there(
        trust, session, login_as):
    record(session, trust["head"], 3, school_id=trust["school"].id, vision=4)
    head = login_as(trust["head"])
    chosen = head.get(f"/self-evaluation?school_id={trust['school'].id}")
    assert chosen.status_code == 302
    assert chosen.headers["Location"] == f"/schools/{trust['school'].id}/self-evaluation"
    html = _text(head.get(chosen.headers["Location"]))
    assert "Self-evaluation: Ash Primary" in html and "4 Embedded" in html
    assert f'href="/schools/{trust["school"].id}/self-evaluation/new"' in html
    assert head.get(f"/schools/{trust['other'].id}/self-evaluation").status_code == 404
    assert head.get("/self-evaluation?school_id=abc").status_code == 404
    options = re.findall(r'<option value="(\d*)"', html)
    assert options == ["", str(trust["school"].id)]  # the trust, and the schools she sees


def test_the_page_reads_in_a_fixed_number_of_queries(trust, session, login_as, count_queries):
    client = login_as(trust["admin"])

    def page_queries():
        session.expire_all()
        with count_queries() as queries:
            assert client.get("/self-evaluation").status_code == 200
        return queries.count

    record(session, trust["admin"], 300)
    record(session, trust["admin"], 200)
    few = page_queries()
    for days in range(100, 0, -10):
        record(session, trust["admin"], days, vision=1 + days % 4)
    assert page_queries() == few


# --- the form ------------------------------------------------------------------------------

def test_the_form_starts_from_the_latest_rounds_ratings_and_evidence(trust, session, login_as):
    record(session, trust["admin"], 100, vision=1)
    record(session, trust["admin"], 20, vision=4, quality_assurance=3)
    html = _text(login_as(trust["central"]).get("/self-evaluation/new"))
    assert re.search(r'<input checked id="vision_rating-3" name="vision_rating" type="radio" value="4">', html)
    assert re.search(r'<input checked id="quality_assurance_rating-2"[^>]*value="3">', html)
    assert re.search(r'name="vision_evidence">\s*Why vision is 4.</textarea>', html)
    assert f'value="{TODAY.isoformat()}"' in html and f'max="{TODAY.isoformat()}"' in html
    labels = re.findall(r'<label class="se-option" for="vision_rating-\d">.*?<span>(.*?)</span>', html)
    assert labels == ["1 Not yet in place", "2 Emerging", "3 Established", "4 Embedded"]
    assert html.count("<fieldset") == len(PILLARS)


def test_left_out_pillars_are_named_beside_each_fieldset_and_at_the_top_and_nothing_is_saved(
        trust, session, login_as):
    client = login_as(trust["admin"])
    response = client.post("/self-evaluation/new", data=form_data(
        vision=3, capacity=2, collective_commitment=2, data=1, improvement_activity=4))
    assert response.status_code == 422
    html = _text(response)
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert re.findall(r'href="#(\w+)-0"', summary) == ["process_rating", "quality_assurance_rating"]
    assert "Rate Process and project management" in summary and "Rate Quality assurance" in summary
    for pillar in ("process", "quality_assurance"):
        fieldset = re.search(rf'<fieldset id="pillar-{pillar}".*?</fieldset>', html, re.S).group(0)
        assert 'class="error-message"' in fieldset and "choose from 1" in fieldset
    vision = re.search(r'<fieldset id="pillar-vision".*?</fieldset>', html, re.S).group(0)
    assert "error-message" not in vision and re.search(r'checked id="vision_rating-2"', vision)
    assert "Seen in vision." in vision  # what was typed is still there
    assert session.execute(select(func.count()).select_from(SelfEvaluation)).scalar_one() == 0


def test_a_complete_round_is_saved_and_shown_beside_the_previous(trust, session, login_as):
    record(session, trust["head"], 60, school_id=trust["school"].id, vision=2)
    client = login_as(trust["head"])
    url = f"/schools/{trust['school'].id}/self-evaluation"
    response = client.post(url + "/new", data=form_data(**dict.fromkeys(PILLARS, 3)))
    assert response.status_code == 302 and response.headers["Location"] == url
    html = _text(client.get(url))
    assert f"Saved the self-evaluation of {TODAY.day} {TODAY:%B %Y}." in html
    assert "up 1" in html and "by Hal Head" in html and "Seen in data." in html
    saved = session.execute(select(SelfEvaluation).order_by(SelfEvaluation.id.desc())).scalars().first()
    assert (saved.school_id, saved.author_id, saved.on) == (trust["school"].id, trust["head"].id, TODAY)


@pytest.mark.parametrize("on, words", [
    ((TODAY + timedelta(days=1)).isoformat(), "today&#39;s date or an earlier one"),
    ("", "Say on which date"), ("31/02/2026", "Enter a date as YYYY-MM-DD.")])
def test_a_bad_date_is_told_beside_the_date(trust, login_as, on, words):
    data = form_data(**dict.fromkeys(PILLARS, 2))
    data["on"] = on
    html = _text(login_as(trust["admin"]).post("/self-evaluation/new", data=data))
    date_field = re.search(r'<div class="field field-error ">\s*<label class="label" for="on">.*?</div>',
                           html, re.S)
    assert date_field and words in date_field.group(0)


def test_an_out_of_range_rating_is_refused_beside_its_pillar(trust, login_as):
    data = form_data(**dict.fromkeys(PILLARS, 2))
    data["data_rating"] = "7"
    html = _text(login_as(trust["admin"]).post("/self-evaluation/new", data=data))
    fieldset = re.search(r'<fieldset id="pillar-data".*?</fieldset>', html, re.S).group(0)
    assert "Choose one of the options listed." in fieldset


def test_only_those_who_may_rate_get_the_form(trust, login_as):
    assert login_as(trust["viewer"]).get("/self-evaluation/new").status_code == 403
    assert login_as(trust["head"]).get("/self-evaluation/new").status_code == 403
    assert login_as(trust["central"]).get(
        f"/schools/{trust['school'].id}/self-evaluation/new").status_code == 403
    assert login_as(trust["head"]).get(
        f"/schools/{trust['other'].id}/self-evaluation/new").status_code == 404


# --- the step chart ------------------------------------------------------------------------

def test_the_step_chart_holds_each_rating_until_the_next_round_and_the_last_until_today():
    points = [(date(2026, 1, 1), 1), (date(2026, 7, 2), 3)]
    chart = step_chart(points, today=date(2026, 12, 31))
    left, right = CHART["left"], CHART["width"] - CHART["right"]
    bottom, top = CHART["height"] - CHART["bottom"], CHART["top"]
    (x1, y1, _, _), (x2, y2, _, _) = chart.markers
    assert left < x1 < x2 < right  # the first round stands clear of the rating labels
    assert (y1, y2) == (bottom, round(bottom - 2 / 3 * (bottom - top), 1))  # 1 at the foot, 3 two steps up
    # flat at 1 until the second round, up to 3, then flat until today at the right edge
    assert chart.path == f"M{x1:g},{y1:g}H{x2:g}V{y2:g}H{right:g}"
    assert [label for _, label, _ in chart.x_ticks] == ["Jan 2026", "Jul 2026", "Dec 2026"]
    assert [r for _, r in chart.y_ticks] == [1, 2, 3, 4]
    assert [y for y, _ in chart.y_ticks] == sorted((y for y, _ in chart.y_ticks), reverse=True)
    assert step_chart([], today=date(2026, 1, 1)) is None
    one = step_chart([(date(2026, 3, 1), 2)], today=date(2026, 3, 1))
    assert one.markers[0][0] == right and one.x_ticks == [(right, "Mar 2026", "end")]
