"""The board pack: a PDF of the trust's view that a board member takes to a meeting.

One world for the module (two schools, each with what every section prints) and one PDF per
reader, read back with pypdf: the admin's from the API, a school lead's from the page.
"""
import io
import re
from datetime import timedelta
from pathlib import Path

import pypdf
import sqlalchemy as sa
import pytest

from tests.conftest import PASSWORD, Factory, _empty_all_tables
from tracker import board_pack, clock, pdf, self_evaluation
from tracker import models as m
from tracker.extensions import db
from tracker.models.initiative import PILLARS

HEADINGS = [heading for _, heading in board_pack.SECTIONS]


class World:
    pass


def _round(author, on, rating, school_id=None):
    self_evaluation.record_round(db.session, author, on=on, school_id=school_id, ratings=[
        {"pillar": p, "rating": rating, "evidence": f"Evidence for {p} at {rating}."}
        for p in PILLARS])
    db.session.commit()


@pytest.fixture(scope="module")
def world(_migrated_app):
    """Ashdown Primary (the school lead's) and Bramley Academy, each over a limit of one with
    two initiatives in Deliver, one initiative stopped and 14 values of the trust KPI
    Attendance; an expert over her days at Ashdown;
    the trust's own self-evaluation in two rounds, and Bramley's in one."""
    app = _migrated_app
    with app.app_context():
        _empty_all_tables()
        make, today, w = Factory(), clock.today(), World()
        w.app, w.today = app, today
        make.policy(max_active_initiatives=1)
        w.mine = make.school(name="Ashdown Primary", support_status="needs_support")
        w.other = make.school(name="Bramley Academy", support_status="can_support")
        w.admin = make.user("admin", name="Ada Admin")
        w.lead = make.user("school_lead", schools=[w.mine], name="Sam Lead")
        for school, word in ((w.mine, "Ashdown"), (w.other, "Bramley")):
            for n in (1, 2):
                make.initiative(schools=[school], title=f"{word} reading {n}", phase="deliver")
            make.initiative(schools=[school], title=f"{word} homework stopped",
                            status="deimplemented", phase="deliver",
                            ended_on=today - timedelta(days=10))
        # Horizontal: in both schools, and in Deliver with no expert.
        make.initiative(schools=[w.mine, w.other], title="Shared oracy", phase="deliver",
                        status="deimplemented", ended_on=today - timedelta(days=3))
        expert = make.expert(name="Erin Expert")
        db.session.add(m.Allocation(expert_id=expert.id, school_id=w.mine.id, starts_on=today,
                                    ends_on=today + timedelta(days=6), days_per_week=3,
                                    status="confirmed"))
        kpi = m.Measure(initiative_id=None, name="Attendance", unit="%", higher_is_better=True,
                        target=96, kind="outcome")
        db.session.add(kpi)
        db.session.flush()
        db.session.add_all(m.MeasurePoint(measure_id=kpi.id, school_id=school.id,
                                          on=today - timedelta(days=30 * k), value=93 + k % 3)
                           for school in (w.mine, w.other) for k in range(14))
        db.session.commit()
        _round(w.admin, today - timedelta(days=90), 2)
        _round(w.admin, today - timedelta(days=1), 3)
        _round(w.admin, today - timedelta(days=2), 4, school_id=w.other.id)
        yield w
        db.session.remove()


def _pdf(body):
    reader = pypdf.PdfReader(io.BytesIO(body))
    return reader, [" ".join(page.extract_text().split()) for page in reader.pages]


@pytest.fixture(scope="module")
def admin_pack(world):
    """The admin's pack, fetched from the API."""
    client = world.app.test_client()
    token = client.post("/api/v1/tokens", json={"email": world.admin.email,
                                                "password": PASSWORD}).get_json()["token"]
    response = client.get("/api/v1/board-pack.pdf", headers={"Authorization": f"Bearer {token}"})
    return response, *_pdf(response.data)


@pytest.fixture(scope="module")
def lead_pack(world):
    """The school lead's pack, downloaded from the page."""
    return _download(world, world.lead)


def _download(world, user):
    client = world.app.test_client()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    response = client.get("/board-pack.pdf")
    return response, *_pdf(response.data)


