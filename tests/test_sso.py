"""Single sign-on, the app's side (issue 16): who a checked ID token lets in, the waiting
account and its approval, the settings, the sign-in page and the people page.

The rules are tested on plain claims dicts through ``sso.sign_in`` (as the callback calls it
once ``sso.verify_id_token`` has checked a token); the whole flow against a real OpenID
Connect provider, and the refusal of bad tokens, is in tests/test_sso_provider.py and
tests/browser/test_sso.py.
"""
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

import config
from tests.conftest import PASSWORD
from tracker import audit_sentences, sso
from tracker import models as m
from tracker.auth import issue_token
from tracker.errors import Forbidden, Invalid
from tracker.extensions import db
from tracker.passwords import UNUSABLE_PASSWORD, verify_password

DOMAIN = "trust.org.uk"
TENANT = "11111111-2222-3333-4444-555555555555"
PROVIDERS = {
    "google": {"issuer": "https://accounts.google.com", "client_id": "tracker-client",
               "client_secret": "s", "label": "Sign in with Google",
               "authorize_params": {"hd": DOMAIN}},
    "microsoft": {"issuer": f"https://login.microsoftonline.com/{TENANT}/v2.0",
                  "client_id": "tracker-client", "client_secret": "s",
                  "label": "Sign in with Microsoft", "tenant_id": TENANT},
}


@pytest.fixture
def sso_config(app, monkeypatch):
    monkeypatch.setitem(app.config, "SSO_PROVIDERS", PROVIDERS)
    monkeypatch.setitem(app.config, "SSO_ALLOWED_DOMAINS", DOMAIN)
    monkeypatch.setitem(app.config, "PASSWORD_LOGIN", "all")
    return app.config


def claims(sub="sub-1", email="ann.lee@trust.org.uk", verified=True, **extra):
    values = {"sub": sub, "email": email, "email_verified": verified, "name": "Ann Lee"}
    values.update(extra)
    return values


def sign_in(provider="google", **kw):
    """``sso.sign_in`` committed as the callback commits it, refusals included."""
    try:
        user = sso.sign_in(db.session, provider, claims(**kw), approval_url="https://t/admin/people")
    except sso.Refused as refused:
        sso.record_refusal(db.session, refused)
        db.session.commit()
        raise
    db.session.commit()
    return user


def refused(provider="google", **kw):
    with pytest.raises(sso.Refused) as caught:
        sign_in(provider, **kw)
    return caught.value


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def actions():
    return [e.action for e in db.session.execute(
        select(m.AuditEntry).order_by(m.AuditEntry.id)).scalars()
        if e.action.startswith("sso_")]


# --- who gets in ----------------------------------------------------------------------

def test_a_known_person_with_a_verified_email_signs_in_and_is_linked(sso_config, make):
    ann = make.user("school_lead", email="ann.lee@trust.org.uk")
    assert sign_in() == ann
    link = db.session.execute(select(m.SsoIdentity)).scalar_one()
    assert (link.user_id, link.provider, link.subject, link.email) == (
        ann.id, "google", "sub-1", "ann.lee@trust.org.uk")
    assert actions() == ["sso_login"]


def test_the_email_is_matched_whatever_its_case(sso_config, make):
    ann = make.user("viewer", email="ann.lee@trust.org.uk")
    assert sign_in(email="Ann.Lee@Trust.ORG.uk") == ann


def test_once_linked_the_subject_finds_the_account_even_with_a_new_email(sso_config, make):
    ann = make.user("viewer", email="ann.lee@trust.org.uk")
    sign_in()
    assert sign_in(email="ann.smith@trust.org.uk") == ann
    assert count(m.User) == 1
    assert db.session.execute(select(m.SsoIdentity.email)).scalar_one() == "ann.smith@trust.org.uk"


def test_the_same_subject_at_another_provider_is_another_identity(sso_config, make):
    make.user("viewer", email="ann.lee@trust.org.uk")
    sign_in("google")
    sign_in("microsoft", tid=TENANT)
    assert sorted(db.session.execute(select(m.SsoIdentity.provider)).scalars()) == [
        "google", "microsoft"]


