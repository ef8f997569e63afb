"""Single sign-on through OpenID Connect: who a provider's answer lets in, and how.

The flow (docs/SECURITY.md "Single sign-on"): the authorization code flow with PKCE (S256),
state and nonce kept in the person's session, through Authlib's Flask client. The ID token
is checked here, by ``verify_id_token``: signed by a key in the provider's JWKS with an
asymmetric algorithm, issued by the configured issuer, for our client id, unexpired, and
carrying the nonce this browser sent.

Then ``sign_in`` decides who it is, in this order:
1. the provider's subject (``sub``) already linked to an account: that account, whatever
   email the provider now gives (a changed email never opens a second account);
2. an email the provider vouches for (``email_verified``, or for an Entra provider with a
   ``tenant_id`` the token's ``tid`` equal to it) that an account here has: that account,
   linked from now on;
3. an unknown person whose email domain is in ``SSO_ALLOWED_DOMAINS``: a new account with
   no role and no schools, waiting for an admin (every active admin is emailed), refused
   until approved;
4. anyone else is refused. So are deactivated accounts and accounts still waiting.

Every refusal raises ``Refused`` with a reason code and a sentence the refusal page shows.
Functions take the database session, flush and never commit; the caller commits even after
a refusal, so the refusal's audit entry and a new waiting account are kept.
"""
import re
from dataclasses import dataclass

from flask import current_app
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from authlib.oidc.core import CodeIDToken
from requests import RequestException
from sqlalchemy import select

from tracker import clock, permissions, people
from tracker.audit import record_event
from tracker.auth import normalise_email
from tracker.emails import valid_email
from tracker.errors import Invalid
from tracker.models import SsoIdentity, User
from tracker.models.base import utcnow
from tracker.outbox import queue_messages
from tracker.passwords import UNUSABLE_PASSWORD

SCOPE = "openid email profile"
#: Seconds of clock difference allowed between us and the provider (Authlib's default).
LEEWAY = 120
#: Only public-key signatures: never "none", never an HMAC keyed by the client secret.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
              "EdDSA")
#: What can go wrong talking to a provider or reading its answer: each becomes a refusal.
PROVIDER_ERRORS = (AuthlibBaseError, JoseError, RequestException, ValueError, KeyError,
                   TypeError)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

REASONS = {
    "invalid": "The answer from {provider} could not be checked, so you are not signed in. "
               "Start again from the sign-in page.",
    "unverified": "{provider} has not confirmed that {email} is yours, so it cannot be "
                  "matched to an account here.",
    "unknown": "No one here has the email {email}. Ask your trust's admin to add you.",
    "domain": "{email} is not an email address of the trust, so it cannot be used to sign "
              "in here.",
    "deactivated": "Your account here is deactivated. Ask your trust's admin if you need it "
                   "again.",
    "waiting": "Your account is waiting for an admin's approval. The trust's admins have been "
               "told; you can sign in once one of them gives you a role.",
    "conflict": "Your account here is linked to a different {provider} account. Ask your "
                "trust's admin.",
}


class Refused(Exception):
    """Sign-in refused: ``reason`` is a code of ``REASONS``; ``message`` says why in words."""

    def __init__(self, reason, provider=None, email=None, user=None, detail=None):
        """``provider`` is the ``Provider`` (or, when none is configured, the name asked for)."""
        named = isinstance(provider, Provider)
        #: The provider's name in SSO_PROVIDERS, for the audit log.
        self.provider = provider.name if named else (provider or "")
        self.reason, self.email, self.user = reason, email, user
        #: For the audit log only (e.g. which check failed); never shown to the person.
        self.detail = detail
        self.message = REASONS[reason].format(
            provider=provider.display_name if named else "the provider",
            email=email or "this email")
        super().__init__(self.message)


# --- configuration -------------------------------------------------------------------

@dataclass(frozen=True)
class Provider:
    """One OpenID Connect provider from ``SSO_PROVIDERS`` (config.py)."""

    name: str
    issuer: str
    client_id: str
    client_secret: str
    label: str
    authorize_params: tuple = ()
    tenant_id: str = None

    @property
    def display_name(self):
        """What people call it: "Microsoft" for the button "Sign in with Microsoft"."""
        return self.label.removeprefix("Sign in with ").strip() or self.name.title()

    @property
    def metadata_url(self):
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def parse_provider(name, settings):
    """A ``Provider`` from one entry of ``SSO_PROVIDERS``; ValueError names what is missing."""
    missing = [k for k in ("issuer", "client_id") if not settings.get(k)]
    if missing:
        raise ValueError(f"SSO provider {name!r} needs {', '.join(missing)}")
    return Provider(name=name, issuer=settings["issuer"], client_id=settings["client_id"],
                    client_secret=settings.get("client_secret") or "",
                    label=settings.get("label") or f"Sign in with {name.title()}",
                    authorize_params=tuple(sorted((settings.get("authorize_params") or {}).items())),
                    tenant_id=settings.get("tenant_id") or None)


