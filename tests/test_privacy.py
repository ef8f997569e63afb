"""A person takes their data away; an admin deactivates a person (records stay theirs) and
anonymises one who has left.

ASVS 4.0.3: V8.3.1, V8.3.2, V8.3.4, V8.3.5, V8.3.6, V4.1.1, V4.1.3, V4.1.5, V4.2.1, V3.3.1."""
import json

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from tracker import privacy
from tracker.models import AuditEntry, Initiative, Update, User

ROLES = ["admin", "central_team", "school_lead", "project_lead", "viewer"]


def _export(client):
    response = client.get("/account/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return json.loads(response.get_data(as_text=True))


def test_my_export_holds_my_records_and_no_one_elses(make, login_as, session):
    school = make.school(name="Oakwood Primary")
    me = make.user("project_lead", schools=[school], name="Laura Reid")
    mine = make.initiative(schools=[school], owner=me, title="Daily phonics")
    theirs = make.initiative(schools=[school], title="Someone else's")
    session.add(Update(initiative_id=mine.id, author_id=me.id, rag="green", narrative="Going well"))
    session.commit()
    data = _export(login_as(me))
    assert data["person"]["name"] == "Laura Reid" and data["schools"] == [{"id": school.id, "name": "Oakwood Primary"}]
    assert [i["title"] for i in data["records"]["initiatives"]] == ["Daily phonics"]
    assert [u["narrative"] for u in data["records"]["updates"]] == ["Going well"]
    assert theirs.id not in [i["id"] for i in data["records"]["initiatives"]]
    assert any(e["action"] == "login" for e in data["records"]["audit_entries"])


def test_my_export_leaves_out_every_secret(make, login_as, api_as):
    me = make.user("viewer")
    token = api_as(me).token
    text = json.dumps(_export(login_as(me)))
    for secret in ("password_hash", "token_hash", "$argon2id", token, "session_generation"):
        assert secret not in text
    assert "api_tokens" in text  # the tokens are listed, by name and dates only


def test_the_api_exports_my_data_too(make, api_as):
    me = make.user("viewer", name="Valerie Governor")
    data = api_as(me).get("/api/v1/users/me/export").get_json()
    assert data["person"]["name"] == "Valerie Governor" and "password_hash" not in data["person"]


@pytest.mark.parametrize("role", ROLES)
def test_every_role_exports_only_their_own_data(make, login_as, role):
    school = make.school()
    person = make.user(role, schools=[school])
    other = make.user("project_lead", schools=[school])
    make.initiative(schools=[school], owner=other)
    data = _export(login_as(person))
    assert data["person"]["id"] == person.id
    assert "initiatives" not in data["records"]


def test_the_export_answers_in_a_fixed_number_of_queries(make, login_as, session, count_queries):
    school = make.school()
    me = make.user("project_lead", schools=[school])
    client = login_as(me)
    make.initiative(schools=[school], owner=me)
    session.expire_all()
    with count_queries() as few:
        client.get("/account/export")
    for _ in range(10):
        make.initiative(schools=[school], owner=me)
    session.expire_all()
    with count_queries() as many:
        client.get("/account/export")
    assert many.count == few.count


# --- deactivating ------------------------------------------------------------------

def test_a_deactivated_persons_records_stay_attributed_to_them(make, login_as, api_as, session, app):
    school = make.school()
    person = make.user("project_lead", schools=[school], name="Tom Mathers")
    initiative = make.initiative(schools=[school], owner=person)
    token, browser = api_as(person), login_as(person)
    admin = login_as(make.user("admin"))
    response = admin.post(f"/admin/people/{person.id}/deactivate")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, person.id).active is False
    assert session.get(Initiative, initiative.id).owner_id == person.id
    assert "Tom Mathers" in admin.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert token.get("/api/v1/users/me").status_code == 401
    assert browser.get("/").status_code == 302
    refused = app.test_client().post("/login", data={"email": person.email, "password": PASSWORD})
    assert refused.status_code == 200 and "not right" in refused.get_data(as_text=True)