@pytest.mark.parametrize("verified, tid, provider, ok", [
    (True, None, "google", True),
    ("true", None, "google", True),      # some providers send the claim as a string
    (False, None, "google", False),
    (None, None, "google", False),       # no claim at all
    ("yes", None, "google", False),
    (None, TENANT, "microsoft", True),   # Entra: the tenant vouches for its people's email
    (None, "another-tenant", "microsoft", False),
    (None, TENANT, "google", False),     # a tid means nothing to a provider with no tenant
])
def test_only_an_email_the_provider_vouches_for_is_matched(sso_config, make, verified, tid,
                                                            provider, ok):
    ann = make.user("viewer", email="ann.lee@trust.org.uk")
    extra = {"tid": tid} if tid else {}
    if ok:
        assert sign_in(provider, verified=verified, **extra) == ann
    else:
        assert refused(provider, verified=verified, **extra).reason == "unverified"
        assert count(m.SsoIdentity) == 0


def test_a_deactivated_person_is_refused_by_email_and_by_link(sso_config, make):
    ann = make.user("viewer", email="ann.lee@trust.org.uk")
    sign_in()
    ann.active = False
    db.session.commit()
    assert refused().reason == "deactivated"
    assert refused(sub="sub-2", provider="microsoft", tid=TENANT).reason == "deactivated"


def test_an_account_linked_to_another_subject_is_not_taken_over_by_a_new_one(sso_config, make):
    """A mailbox the provider gave to someone new does not open the old holder's account."""
    make.user("viewer", email="ann.lee@trust.org.uk")
    sign_in(sub="first-holder")
    assert refused(sub="second-holder").reason == "conflict"


def test_a_token_without_a_subject_is_refused(sso_config, make):
    make.user("viewer", email="ann.lee@trust.org.uk")
    for bad in ("", None, 5, "x" * 256):
        assert refused(sub=bad).reason == "invalid"


def test_an_unknown_provider_name_is_refused(sso_config):
    assert refused("nope").reason == "invalid"


# --- the waiting account --------------------------------------------------------------

def test_an_unknown_person_of_an_allowed_domain_waits_and_every_active_admin_is_told(
        sso_config, make):
    admins = [make.user("admin"), make.user("admin")]
    make.user("admin", active=False)
    make.user("central_team")
    why = refused(email="new.teacher@trust.org.uk", name="New Teacher")
    assert why.reason == "waiting" and "waiting for an admin" in why.message
    person = db.session.execute(select(m.User).where(
        m.User.email == "new.teacher@trust.org.uk")).scalar_one()
    assert (person.role, person.schools, person.name, person.active) == (
        None, [], "New Teacher", True)
    assert person.password_hash == UNUSABLE_PASSWORD
    assert not verify_password(person.password_hash, UNUSABLE_PASSWORD)
    mail = db.session.execute(select(m.OutboxMessage).order_by(m.OutboxMessage.id)).scalars().all()
    assert [msg.recipient_id for msg in mail] == [a.id for a in admins]
    assert "new.teacher@trust.org.uk" in mail[0].body_text
    assert "https://t/admin/people" in mail[0].body_text
    assert actions() == ["sso_account_requested", "sso_refused"]


def test_asking_again_while_waiting_opens_no_second_account_and_sends_no_more_mail(
        sso_config, make):
    make.user("admin")
    refused(email="new.teacher@trust.org.uk")
    assert refused(email="new.teacher@trust.org.uk").reason == "waiting"
    assert refused(email="new.teacher@trust.org.uk", sub="sub-1").reason == "waiting"
    assert (count(m.User), count(m.OutboxMessage)) == (2, 1)


@pytest.mark.parametrize("domains, email, reason", [
    (DOMAIN, "someone@elsewhere.example.org", "domain"),
    (DOMAIN, "someone@sub.trust.org.uk", "domain"),     # only the domains named
    (DOMAIN, "someone@trust.org.uk.evil.example", "domain"),
    ("", "someone@trust.org.uk", "unknown"),             # nobody may ask for an account
])
def test_anyone_else_unknown_is_refused_and_no_account_is_made(sso_config, make, domains, email,
                                                               reason):
    sso_config["SSO_ALLOWED_DOMAINS"] = domains
    assert refused(email=email).reason == reason
    assert count(m.User) == 0