def providers(config=None):
    """The configured providers, in the order given (each a ``Provider``)."""
    config = current_app.config if config is None else config
    return [parse_provider(name, settings)
            for name, settings in (config.get("SSO_PROVIDERS") or {}).items()]


def get_provider(name, config=None):
    """The provider called ``name``, or None."""
    return next((p for p in providers(config) if p.name == name), None)


def allowed_domains(config=None):
    """The email domains whose unknown people may ask for an account (lower case)."""
    config = current_app.config if config is None else config
    value = config.get("SSO_ALLOWED_DOMAINS") or ""
    items = value.split(",") if isinstance(value, str) else value
    return {d.strip().lower().lstrip("@") for d in items if d.strip()}


def password_login_for_admins_only(config=None):
    config = current_app.config if config is None else config
    return config.get("PASSWORD_LOGIN", "all") == "admins"


def client(provider):
    """Authlib's Flask client for ``provider``, made on first use and kept per app.

    Kept by the provider's whole configuration, so settings changed after start-up (tests)
    get a client of their own, while one configuration reuses the provider's metadata and
    JWKS fetched once."""
    cache = current_app.extensions.setdefault("tracker.sso_clients", {})
    if provider not in cache:
        oauth = OAuth(current_app._get_current_object())
        cache[provider] = oauth.register(
            provider.name, client_id=provider.client_id, client_secret=provider.client_secret,
            server_metadata_url=provider.metadata_url,
            authorize_params=dict(provider.authorize_params) or None,
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256",
                           "default_timeout": 10})
    return cache[provider]


# --- the ID token --------------------------------------------------------------------

def verify_id_token(provider_name, id_token, nonce, now=None, access_token=None):
    """The claims of ``id_token`` once checked, or Refused("invalid").

    Checks what Authlib's client checks (signature by a key of the provider's JWKS, fetched
    again once for an unknown key id; issuer; expiry, not-before and issued-at within
    ``LEEWAY``; nonce; azp; at_hash when ``access_token`` is given), and more strictly: the
    issuer must be the configured one, the audience must contain our client id, a nonce
    must be expected and present, and only public-key algorithms are accepted.
    ``now`` (seconds since the epoch) is for tests.
    """
    provider = get_provider(provider_name)
    if provider is None:
        raise Refused("invalid", provider_name, detail="unknown provider")
    if not nonce or not isinstance(id_token, str) or not id_token:
        raise Refused("invalid", provider, detail="no id token or no nonce")
    remote = client(provider)
    try:
        metadata = remote.load_server_metadata()
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in offered if a in ALGORITHMS]
        if not algorithms:  # an empty list would mean joserfc's defaults, HMAC among them
            raise ValueError(f"the provider signs ID tokens only with {offered}")
        registry = JWSRegistry(algorithms=algorithms)
        try:
            token = jwt.decode(id_token, KeySet.import_key_set(remote.fetch_jwk_set()),
                               registry=registry)
        except InvalidKeyIdError:  # the provider may have rolled its keys
            token = jwt.decode(id_token, KeySet.import_key_set(remote.fetch_jwk_set(force=True)),
                               registry=registry)
        params = {"nonce": nonce, "client_id": provider.client_id}
        if access_token:
            params["access_token"] = access_token
        options = {"iss": {"essential": True, "value": provider.issuer},
                   "aud": {"essential": True, "values": [provider.client_id]},
                   "sub": {"essential": True}, "exp": {"essential": True},
                   "nonce": {"essential": True}}
        claims = CodeIDToken(token.claims, token.header, options, params)
        claims.validate(now=now, leeway=LEEWAY)
    except PROVIDER_ERRORS as error:
        raise Refused("invalid", provider,
                      detail=f"{type(error).__name__}: {error}"[:200]) from None
    return dict(claims)


# --- who it is -----------------------------------------------------------------------

def vouched_email(provider, claims):
    """The email the provider vouches for, lower-cased, or None."""
    email = claims.get("email")
    if not isinstance(email, str) or not email:
        return None
    verified = claims.get("email_verified") in (True, "true")
    in_tenant = provider.tenant_id is not None and claims.get("tid") == provider.tenant_id
    return normalise_email(email) if verified or in_tenant else None