def test_the_last_active_admin_cannot_be_deactivated_or_demoted(make, api_as):
    only = make.user("admin")
    client = api_as(only)
    response = client.patch(f"/api/v1/users/{only.id}", json={"active": False, "version": only.version})
    assert response.status_code == 422
    response = client.patch(f"/api/v1/users/{only.id}", json={"role": "viewer", "version": only.version})
    assert response.status_code == 422
    make.user("admin")
    assert client.patch(f"/api/v1/users/{only.id}", json={"role": "viewer", "version": only.version}).status_code == 200


# --- anonymising ---------------------------------------------------------------------

def test_anonymising_replaces_name_and_email_and_keeps_the_records(make, api_as, client, session):
    school = make.school()
    person = make.user("project_lead", schools=[school], name="Grace Adeyemi",
                       email="grace.adeyemi@example.org")
    initiative = make.initiative(schools=[school], owner=person)
    client.post("/login", data={"email": person.email, "password": "a-wrong-guess-here"})
    admin = api_as(make.user("admin"))
    admin.patch(f"/api/v1/users/{person.id}", json={"name": "Grace A. Adeyemi", "version": person.version})
    session.expire_all()
    admin.patch(f"/api/v1/users/{person.id}", json={"active": False, "version": session.get(User, person.id).version})
    response = admin.post(f"/api/v1/users/{person.id}/anonymise")
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == f"Former staff member {person.id}"
    assert body["email"] == f"former-{person.id}@anonymised.invalid"
    session.expire_all()
    assert session.get(Initiative, initiative.id).owner_id == person.id
    log = json.dumps([e.changes for e in session.execute(select(AuditEntry)).scalars()])
    for personal in ("Grace Adeyemi", "Grace A. Adeyemi", "grace.adeyemi@example.org"):
        assert personal not in log
    assert session.execute(select(AuditEntry).where(AuditEntry.action == "anonymised")).scalar_one()
    assert client.post("/login", data={"email": "grace.adeyemi@example.org", "password": PASSWORD}).status_code == 200


def test_an_active_person_is_deactivated_before_being_anonymised(make, api_as):
    person = make.user("viewer")
    response = api_as(make.user("admin")).post(f"/api/v1/users/{person.id}/anonymise")
    assert response.status_code == 422 and "Deactivate" in response.get_json()["error"]["message"]


def test_the_admin_page_deactivates_then_anonymises(make, login_as, session):
    person = make.user("viewer", name="Owen Price")
    admin = login_as(make.user("admin"))
    page = admin.get(f"/admin/people/{person.id}/edit").get_data(as_text=True)
    assert "Deactivate" in page and "Anonymise" not in page
    admin.post(f"/admin/people/{person.id}/deactivate")
    page = admin.get(f"/admin/people/{person.id}/edit").get_data(as_text=True)
    assert "Anonymise (they have left)" in page
    admin.post(f"/admin/people/{person.id}/anonymise")
    session.expire_all()
    assert session.get(User, person.id).name == f"Former staff member {person.id}"
    assert "Owen Price" not in admin.get("/admin/people").get_data(as_text=True)


@pytest.mark.parametrize("role", ["central_team", "school_lead", "project_lead", "viewer"])
def test_only_admins_deactivate_or_anonymise(make, login_as, api_as, session, role):
    school = make.school()
    person = make.user("viewer", schools=[school], active=False)
    actor = make.user(role, schools=[school])
    browser = login_as(actor)
    assert browser.post(f"/admin/people/{person.id}/deactivate").status_code == 403
    assert browser.post(f"/admin/people/{person.id}/anonymise").status_code == 403
    assert api_as(actor).post(f"/api/v1/users/{person.id}/anonymise").status_code in (403, 404)
    session.expire_all()
    assert session.get(User, person.id).anonymised_at is None


def test_a_person_in_another_school_is_not_found(make, api_as):
    mine, theirs = make.school(), make.school()
    lead = make.user("school_lead", schools=[mine])
    stranger = make.user("viewer", schools=[theirs])
    assert api_as(lead).get(f"/api/v1/users/{stranger.id}").status_code == 404


def test_export_finds_every_table_that_names_a_person(app):
    tables = {t.name for t, _ in privacy._tables_naming_people()}
    assert {"initiatives", "updates", "api_tokens", "audit_entries", "password_resets"} <= tables