def test_the_allowed_domains_are_read_case_and_space_insensitively(app):
    assert sso.allowed_domains({"SSO_ALLOWED_DOMAINS": " Trust.org.uk, @school.sch.uk ,"}) == {
        "trust.org.uk", "school.sch.uk"}


def test_a_name_is_cleaned_and_falls_back_to_the_email(sso_config):
    assert sso.display_name({"name": "Ann\nLee\x00"}, "a@x.org") == "Ann Lee"
    assert sso.display_name({"given_name": "Ann", "family_name": "Lee"}, "a@x.org") == "Ann Lee"
    assert sso.display_name({"name": 7}, "ann.lee@x.org") == "ann.lee"


def test_every_refusal_is_in_the_audit_log_with_its_reason(sso_config, make):
    make.user("viewer", email="ann.lee@trust.org.uk")
    refused(verified=False)
    entry = db.session.execute(select(m.AuditEntry).where(
        m.AuditEntry.action == "sso_refused")).scalar_one()
    assert entry.changes == {"reason": "unverified", "provider": "google",
                             "email": "ann.lee@trust.org.uk"}


def test_a_refusal_names_the_provider_as_people_call_it(sso_config, make):
    make.user("viewer", email="ann.lee@trust.org.uk")
    assert refused("microsoft", verified=False).message.startswith(
        "Microsoft has not confirmed that ann.lee@trust.org.uk is yours")


# --- approval ---------------------------------------------------------------------------

def waiting_person(make):
    make.user("admin")
    refused(email="new.teacher@trust.org.uk", name="New Teacher")
    return db.session.execute(select(m.User).where(m.User.role.is_(None))).scalar_one()


def test_an_admin_approves_a_waiting_person_who_then_signs_in(sso_config, make):
    school = make.school()
    admin = make.user("admin")
    person = waiting_person(make)
    sso.approve(db.session, admin, person, person.version, "project_lead", [school.id])
    db.session.commit()
    assert (person.role, person.school_ids) == ("project_lead", [school.id])
    assert sign_in(email="new.teacher@trust.org.uk") == person
    assert actions()[-2:] == ["sso_approved", "sso_login"]


def test_only_an_admin_approves_and_only_someone_waiting(sso_config, make):
    person = waiting_person(make)
    lead = make.user("school_lead")
    with pytest.raises(Forbidden):
        sso.approve(db.session, lead, person, person.version, "viewer")
    admin = make.user("admin")
    with pytest.raises(Invalid):
        sso.approve(db.session, admin, person, person.version, "emperor")
    with pytest.raises(Invalid):
        sso.approve(db.session, admin, lead, lead.version, "viewer")


def test_a_refused_request_deactivates_the_account_and_sso_refuses_it(sso_config, make):
    admin = make.user("admin")
    person = waiting_person(make)
    sso.refuse_request(db.session, admin, person)
    db.session.commit()
    assert not person.active
    assert refused(email="new.teacher@trust.org.uk").reason == "deactivated"


