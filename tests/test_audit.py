"""The audit log records sign-ins, failures, refusals, tokens, role changes and overrides,
never a secret; admins filter it by person, record, action and date, and export it.

ASVS 4.0.3: V7.1.1, V7.1.2, V7.1.3, V7.1.4, V7.2.1, V7.2.2, V7.3.1, V7.3.3, V8.3.5."""
import csv
import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tracker.models import AuditEntry
from tracker.models.base import utcnow

ROLES = ["admin", "central_team", "school_lead", "project_lead", "viewer"]


def _entries(session, action=None):
    session.expire_all()
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return session.execute(stmt).scalars().all()


def test_sign_ins_and_sign_outs_are_recorded_with_the_address(make, client, session):
    user = make.user("viewer")
    client.post("/login", data={"email": user.email, "password": PASSWORD},
                environ_base={"REMOTE_ADDR": "192.0.2.7"})
    client.post("/logout")
    login, = _entries(session, "login")
    assert (login.actor_id, login.record_id, login.ip) == (user.id, user.id, "192.0.2.7")
    assert _entries(session, "logout")[0].actor_id == user.id


@pytest.mark.parametrize("via", ["web", "api"])
def test_failed_sign_ins_are_recorded_naming_the_account_when_there_is_one(make, client, session, via):
    user = make.user("viewer")
    for email in (user.email, "nobody@example.org"):
        if via == "web":
            client.post("/login", data={"email": email, "password": "wrong-wrong-wrong"})
        else:
            client.post("/api/v1/tokens", json={"email": email, "password": "wrong-wrong-wrong"})
    known, unknown = _entries(session, "login_failed")
    assert known.record_id == user.id and known.actor_id is None and known.changes["via"] == via
    assert unknown.record_id is None and unknown.changes["email"] == "nobody@example.org"


def test_token_creation_and_revocation_are_recorded(make, api_as, session):
    client = api_as(make.user("viewer"))
    client.delete("/api/v1/tokens/current")
    created, = _entries(session, "token_created")
    revoked, = _entries(session, "token_revoked")
    assert created.record_id == revoked.record_id and revoked.actor_id == client.user.id


def test_a_role_change_is_recorded_with_before_and_after(make, api_as, session):
    person = make.user("viewer")
    admin = api_as(make.user("admin"))
    admin.patch(f"/api/v1/users/{person.id}", json={"role": "school_lead", "version": person.version})
    event, = _entries(session, "role_changed")
    assert event.changes == {"role": ["viewer", "school_lead"]} and event.actor_id == admin.user.id


def test_an_override_past_a_gate_is_recorded(make, api_as, session):
    initiative = make.initiative()
    admin = api_as(make.user("admin"))
    response = admin.post(f"/api/v1/initiatives/{initiative.id}/transitions",
                          json={"to": "prepare", "override_reason": "Board decision 12 May"})
    assert response.status_code in (200, 201), response.get_json()
    override, = _entries(session, "override")
    assert override.actor_id == admin.user.id and override.record_id == initiative.id
    assert "Board decision 12 May" in json.dumps(override.changes)


def test_a_refused_page_is_recorded(make, login_as, session):
    user = make.user("viewer")
    assert login_as(user).get("/admin/audit").status_code == 403
    refused, = _entries(session, "access_refused")
    assert refused.actor_id == user.id and refused.changes["status"] == 403
    assert refused.changes["path"] == "/admin/audit"


def test_another_schools_record_refused_as_not_found_is_recorded(make, api_as, login_as, session):
    mine, theirs = make.school(), make.school()
    lead = make.user("school_lead", schools=[mine])
    hidden = make.initiative(schools=[theirs])
    assert api_as(lead).get(f"/api/v1/initiatives/{hidden.id}").status_code == 404
    assert login_as(lead).get(f"/initiatives/{hidden.id}").status_code == 404
    refusals = _entries(session, "access_refused")
    assert [(r.changes["status"], r.changes["path"]) for r in refusals] == [
        (404, f"/api/v1/initiatives/{hidden.id}"), (404, f"/initiatives/{hidden.id}")]
    assert all(r.actor_id == lead.id for r in refusals)