def sign_in(session, provider_name, claims, approval_url=""):
    """The account ``claims`` (checked by ``verify_id_token``) sign in, or Refused.

    Links the provider's subject to the account on first use and records "sso_login".
    An unknown person of an allowed domain gets a waiting account (see module docstring)
    and is refused with "waiting"; ``approval_url`` is the people page, named in the email
    to the admins.
    """
    provider = get_provider(provider_name)
    if provider is None:
        raise Refused("invalid", provider_name, detail="unknown provider")
    subject = claims.get("sub")
    raw_email = claims.get("email") if isinstance(claims.get("email"), str) else None
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise Refused("invalid", provider, raw_email, detail="no usable sub")
    link = session.execute(select(SsoIdentity).where(
        SsoIdentity.provider == provider.name, SsoIdentity.subject == subject)).scalar_one_or_none()
    email = vouched_email(provider, claims)
    if link is not None:
        return _let_in(session, provider, link.user, link, email)
    if email is None:
        raise Refused("unverified", provider, normalise_email(raw_email) or None)
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is not None:
        _refuse_closed(provider, user, email)
        other = session.execute(select(SsoIdentity.id).where(
            SsoIdentity.user_id == user.id, SsoIdentity.provider == provider.name)).first()
        if other is not None:
            raise Refused("conflict", provider, email, user=user,
                          detail="account linked to another subject")
        link = _link(session, provider, user, subject, email)
        return _let_in(session, provider, user, link, email)
    domain = email.rpartition("@")[2]
    if domain not in allowed_domains():
        raise Refused("domain" if allowed_domains() else "unknown", provider, email)
    if not valid_email(email):
        raise Refused("invalid", provider, email, detail="email not deliverable")
    user = _request_account(session, provider, subject, email, claims, approval_url)
    raise Refused("waiting", provider, email, user=user)


def _refuse_closed(provider, user, email):
    if not user.active:
        raise Refused("deactivated", provider, email, user=user)
    if user.role is None:
        raise Refused("waiting", provider, email, user=user)


def _let_in(session, provider, user, link, email):
    _refuse_closed(provider, user, email or link.email)
    now = utcnow()
    link.last_used_at = now
    if email:
        link.email = email
    user.last_login_at = now
    record_event(session, "sso_login", "users", user.id, {"provider": provider.name},
                 actor_id=user.id)
    session.flush()
    return user


def _link(session, provider, user, subject, email):
    link = SsoIdentity(user_id=user.id, provider=provider.name, subject=subject, email=email)
    session.add(link)
    session.flush()
    return link


def display_name(claims, email):
    """The person's name from the token, cleaned; the email's local part when it has none."""
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        given, family = claims.get("given_name"), claims.get("family_name")
        name = " ".join(p for p in (given, family) if isinstance(p, str) and p.strip())
    name = _CONTROL.sub(" ", name or "").strip()[:200]
    return name or email.partition("@")[0][:200]


def _request_account(session, provider, subject, email, claims, approval_url):
    user = User(email=email, name=display_name(claims, email), role=None,
                password_hash=UNUSABLE_PASSWORD, schools=[])
    session.add(user)
    session.flush()
    _link(session, provider, user, subject, email)
    record_event(session, "sso_account_requested", "users", user.id,
                 {"provider": provider.name, "email": email}, actor_id=user.id)
    _tell_admins(session, user, provider, approval_url)
    session.flush()
    return user


def _tell_admins(session, user, provider, approval_url):
    admins = session.execute(select(User).where(
        User.role == "admin", User.active.is_(True))).scalars().all()
    where = f"\n\nApprove or refuse them on the people page:\n{approval_url}" if approval_url else \
        "\n\nApprove or refuse them on the people page."
    text = (f"{user.name} ({user.email}) signed in with {provider.display_name} "
            f"and asks to use the improvement tracker. They have no role and see nothing until "
            f"an admin gives them one.{where}\n")
    queue_messages(session, [dict(kind="sso_request", recipient=admin,
                                  subject=f"{user.name} asks to use the tracker", text=text,
                                  html=None, key_date=clock.today(), subject_key=f"sso-{user.id}")
                             for admin in admins])


def record_refusal(session, refused):
    """Log a refused single sign-on ("sso_refused") with its reason, provider and email."""
    details = {"reason": refused.reason, "provider": refused.provider, "email": refused.email}
    if refused.detail:
        details["detail"] = refused.detail
    user_id = refused.user.id if refused.user is not None else None
    record_event(session, "sso_refused", "users", user_id, details, actor_id=None)


# --- approval ------------------------------------------------------------------------

def waiting_people():
    """A select of the active accounts waiting for a role, oldest request first."""
    return select(User).where(User.role.is_(None), User.active.is_(True)).order_by(
        User.created_at, User.id)


def approve(session, actor, user, version, role, school_ids=()):
    """Give a waiting person a role (and schools): they can sign in from now on.

    Raises Forbidden for a non-admin, Invalid when the person is not waiting or the role
    is not one of the roles, StaleVersion when someone changed them meanwhile.
    """
    permissions.require(actor, permissions.ADMINISTER)
    if user.role is not None or not user.active:
        raise Invalid("This person is not waiting for approval.",
                      fields={"role": ["This person is not waiting for approval."]})
    # people.update_user checks the role and records "sso_approved" (also when an admin gives
    # a waiting person a role on their edit page).
    return people.update_user(session, actor, user, version, role=role,
                              school_ids=list(school_ids))


def refuse_request(session, actor, user):
    """Refuse a person waiting for approval: their account is deactivated (kept, so their
    provider's subject stays linked and is refused as deactivated). Invalid when the person
    is not waiting."""
    permissions.require(actor, permissions.ADMINISTER)
    if user.role is not None or not user.active:
        raise Invalid("This person is not waiting for approval.")
    return people.deactivate_user(session, actor, user)
