"""The dashboard on a phone: every school's figures on screen, nothing cut off after "Deliver";
the desktop keeps the table with the schools side by side."""
import os
from datetime import timedelta

import pytest

from tracker import clock
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("SHOTS_DIR", "/tmp/shots/dashboard")
KEY_FIGURES = ("Red", "Overdue milestones", "Stuck PDSA cycles", "Policy breaches")


def _trust(make):
    """Three schools, one with a red initiative and an overdue milestone."""
    hill = make.school(name="Hill Primary and Nursery School of the Good Shepherd")
    vale = make.school(name="Vale Academy", support_status="needs_support")
    make.school(name="Oak Road Infants", support_status="can_support")
    red = make.initiative(schools=[hill], phase="deliver", rag="red", title="Reading for pleasure")
    make.initiative(schools=[vale], phase="explore", rag="amber")
    make.milestone(red, due_on=clock.today() - timedelta(days=3))
    return {"Hill Primary and Nursery School of the Good Shepherd": {"Red": "1", "Overdue milestones": "1",
                                                                       "Deliver": "1"},
            "Vale Academy": {"Red": "0", "Amber": "1", "Explore": "1"},
            "Oak Road Infants": {"Red": "0", "Policy breaches": "0"}}


def _shot(page, name):
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def test_on_a_phone_every_schools_key_figures_are_on_screen(make, page, sign_in):
    expected = _trust(make)
    sign_in(page, make.user("central_team", name="Priya Central"))
    page.set_viewport_size(PHONE)
    page.goto("/dashboard")
    _shot(page, "dashboard-phone.png")

    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    for school, figures in expected.items():
        card = page.locator("tr.dashboard-school", has_text=school)
        assert card.is_visible()
        for label in KEY_FIGURES + tuple(figures):
            cell = card.locator(f'td[data-label="{label}"]')
            box = cell.bounding_box()
            assert cell.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (
                school, label, box)
            if label in figures:
                assert cell.inner_text().strip() == figures[label], (school, label)
            shown_label = cell.evaluate("c => getComputedStyle(c, '::before').content")
            assert shown_label == f'"{label}"', "each figure says what it counts"
        # what needs attention comes before the phases and RAG counts
        first = card.locator("td").evaluate_all(
            "cells => cells.slice().sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top"
            " || a.getBoundingClientRect().left - b.getBoundingClientRect().left)"
            ".slice(0, 4).map(c => c.dataset.label)")
        assert first == list(KEY_FIGURES)


def test_on_a_desktop_the_schools_stand_side_by_side_in_one_table(make, page, sign_in):
    expected = _trust(make)
    sign_in(page, make.user("central_team"))
    page.set_viewport_size(DESKTOP)
    page.goto("/dashboard")
    _shot(page, "dashboard-desktop.png")

    expect(page.get_by_role("columnheader", name="Policy breaches")).to_be_visible()
    rows = page.locator("tr.dashboard-school")
    assert rows.count() == len(expected)
    tops = {round(cell.bounding_box()["y"]) for cell in rows.first.locator("td").all()}
    assert len(tops) == 1, "a school's figures stay on one line"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