def test_api_sends_the_pack_as_a_pdf_attachment_named_by_date(world, admin_pack):
    response, reader, _ = admin_pack
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="board-pack-{world.today.isoformat()}.pdf"'
    assert response.data.startswith(b"%PDF")


def test_cover_names_the_trust_the_date_and_the_reader(world, admin_pack):
    _, _, pages = admin_pack
    cover = pages[0]
    assert world.app.config["TRUST_NAME"] in cover
    assert world.today.strftime("%-d %B %Y") in cover
    assert "Prepared for Ada Admin (admin)" in cover
    assert "Covers the whole trust (2 schools)" in cover


def test_contents_lists_every_section_with_the_page_it_starts_on(admin_pack):
    _, _, pages = admin_pack
    contents = pages[1]
    assert contents.startswith("Contents")
    for heading in HEADINGS:
        listed = re.search(re.escape(heading) + r"[ .]*page (\d+)", contents)
        assert listed, heading
        starts = int(listed.group(1))
        assert heading in pages[starts - 1], (heading, pages[starts - 1][:80])


def test_every_page_after_the_cover_is_numbered_and_the_pack_is_landscape(admin_pack):
    _, reader, pages = admin_pack
    total = len(pages)
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} of {total}" in text
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # A4 landscape: the stylesheet was applied


def test_whole_trust_pack_holds_every_school_and_section(admin_pack):
    _, _, pages = admin_pack
    text = " ".join(pages)
    for found in ("Ashdown Primary", "Bramley Academy", "Ashdown homework stopped",
                  "Bramley homework stopped", "Over its limit", "Erin Expert",
                  "Established", "up 1", "Attendance", "Common cause variation",
                  "Hit and miss the target", "Latest 93% on",
                  "The whole trust", "Collective commitment"):
        assert found in text, found
    assert "Golden rule (the whole trust): 1.0 schools able to give support" in text


def test_one_school_readers_pack_holds_only_their_school(world, lead_pack):
    response, _, pages = lead_pack
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    text = " ".join(pages)
    for heading in HEADINGS:
        assert heading in text
    assert "Prepared for Sam Lead (school lead)" in text
    assert "Covers Ashdown Primary" in text
    assert "Ashdown homework stopped" in text and "Ashdown reading 2" in text
    # A horizontal initiative is named with the reader's school only.
    assert "Shared oracy" in text
    assert "Bramley" not in text
    # The golden rule is the trust's figure, as on the dashboard; it names no school.
    assert "1.0 schools able to give support" in text
    # The trust's own self-evaluation, and the school's (none yet).
    assert "No self-evaluation recorded yet." in text


def test_the_api_refuses_a_caller_with_no_token(world):
    response = world.app.test_client().get("/api/v1/board-pack.pdf")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"]


def test_the_api_describes_the_pack_as_a_pdf_file(world):
    spec = world.app.test_client().get("/api/v1/openapi.json").get_json()
    ok = spec["paths"]["/api/v1/board-pack.pdf"]["get"]["responses"]["200"]
    assert ok["content"]["application/pdf"]["schema"] == {"type": "string", "format": "binary"}


def test_the_page_sends_a_signed_out_visitor_to_sign_in(world):
    response = world.app.test_client().get("/board-pack.pdf")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_renderer_opens_only_the_apps_static_files(world):
    static = Path(world.app.static_folder)
    fetch = pdf.LocalFiles(static).fetch
    response = fetch((static / "board_pack.css").as_uri())
    assert b"@page" in response.read()
    response.close()
    for url in ("https://example.org/style.css", "http://127.0.0.1/admin",
                (static / ".." / "config.py").as_uri(), "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetch(url)


def test_gathering_the_pack_asks_as_many_queries_for_more_schools(world):
    """Run last: it adds schools to the module's world."""
    def queries():
        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            board_pack.board_pack(db.session, world.admin, world.today)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    before = queries()
    make = Factory()
    for n in range(3):
        school = make.school(name=f"Extra School {n}", urn=f"X{n}")
        make.initiative(schools=[school], owner=world.admin, title=f"Extra {n}", phase="deliver")
        make.initiative(schools=[school], owner=world.admin, title=f"Extra stopped {n}",
                        status="deimplemented", ended_on=world.today)
    assert queries() == before
