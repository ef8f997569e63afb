"""A school lead records a concern on a phone and names the initiative that acts on it; the
initiative page then shows it among the insights it answers. Screenshots of each page at both
sizes go to /tmp/shots/insights/."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, shoot
from tracker import clock, insights
from tracker.models import Insight

pytestmark = pytest.mark.browser


@pytest.fixture
def school_with_work(make, session):
    school = make.school(name="St Aidan's CE Primary")
    other = make.school(name="Riverside Primary")
    head = make.user("school_lead", schools=[school], name="Samuel Okafor")
    reading = make.initiative(schools=[school], title="Daily phonics catch-up")
    network = make.initiative(schools=[school, other], title="Trust reading network")
    old = insights.create_insight(session, head, school.id, source="data_review",
                                  on=clock.today() - timedelta(days=45), judgement="concern",
                                  title="Persistent absence rising", pillars=["data"])
    insights.create_insight(session, head, school.id, source="peer_review", judgement="strength",
                            on=clock.today() - timedelta(days=10), title="Calm corridors",
                            summary="Routines the same in every corridor.",
                            pillars=["process"], initiative_ids=[network.id])
    session.commit()
    return {"school": school, "head": head, "reading": reading, "network": network, "old": old}


def _shoot(page, name):
    shoot(page, "insights", name)


def _no_sideways_scroll(page):
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]


def test_a_school_lead_records_a_concern_on_a_phone_and_the_initiative_page_shows_it(
        school_with_work, page, sign_in, session):
    w = school_with_work
    page.set_viewport_size(PHONE)
    sign_in(page, w["head"])
    page.set_viewport_size(DESKTOP)
    page.goto("/dashboard")
    page.get_by_role("link", name="1 unanswered concerns at St Aidan's CE Primary").click()
    expect(page.get_by_label("Only unanswered concerns")).to_be_checked()
    expect(page.locator(".insight")).to_have_count(1)
    page.set_viewport_size(PHONE)
    page.goto(f"/schools/{w['school'].id}/insights")
    expect(page.get_by_role("heading", name="Insights: St Aidan's CE Primary")).to_be_visible()
    expect(page.get_by_text("Unanswered: no initiative by")).to_be_visible()
    _no_sideways_scroll(page)
    _shoot(page, "list")

    page.get_by_role("link", name="Record an insight").click()
    expect(page.get_by_role("heading", name="Record an insight")).to_be_visible()
    page.get_by_label("Source").select_option(label="QA visit")
    page.get_by_role("group", name="Judgement").get_by_label("Concern").check()
    page.get_by_label("Title").fill("Phonics sessions lose pace in Year 1")
    page.get_by_label("Summary").fill("Four of six sessions ran over; groups re-sorted mid-lesson.")
    page.get_by_role("group", name="Pillars it bears on").get_by_label("Quality assurance").check()
    acting = page.get_by_role("group", name="Initiatives that act on it")
    expect(acting.get_by_label("Trust reading network (across 2 schools)")).to_be_visible()
    acting.get_by_label("Daily phonics catch-up").check()
    _no_sideways_scroll(page)
    _shoot(page, "form")
    page.get_by_role("button", name="Record the insight").click()

    expect(page.get_by_text("Recorded the insight “Phonics sessions lose pace in Year 1”.")).to_be_visible()
    card = page.locator(".insight", has=page.get_by_role("heading", name="Phonics sessions lose pace in Year 1"))
    expect(card).to_contain_text("QA visit")
    expect(card.get_by_role("link", name="Daily phonics catch-up")).to_be_visible()
    session.rollback()
    stored = session.query(Insight).filter_by(title="Phonics sessions lose pace in Year 1").one()
    assert (stored.judgement, stored.pillars, stored.initiative_ids, stored.author_id) == (
        "concern", ["quality_assurance"], [w["reading"].id], w["head"].id)

    page.get_by_label("Only unanswered concerns").check()
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("heading", name="Persistent absence rising")).to_be_visible()
    expect(page.locator(".insight")).to_have_count(1)
    _shoot(page, "unanswered")

    card = page.locator(".insight", has=page.get_by_role("heading", name="Persistent absence rising"))
    card.get_by_role("link", name="Edit “Persistent absence rising”").click()
    page.get_by_role("group", name="Initiatives that act on it").get_by_label(
        "Trust reading network (across 2 schools)").check()
    page.get_by_role("button", name="Save the insight").click()
    expect(page.get_by_text("Saved the insight “Persistent absence rising”.")).to_be_visible()

    page.goto(f"/initiatives/{w['reading'].id}")
    answers = page.locator("#insights")
    expect(answers.get_by_role("heading", name="Insights this initiative answers")).to_be_visible()
    expect(answers.get_by_role("link", name="Phonics sessions lose pace in Year 1")).to_be_visible()
    expect(answers).to_contain_text("Concern")
    _no_sideways_scroll(page)
    answers.scroll_into_view_if_needed()
    _shoot(page, "initiative")

    page.goto(f"/initiatives/{w['network'].id}")
    expect(page.locator("#insights").get_by_role("link", name="Persistent absence rising")).to_be_visible()
    expect(page.locator("#insights").get_by_role("link", name="Calm corridors")).to_be_visible()

    page.goto(f"/insights/{w['old'].id}/delete")
    _shoot(page, "delete")
    page.get_by_role("button", name="Delete the insight").click()
    expect(page.get_by_text("Deleted the insight “Persistent absence rising”.")).to_be_visible()