def test_unknown_addresses_are_not_recorded(make, login_as, api_as, session):
    user = make.user("viewer")
    login_as(user).get("/wp-admin/setup.php")
    api_as(user).get("/api/v1/no-such-thing")
    assert _entries(session, "access_refused") == []


def test_a_refused_write_changes_nothing_but_the_log(make, api_as, session):
    school = make.school()
    initiative = make.initiative(schools=[school], title="Before")
    viewer = api_as(make.user("viewer", schools=[school]))
    response = viewer.patch(f"/api/v1/initiatives/{initiative.id}",
                            json={"title": "After", "version": initiative.version})
    assert response.status_code == 403
    session.expire_all()
    assert initiative.title == "Before"
    assert [e.changes["status"] for e in _entries(session, "access_refused")] == [403]


def test_the_log_never_holds_a_password_or_token(make, api_as, login_as, client, session, runner):
    admin = api_as(make.user("admin"))
    secret_password = "quartz-meadow-41-violin-harbour"
    created = admin.post("/api/v1/users", json={"email": "new.person@example.org", "name": "New Person",
                                                 "role": "viewer", "password": secret_password})
    person_id = created.get_json()["id"]
    token = client.post("/api/v1/tokens", json={"email": "new.person@example.org",
                                                "password": secret_password}).get_json()["token"]
    client.post("/login", data={"email": "new.person@example.org", "password": "typo-" + secret_password})
    changed = "harbour-violin-41-meadow-quartz"
    client.post("/api/v1/users/me/password", json={"current_password": secret_password, "new_password": changed},
                headers={"Authorization": f"Bearer {token}"})
    reset = admin.post(f"/api/v1/users/{person_id}/reset-link").get_json()
    link = runner.invoke(args=["users", "reset-link", "--email", "new.person@example.org"]).stdout.strip()
    raw_reset = link.rsplit("/", 1)[-1]
    session.expire_all()
    everything = json.dumps([[e.action, e.record_type, e.changes, e.ip] for e in _entries(session)])
    for secret in (secret_password, changed, token, raw_reset, "$argon2id"):
        assert secret not in everything
    assert reset["emailed"] is True
    assert '"(hidden)"' in everything  # the password change itself is recorded, not its value


# --- the audit page -----------------------------------------------------------------

def _audit_rows(html):
    return html.count('<li class="audit-entry"><p')


def _seed_log(make, session):
    alice = make.user("admin", name="Alice Admin")
    bob = make.user("viewer", name="Bob Viewer")
    old = utcnow() - timedelta(days=10)
    session.add_all([
        AuditEntry(at=old, actor_id=bob.id, action="login", record_type="users", record_id=bob.id, changes={}),
        AuditEntry(actor_id=bob.id, action="update", record_type="initiatives", record_id=7,
                   changes={"title": ["=HYPERLINK(\"http://evil\")", "New"]}),
        AuditEntry(actor_id=alice.id, action="update", record_type="initiatives", record_id=8, changes={}),
    ])
    session.commit()
    return alice, bob


def test_admins_filter_the_log_by_person_record_action_and_date(make, login_as, session):
    alice, bob = _seed_log(make, session)
    page = login_as(alice)
    assert _audit_rows(page.get(f"/admin/audit?actor_id={bob.id}&action=update").get_data(as_text=True)) == 1
    by_record = page.get("/admin/audit?record_type=initiatives&record_id=8").get_data(as_text=True)
    assert _audit_rows(by_record) == 1 and "Alice Admin" in by_record
    since = (date.today() - timedelta(days=2)).isoformat()
    recent = page.get(f"/admin/audit?actor_id={bob.id}&since={since}").get_data(as_text=True)
    assert _audit_rows(recent) == 1
    old = page.get(f"/admin/audit?actor_id={bob.id}&until={since}").get_data(as_text=True)
    assert _audit_rows(old) == 1 and "<strong>Bob Viewer</strong> signed in." in old