def test_a_waiting_person_has_no_session_and_no_token(app, make, login_as):
    person = make.user("viewer")
    raw, _token = issue_token(db.session, person, 1)
    person.role = None  # as if they had asked through single sign-on, with a password too
    db.session.commit()
    response = app.test_client().post("/login", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 200  # the form again: no session
    assert app.test_client().get("/api/v1/users/me", headers={
        "Authorization": f"Bearer {raw}"}).status_code == 401
    viewer = make.user("viewer")
    client = login_as(viewer)
    viewer.role = None  # waiting again (an admin cannot do this; it checks the session does)
    db.session.commit()
    assert client.get("/").status_code == 302


# --- the pages --------------------------------------------------------------------------

def test_the_people_page_lists_who_waits_and_approves_them(sso_config, make, login_as):
    school = make.school()
    admin = make.user("admin")
    person = waiting_person(make)
    client = login_as(admin)
    page = client.get("/admin/people").get_data(as_text=True)
    assert "Waiting for approval" in page and "new.teacher@trust.org.uk" in page
    response = client.post(f"/admin/people/{person.id}/approve", data={
        "role": "school_lead", "school_ids": [school.id], "version": person.version})
    assert response.status_code == 302
    db.session.expire_all()
    assert (person.role, person.school_ids) == ("school_lead", [school.id])
    page = client.get("/admin/people").get_data(as_text=True)
    assert "Waiting for approval" not in page
    log = client.get("/admin/audit?action=sso_approved").get_data(as_text=True)
    assert "approved" in log and "New Teacher" in log


def test_a_bad_approval_says_why_and_changes_nothing(sso_config, make, login_as):
    admin = make.user("admin")
    person = waiting_person(make)
    client = login_as(admin)
    for data in ({"role": "emperor", "version": person.version},
                 {"role": "viewer", "school_ids": ["9999"], "version": person.version},
                 {"role": "viewer", "school_ids": ["x"], "version": person.version}):
        response = client.post(f"/admin/people/{person.id}/approve", data=data,
                               follow_redirects=True)
        assert response.status_code == 200
        assert "can sign in now" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert person.role is None


def test_refusing_on_the_people_page_deactivates(sso_config, make, login_as):
    admin = make.user("admin")
    person = waiting_person(make)
    response = login_as(admin).post(f"/admin/people/{person.id}/refuse")
    assert response.status_code == 302
    db.session.expire_all()
    assert not person.active


def test_the_sign_in_page_has_a_button_per_provider(sso_config, client):
    page = client.get("/login?next=/initiatives").get_data(as_text=True)
    assert 'href="/sso/google/start?next=/initiatives">Sign in with Google</a>' in page
    assert 'href="/sso/microsoft/start?next=/initiatives">Sign in with Microsoft</a>' in page
    assert "administrators only" not in page


def test_with_password_login_for_admins_only_the_page_says_so_and_only_admins_get_in(
        sso_config, make):
    sso_config["PASSWORD_LOGIN"] = "admins"
    from flask import current_app
    client = current_app.test_client()
    assert "Password sign-in is for administrators only" in client.get("/login").get_data(
        as_text=True)
    lead = make.user("school_lead")
    response = client.post("/login", data={"email": lead.email, "password": PASSWORD})
    assert response.status_code == 200
    assert current_app.test_client().post("/api/v1/tokens", json={
        "email": lead.email, "password": PASSWORD}).status_code == 401
    admin = make.user("admin")
    assert client.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("query", [
    "", "?state=forged&code=abc", "?error=access_denied&error_description=no",
    "?state=" + "x" * 5000 + "&code=" + "y" * 5000, "?state=%00&code=%ff",
])
def test_a_forged_callback_is_a_refusal_page_in_the_log(sso_config, client, query):
    response = client.get("/sso/google/callback" + query)
    assert response.status_code == 403
    assert "could not be checked" in response.get_data(as_text=True)
    assert actions() == ["sso_refused"]


def test_an_unknown_provider_is_not_found(sso_config, client):
    assert client.get("/sso/nope/start").status_code == 404
    assert client.get("/sso/nope/callback?state=a&code=b").status_code == 404


def test_a_provider_that_cannot_be_reached_is_a_clear_page(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SSO_PROVIDERS", {"down": {
        "issuer": "http://127.0.0.1:9", "client_id": "c", "label": "Sign in with Down"}})
    response = client.get("/sso/down/start")
    assert response.status_code == 503
    assert "not reachable" in response.get_data(as_text=True)


# --- settings and words -----------------------------------------------------------------

def test_the_providers_are_read_from_the_environment():
    env = {"SSO_PROVIDERS": "Microsoft, google",
           "SSO_MICROSOFT_ISSUER": f"https://login.microsoftonline.com/{TENANT}/v2.0",
           "SSO_MICROSOFT_CLIENT_ID": "m-id", "SSO_MICROSOFT_CLIENT_SECRET": "m-secret",
           "SSO_MICROSOFT_TENANT_ID": TENANT,
           "SSO_GOOGLE_ISSUER": "https://accounts.google.com", "SSO_GOOGLE_CLIENT_ID": "g-id",
           "SSO_GOOGLE_LABEL": "Sign in with Google Workspace", "SSO_GOOGLE_HD": DOMAIN}
    found = config._sso_providers(env)
    assert list(found) == ["microsoft", "google"]
    assert found["microsoft"]["tenant_id"] == TENANT
    assert found["microsoft"]["label"] == "Sign in with Microsoft"
    assert found["google"]["authorize_params"] == {"hd": DOMAIN}
    assert [p.name for p in sso.providers({"SSO_PROVIDERS": found})] == ["microsoft", "google"]
    assert config._sso_providers({}) == {}


