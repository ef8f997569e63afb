"""Single sign-on against a real OpenID Connect provider (issue 16), without a browser.

The provider is oidc-provider on loopback (tests/oidc_fixtures.py): the app's redirect goes to
its real authorization endpoint, the person signs in on its real login page (posted over HTTP,
as a browser would), and its real answer comes back to the app's callback, which exchanges the
code at its real token endpoint and checks a real signed ID token. Where a browser cannot make
the bad answer (a token for another client, an expired one, one signed with another key), real
tokens from the provider go to ``sso.verify_id_token``, the check the callback uses.
"""
import base64
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.oidc_fixtures import LABEL, PROVIDER_NAME, TENANT_ID, provider_tokens, sign_in_at_provider
from tracker import sso
from tracker import models as m
from tracker.extensions import db

START = f"/sso/{PROVIDER_NAME}/start"


@pytest.fixture
def sso_app(app, use_sso):
    return use_sso(app)


def answer_from_provider(client, login):
    """The provider's answer (the callback URL it sends the browser to) after ``login`` signs
    in there (None: cancels there), starting from the app's sign-in button."""
    start = client.get(START)
    assert start.status_code == 302
    return sign_in_at_provider(start.location, login)


def sign_in_with_provider(client, login):
    """``client`` goes through the whole flow as ``login``: the app's answer to the callback."""
    return client.get(answer_from_provider(client, login))


def signed_in_as(client):
    """The email of whoever ``client``'s session is signed in as (their account page opens),
    or None."""
    if client.get("/account").status_code != 200:
        return None
    with client.session_transaction() as session:
        user_id = int(session["_user_id"].partition(":")[0])
    return db.session.get(m.User, user_id).email


def refusals():
    """The audit log's refused single sign-ons, oldest first: (reason, email) each."""
    entries = db.session.execute(select(m.AuditEntry).where(
        m.AuditEntry.action == "sso_refused").order_by(m.AuditEntry.id)).scalars()
    return [(e.changes["reason"], e.changes.get("email")) for e in entries]


def events(action):
    return db.session.execute(select(m.AuditEntry).where(
        m.AuditEntry.action == action).order_by(m.AuditEntry.id)).scalars().all()


def assert_refused(response, sentence):
    page = response.get_data(as_text=True)
    assert response.status_code == 403, page[:500]
    assert sentence in page


def user_count():
    return db.session.scalar(select(func.count(m.User.id)))


# --- who gets in -----------------------------------------------------------------------

def test_a_known_person_signs_in_and_their_provider_account_is_linked(sso_app, make):
    school = make.school()
    person = make.user("school_lead", schools=[school], email="known.person@trust.org.uk")
    client = sso_app.test_client()

    response = sign_in_with_provider(client, "known")

    assert response.status_code == 302 and urlsplit(response.location).path == "/"
    assert signed_in_as(client) == "known.person@trust.org.uk"
    assert client.get("/").status_code == 200
    link = db.session.execute(select(m.SsoIdentity)).scalar_one()
    assert (link.user_id, link.provider, link.subject) == (person.id, PROVIDER_NAME, "known")
    assert [e.record_id for e in events("sso_login")] == [person.id]


def test_the_sign_in_button_takes_the_person_back_where_they_were_going(sso_app, make):
    make.user("school_lead", email="known.person@trust.org.uk")
    client = sso_app.test_client()
    start = client.get(f"{START}?next=/my-week")
    response = client.get(sign_in_at_provider(start.location, "known"))
    assert response.status_code == 302 and urlsplit(response.location).path == "/my-week"