def test_the_log_reads_as_sentences_naming_people_and_records(make, login_as, session):
    alice, bob = _seed_log(make, session)
    initiative = make.initiative(title="Reading <b>for</b> pleasure")
    milestone = make.milestone(initiative, title="Plan the launch")
    session.add_all([
        AuditEntry(actor_id=bob.id, action="update", record_type="initiatives", record_id=initiative.id,
                   changes={"title": ["<script>x</script>", "Reading <b>for</b> pleasure"]}),
        AuditEntry(actor_id=alice.id, action="create", record_type="milestones", record_id=milestone.id,
                   changes={"title": [None, "Plan the launch"], "initiative_id": [None, initiative.id]}),
    ])
    session.commit()
    html = login_as(alice).get("/admin/audit").get_data(as_text=True)
    assert ("<strong>Bob Viewer</strong> changed the title of the initiative "
            "<em>Reading &lt;b&gt;for&lt;/b&gt; pleasure</em> from "
            "<span class=\"audit-value\">“&lt;script&gt;x&lt;/script&gt;”</span>") in html
    assert ("<strong>Alice Admin</strong> added the milestone <span class=\"audit-value\">“Plan the launch”"
            "</span> to the initiative <em>Reading &lt;b&gt;for&lt;/b&gt; pleasure</em>.") in html
    assert "<strong>Bob Viewer</strong> signed in." in html
    assert "initiatives 8" not in html and "{&#34;" not in html and "<script>x" not in html


def test_a_bad_filter_is_explained_beside_its_field(make, login_as):
    page = login_as(make.user("admin")).get("/admin/audit?since=2024-02-30&record_id=abc")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Enter a date as YYYY-MM-DD." in html and "Enter a whole number." in html


def test_the_log_exports_as_csv_with_the_same_filters(make, login_as, session):
    alice, bob = _seed_log(make, session)
    response = login_as(alice).get(f"/admin/audit.csv?actor_id={bob.id}")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["action"] for r in rows] == ["update", "login"]
    assert all(r["actor"] == "Bob Viewer" for r in rows)


def test_a_long_log_exports_whole_in_batches(make, login_as, session, monkeypatch):
    from tracker.blueprints import admin as admin_pages

    monkeypatch.setattr(admin_pages, "AUDIT_CSV_BATCH", 4)
    alice, _bob = _seed_log(make, session)
    session.add_all([AuditEntry(action="update", record_type="schools", record_id=n, changes={})
                     for n in range(10)])
    session.commit()
    total = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    response = login_as(alice).get("/admin/audit.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    ids = [int(r["id"]) for r in rows]
    assert len(ids) >= total and ids == sorted(set(ids), reverse=True)


def test_the_csv_export_cannot_carry_a_spreadsheet_formula(make, login_as, session):
    alice, _bob = _seed_log(make, session)
    make.user("viewer", name="=cmd|' /C calc'!A0")
    text = login_as(alice).get("/admin/audit.csv").get_data(as_text=True)
    for row in csv.reader(io.StringIO(text)):
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row


def test_the_audit_page_answers_in_a_fixed_number_of_queries(make, login_as, session, count_queries):
    alice, bob = _seed_log(make, session)

    def milestone_changed(person):
        """An entry whose record (a milestone) names a parent record (its initiative)."""
        milestone = make.milestone(make.initiative())
        session.add(AuditEntry(actor_id=bob.id, action="update", record_type="milestones",
                               record_id=milestone.id, changes={"owner_id": [person.id, bob.id]}))
    milestone_changed(alice)
    session.commit()
    page = login_as(alice)
    session.expire_all()
    with count_queries() as few:
        page.get("/admin/audit")
    for n in range(30):
        person = make.user("viewer", name=f"Person {n}")
        session.add(AuditEntry(actor_id=person.id, action="update", record_type="schools", record_id=n, changes={}))
        milestone_changed(person)
    session.commit()
    with count_queries() as many:
        assert page.get("/admin/audit").status_code == 200
    assert many.count == few.count, "\n".join(many.statements)


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_read_the_audit_log(make, login_as, api_as, role):
    user = make.user(role, schools=[make.school()])
    expected = 200 if role == "admin" else 403
    browser = login_as(user)
    assert browser.get("/admin/audit").status_code == expected
    export = browser.get("/admin/audit.csv")
    assert export.status_code == expected
    export.close()
    assert api_as(user).get("/api/v1/audit").status_code == expected
