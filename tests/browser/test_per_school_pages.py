"""A school lead logs an update of a trust-wide reading programme for their own school, on a
phone: that school's RAG changes in the table of schools, the other school's does not."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, shoot
from tracker import clock, updates
from tracker.models import MeasurePoint

pytestmark = pytest.mark.browser


@pytest.fixture
def programme(make, session):
    north, south = make.school(name="Northfield Primary"), make.school(name="Southgate Academy")
    admin = make.user("admin", name="Alex Admin")
    lead = make.user("school_lead", name="Sam Lead", schools=[north, south])
    initiative = make.initiative(schools=[north, south], owner=admin, phase="deliver",
                                 title="Reading for pleasure across the trust")
    measure = make.measure(initiative, name="Pupils reading daily", unit="%")
    for school, value in ((north, 62.0), (south, 48.5)):
        make._save(MeasurePoint(measure_id=measure.id, school_id=school.id, on=clock.today(),
                                value=value))
    updates.log_update(session, admin, initiative, rag="green",
                       narrative="Launched in both schools; library time every day.")
    session.commit()
    return {"initiative": initiative, "north": north, "south": south, "lead": lead}


def test_an_update_for_one_school_changes_its_rag_and_not_the_others(programme, page, sign_in):
    page.set_viewport_size(PHONE)
    sign_in(page, programme["lead"])
    page.goto(f"/initiatives/{programme['initiative'].id}")
    north_row = page.locator(f"#school-status-{programme['north'].id}")
    south_row = page.locator(f"#school-status-{programme['south'].id}")
    expect(north_row).to_contain_text("Green")
    expect(south_row).to_contain_text("Green")
    expect(south_row).to_contain_text("48.5%")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    shoot(page, "perschool", "before")

    form = page.locator("#log-update")
    form.get_by_label("Red: off track").check()
    form.get_by_label("What happened").fill("Library refurbishment closed it for a fortnight.")
    form.get_by_label("For").select_option(label="Southgate Academy")
    with page.expect_navigation():
        form.get_by_role("button", name="Log update").click()

    expect(page.get_by_text("Update logged.")).to_be_visible()
    expect(south_row).to_contain_text("Red")
    expect(north_row).to_contain_text("Green")
    expect(page.locator("ol.timeline li").first).to_contain_text("For Southgate Academy")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    page.locator("#schools-status").scroll_into_view_if_needed()
    shoot(page, "perschool", "after")