def test_the_app_asks_the_provider_for_a_code_with_pkce_state_and_nonce(sso_app):
    query = parse_qs(urlsplit(sso_app.test_client().get(START).location).query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    assert query["state"][0] and query["nonce"][0]


def test_an_unknown_person_of_an_allowed_domain_waits_until_an_admin_approves_them(
        sso_app, make, login_as):
    school = make.school()
    admin = make.user("admin", email="head.admin@trust.org.uk")
    client = sso_app.test_client()

    response = sign_in_with_provider(client, "newcomer")

    assert_refused(response, "waiting for an admin")
    waiting = db.session.execute(select(m.User).where(
        m.User.email == "new.teacher@trust.org.uk")).scalar_one()
    assert waiting.role is None and waiting.schools == [] and waiting.name == "New Teacher"
    told = db.session.execute(select(m.OutboxMessage)).scalars().all()
    assert [message.recipient_id for message in told] == [admin.id]
    assert [e.record_id for e in events("sso_account_requested")] == [waiting.id]
    assert refusals() == [("waiting", "new.teacher@trust.org.uk")]
    # Signing in again while waiting opens no second account.
    assert_refused(sign_in_with_provider(sso_app.test_client(), "newcomer"), "waiting")
    assert user_count() == 2

    approve_on_the_people_page(login_as(admin), waiting, "project_lead", [school])

    client = sso_app.test_client()
    assert sign_in_with_provider(client, "newcomer").status_code == 302
    assert signed_in_as(client) == "new.teacher@trust.org.uk"
    assert [e.record_id for e in events("sso_approved")] == [waiting.id]
    db.session.refresh(waiting)
    assert waiting.role == "project_lead" and waiting.schools == [school]


def approve_on_the_people_page(admin_client, person, role, schools):
    """The admin finds ``person`` under "Waiting for approval" and approves them."""
    page = admin_client.get("/admin/people").get_data(as_text=True)
    assert "Waiting for approval" in page and person.email in page
    response = admin_client.post(f"/admin/people/{person.id}/approve", data={
        "role": role, "school_ids": [s.id for s in schools], "version": person.version})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def test_a_newcomer_the_admin_refuses_cannot_sign_in(sso_app, make, login_as):
    admin = make.user("admin", email="head.admin@trust.org.uk")
    assert_refused(sign_in_with_provider(sso_app.test_client(), "newcomer"), "waiting")
    waiting = db.session.execute(select(m.User).where(m.User.role.is_(None))).scalar_one()

    assert login_as(admin).post(f"/admin/people/{waiting.id}/refuse").status_code == 302

    assert_refused(sign_in_with_provider(sso_app.test_client(), "newcomer"), "deactivated")
    assert [reason for reason, _ in refusals()] == ["waiting", "deactivated"]


def test_someone_outside_the_allowed_domains_is_refused_and_no_account_is_made(sso_app, make):
    make.user("admin")
    assert_refused(sign_in_with_provider(sso_app.test_client(), "outsider"),
                   "not an email address of the trust")
    assert user_count() == 1
    assert refusals() == [("domain", "someone@elsewhere.example")]


def test_an_email_the_provider_has_not_verified_is_refused(sso_app, make):
    # Even though an account here has that email: the provider does not vouch for it.
    make.user("school_lead", email="unverified@trust.org.uk")
    client = sso_app.test_client()
    assert_refused(sign_in_with_provider(client, "unverified"), "has not confirmed")
    assert signed_in_as(client) is None
    assert db.session.scalar(select(func.count(m.SsoIdentity.id))) == 0
    assert refusals() == [("unverified", "unverified@trust.org.uk")]


def test_a_deactivated_person_is_refused(sso_app, make):
    make.user("school_lead", email="leaver@trust.org.uk", active=False)
    client = sso_app.test_client()
    assert_refused(sign_in_with_provider(client, "leaver"), "deactivated")
    assert signed_in_as(client) is None
    assert refusals() == [("deactivated", "leaver@trust.org.uk")]


def test_a_person_deactivated_after_linking_is_refused_too(sso_app, make):
    person = make.user("school_lead", email="known.person@trust.org.uk")
    assert sign_in_with_provider(sso_app.test_client(), "known").status_code == 302
    person.active = False
    db.session.commit()
    assert_refused(sign_in_with_provider(sso_app.test_client(), "known"), "deactivated")


def test_a_new_email_at_the_provider_signs_in_to_the_same_account(sso_app, make, oidc_provider):
    person = make.user("school_lead", email="mover@trust.org.uk")
    assert sign_in_with_provider(sso_app.test_client(), "mover").status_code == 302

    with oidc_provider.account_changed("mover", email="mover.renamed@trust.org.uk"):
        client = sso_app.test_client()
        assert sign_in_with_provider(client, "mover").status_code == 302

    assert signed_in_as(client) == "mover@trust.org.uk"
    assert user_count() == 1
    assert [e.record_id for e in events("sso_login")] == [person.id, person.id]


def test_an_entra_tenant_vouches_for_its_people_by_the_tid_claim(app, use_sso, make):
    # The "tenant" account has no email_verified, as with Microsoft Entra ID: its tid vouches.
    make.user("school_lead", email="tenant.person@trust.org.uk")
    use_sso(app, tenant_id=TENANT_ID)
    client = app.test_client()
    assert sign_in_with_provider(client, "tenant").status_code == 302
    assert signed_in_as(client) == "tenant.person@trust.org.uk"


def test_another_tenant_does_not_vouch_for_an_email(app, use_sso, make):
    make.user("school_lead", email="tenant.person@trust.org.uk")
    use_sso(app, tenant_id="00000000-0000-0000-0000-000000000000")
    assert_refused(sign_in_with_provider(app.test_client(), "tenant"), "has not confirmed")


# --- answers that are refused ------------------------------------------------------------

def test_a_replayed_answer_is_refused_even_in_the_browser_that_used_it(sso_app, make):
    make.user("school_lead", email="known.person@trust.org.uk")
    client = sso_app.test_client()
    answer = answer_from_provider(client, "known")
    assert client.get(answer).status_code == 302
    client.post("/logout")
    assert signed_in_as(client) is None

    # The same answer again: its state (and the nonce kept with it) was spent.
    assert_refused(client.get(answer), "could not be checked")
    assert signed_in_as(client) is None
    # And in another browser, which never had that state at all.
    assert_refused(sso_app.test_client().get(answer), "could not be checked")
    assert refusals() == [("invalid", None), ("invalid", None)]


def test_an_answer_meant_for_another_browser_is_refused(sso_app, make):
    # Someone sends their answer to a victim (login CSRF): the victim's session has no such state.
    make.user("school_lead", email="known.person@trust.org.uk")
    attacker, victim = sso_app.test_client(), sso_app.test_client()
    victim.get(START)
    assert_refused(victim.get(answer_from_provider(attacker, "known")), "could not be checked")
    assert signed_in_as(victim) is None


def test_a_person_who_cancels_at_the_provider_gets_a_clear_page(sso_app):
    client = sso_app.test_client()
    answer = answer_from_provider(client, None)  # Cancel on the provider's login page
    assert parse_qs(urlsplit(answer).query)["error"] == ["access_denied"]
    assert_refused(client.get(answer), "could not be checked")
    assert signed_in_as(client) is None
    assert refusals() == [("invalid", None)]


@pytest.mark.parametrize("query", [
    "", "code=abc", "state=forged&code=abc", "state=" + "x" * 5000 + "&code=1",
    "error=server_error&error_description=%3Cscript%3E", "code[]=1&state[]=2",
])
def test_a_forged_or_garbage_answer_is_a_clear_refusal_never_a_500(sso_app, query):
    client = sso_app.test_client()
    client.get(START)  # a state is waiting in the session: the forgery does not match it
    response = client.get(f"/sso/{PROVIDER_NAME}/callback?{query}")
    assert_refused(response, "could not be checked")
    assert "<script>" not in response.get_data(as_text=True)
    assert len(refusals()) == 1


def test_an_answer_replayed_with_the_browsers_old_cookie_is_refused_by_the_spent_code(
        sso_app, make):
    # The session is a signed cookie: replaying the cookie from before the first use brings
    # the state (and nonce) back. The provider still spends its code once, so no second session.
    make.user("school_lead", email="known.person@trust.org.uk")
    client = sso_app.test_client()
    answer = answer_from_provider(client, "known")
    cookie_with_state = client.get_cookie("session").value
    assert client.get(answer).status_code == 302
    client.post("/logout")

    client.set_cookie("session", cookie_with_state)
    assert_refused(client.get(answer), "could not be checked")
    assert signed_in_as(client) is None
    assert [reason for reason, _ in refusals()] == ["invalid"]
    assert "code exchange" in events("sso_refused")[0].changes["detail"]


# --- the ID token's own checks, with real tokens from the provider -----------------------

def _part(id_token, index):
    """The decoded JSON of part ``index`` of a token (0: header, 1: claims), unchecked."""
    part = id_token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _unverified_claims(id_token):
    return _part(id_token, 1)


def test_a_real_token_for_the_tracker_passes_the_check(sso_app, oidc_provider):
    token = provider_tokens(oidc_provider, "known", nonce="nonce-1")["id_token"]
    claims = sso.verify_id_token(PROVIDER_NAME, token, "nonce-1")
    assert (claims["sub"], claims["email"], claims["aud"]) == ("known", "known.person@trust.org.uk",
                                                               "tracker")


def test_a_token_issued_to_another_client_is_refused(sso_app, oidc_provider):
    token = provider_tokens(oidc_provider, "known", client_id="other-app", nonce="n")["id_token"]
    assert _unverified_claims(token)["aud"] == "other-app"
    with pytest.raises(sso.Refused) as refused:
        sso.verify_id_token(PROVIDER_NAME, token, "n")
    assert refused.value.reason == "invalid"


def test_an_expired_token_is_refused(sso_app, oidc_provider):
    token = provider_tokens(oidc_provider, "known", nonce="n")["id_token"]
    expires = _unverified_claims(token)["exp"]
    assert sso.verify_id_token(PROVIDER_NAME, token, "n", now=expires - 1)
    with pytest.raises(sso.Refused):
        sso.verify_id_token(PROVIDER_NAME, token, "n", now=expires + sso.LEEWAY + 1)


def test_a_token_with_another_nonce_is_refused(sso_app, oidc_provider):
    # The nonce ties the token to the sign-in this browser started: a token from another is refused.
    token = provider_tokens(oidc_provider, "known", nonce="theirs")["id_token"]
    with pytest.raises(sso.Refused):
        sso.verify_id_token(PROVIDER_NAME, token, "mine")


@pytest.mark.parametrize("same_key_id", [True, False], ids=["same-kid", "new-kid"])
def test_a_token_signed_with_another_key_is_refused(sso_app, oidc_provider, same_key_id):
    token = provider_tokens(oidc_provider, "known", nonce="n")["id_token"]
    header = _part(token, 0)
    forger = RSAKey.generate_key(2048)
    kid = header["kid"] if same_key_id else "forger"
    forged = jwt.encode({"alg": "RS256", "kid": kid}, _unverified_claims(token), forger)
    with pytest.raises(sso.Refused):
        sso.verify_id_token(PROVIDER_NAME, forged, "n")


def test_a_token_signed_with_the_client_secret_is_refused(sso_app, oidc_provider):
    # HS256 keyed by the client secret is not the provider's signature: anyone holding the
    # secret (the app itself) could make one.
    token = provider_tokens(oidc_provider, "known", nonce="n")["id_token"]
    secret = OctKey.import_key(oidc_provider.clients["tracker"]["client_secret"])
    forged = jwt.encode({"alg": "HS256"}, _unverified_claims(token), secret)
    with pytest.raises(sso.Refused):
        sso.verify_id_token(PROVIDER_NAME, forged, "n")


# --- password sign-in for admins only -------------------------------------------------

def test_with_password_login_for_admins_only_a_non_admins_password_is_refused(app, use_sso, make):
    use_sso(app, password_login="admins")
    lead = make.user("school_lead", email="lead@trust.org.uk")
    admin = make.user("admin", email="admin@trust.org.uk")
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "Password sign-in is for administrators only" in page and LABEL in page

    client = app.test_client()
    response = client.post("/login", data={"email": lead.email, "password": PASSWORD})
    assert response.status_code == 200 and signed_in_as(client) is None
    assert [e.changes["email"] for e in events("login_failed")] == [lead.email]

    client = app.test_client()
    response = client.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert response.status_code == 302 and signed_in_as(client) == admin.email


def test_with_password_login_for_admins_only_people_still_sign_in_with_the_provider(
        app, use_sso, make):
    use_sso(app, password_login="admins")
    make.user("school_lead", email="known.person@trust.org.uk")
    client = app.test_client()
    assert sign_in_with_provider(client, "known").status_code == 302
    assert signed_in_as(client) == "known.person@trust.org.uk"