def test_a_provider_named_without_its_issuer_stops_start_up():
    with pytest.raises(RuntimeError, match="SSO_GOOGLE_ISSUER"):
        config._sso_providers({"SSO_PROVIDERS": "google", "SSO_GOOGLE_CLIENT_ID": "x"})


@pytest.mark.parametrize("action, changes, words", [
    ("sso_login", {"provider": "google"}, "signed in through single sign-on (“google”)"),
    ("sso_refused", {"reason": "domain", "provider": "google", "email": "a@b.org"},
     "A single sign-on as “a@b.org” through “google” was refused: not an email "
     "domain of the trust"),
    ("sso_account_requested", {"provider": "google", "email": "a@b.org"},
     "Ann Lee asked for an account through single sign-on (“google”)"),
    ("sso_approved", {"role": "viewer"}, "approved Ann Lee as “viewer”"),
])
def test_the_audit_log_reads_each_single_sign_on_event(action, changes, words):
    entry = SimpleNamespace(action=action, changes=changes, actor_id=None, record_type="users",
                            record_id=3)
    names = audit_sentences.Names(labels={("users", 3): "Ann Lee"})
    assert words in str(audit_sentences.describe(entry, names))
    assert action in audit_sentences.ACTION_WORDS


# --- the session a real provider's sign-in starts ---------------------------------------

def test_a_single_sign_on_session_is_fresh_and_ends_like_a_password_one(app, use_sso, make):
    """Through the real provider (tests/oidc_fixtures.py): the session is new at sign-in, ends
    after SESSION_IDLE_MINUTES without a request, and sign-out ends it everywhere."""
    from tests.oidc_fixtures import PROVIDER_NAME, sign_in_at_provider

    use_sso(app)
    known = make.user("school_lead", email="known.person@trust.org.uk")

    def signed_in_client():
        client = app.test_client()
        with client.session_transaction() as session:
            session["left_over"] = "from before sign-in"
        start = client.get(f"/sso/{PROVIDER_NAME}/start?next=/initiatives")
        response = client.get(sign_in_at_provider(start.location, "known"))
        assert (response.status_code, response.location) == (302, "/initiatives")
        with client.session_transaction() as session:
            assert "left_over" not in session
            assert not [key for key in session if key.startswith("_state_")]
        return client

    client = signed_in_client()
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["seen_at"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    assert client.get("/").location.startswith("/login")

    client, other = signed_in_client(), signed_in_client()
    assert client.post("/logout").status_code == 302
    assert other.get("/").status_code == 302  # sign-out ended this person's other sessions
    db.session.expire_all()
    assert known.last_login_at is not None


def test_the_api_shows_a_waiting_person_with_no_role(sso_config, make, api_as):
    person = waiting_person(make)
    admin = make.user("admin")
    answer = api_as(admin).get(f"/api/v1/users/{person.id}").get_json()
    assert (answer["email"], answer["role"], answer["school_ids"]) == (
        "new.teacher@trust.org.uk", None, [])


def test_the_people_page_asks_as_many_queries_for_one_or_many_waiting(
        sso_config, make, login_as, count_queries):
    for _ in range(3):
        make.school()
    client = login_as(make.user("admin"))

    def queries():
        with count_queries() as counted:
            assert client.get("/admin/people").status_code == 200
        return counted.count

    refused(email="first@trust.org.uk", sub="first")
    one = queries()
    for n in range(6):
        refused(email=f"person{n}@trust.org.uk", sub=f"s{n}")
    assert queries() == one


def test_a_waiting_person_gets_no_digest(sso_config, make):
    from datetime import date, timedelta

    from tracker import digests

    initiative = make.initiative()
    make.milestone(initiative, due_on=date.today() - timedelta(days=5))
    admin = make.user("admin")
    person = waiting_person(make)
    readers = digests.digest(db.session, date.today())
    assert admin.id in readers and person.id not in readers
