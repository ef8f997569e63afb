"""A real OpenID Connect provider for the single sign-on tests (issue 16), not a mock.

``oidc_provider`` (session scope) starts ``node tests/oidc/provider.js`` (oidc-provider, installed
by scripts/setup into tests/oidc/node_modules) on a free loopback port, waits for its discovery
document, yields an :class:`OidcProvider` — ``issuer, clients, accounts = oidc_provider`` — and
stops the process group at the end of the session. ``use_sso(app)`` points an app's
``SSO_PROVIDERS`` at it for one test. :func:`sign_in_at_provider` and :func:`provider_tokens`
go through the provider's own login page over HTTP, as a browser would.
"""
import base64
import hashlib
import json
import os
import re
import secrets
import selectors
import shutil
import signal
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests

OIDC_DIR = Path(__file__).parent / "oidc"
START_TIMEOUT = 30  # seconds; oidc-provider starts in about one on a quiet machine

#: The app's name for the provider: its routes are /sso/test/start and /sso/test/callback.
PROVIDER_NAME = "test"
LABEL = "Sign in with Test IdP"
ALLOWED_DOMAIN = "trust.org.uk"
#: The tenant the "tenant" account's ``tid`` claim names (Entra ID's way to vouch for an email).
TENANT_ID = "7d3c1c52-0a3e-4f56-9c1e-5b8f2c0d9a11"

#: The provider's people; the key is the account id, which is the ``sub`` of its ID tokens and
#: what one types as the login on the provider's page (any password is accepted there).
ACCOUNTS = {
    "known": {"email": "known.person@trust.org.uk", "email_verified": True, "name": "Known Person"},
    "newcomer": {"email": "new.teacher@trust.org.uk", "email_verified": True, "name": "New Teacher"},
    "outsider": {"email": "someone@elsewhere.example", "email_verified": True, "name": "Some One"},
    "unverified": {"email": "unverified@trust.org.uk", "email_verified": False, "name": "Not Verified"},
    "leaver": {"email": "leaver@trust.org.uk", "email_verified": True, "name": "Left Already"},
    "mover": {"email": "mover@trust.org.uk", "email_verified": True, "name": "Moves Email"},
    "tenant": {"email": "tenant.person@trust.org.uk", "tid": TENANT_ID, "name": "Tenant Person"},
}
#: The callback the app registers; "native" clients match a loopback URI on any port, so the
#: browser tests' server (a port chosen at run time) and the test client (localhost) both fit.
REDIRECT_URIS = [f"http://localhost/sso/{PROVIDER_NAME}/callback",
                 f"http://127.0.0.1/sso/{PROVIDER_NAME}/callback"]
CLIENTS = {
    "tracker": {"client_secret": "tracker-" + secrets.token_hex(16), "redirect_uris": REDIRECT_URIS},
    # Another application at the same provider: its ID tokens are not for the tracker.
    "other-app": {"client_secret": "other-" + secrets.token_hex(16), "redirect_uris": REDIRECT_URIS},
}


@dataclass(frozen=True)
class OidcProvider:
    """The running provider: its issuer URL, clients ({client_id: {client_secret,
    redirect_uris}}) and accounts ({account id: claims}); unpacks as those three."""

    issuer: str
    clients: dict
    accounts: dict
    config_path: Path

    def __iter__(self):
        return iter((self.issuer, self.clients, self.accounts))

    def settings(self, client_id="tracker", **extra):
        """One entry of the app's ``SSO_PROVIDERS`` for this provider."""
        entry = {"issuer": self.issuer, "client_id": client_id,
                 "client_secret": self.clients[client_id]["client_secret"], "label": LABEL}
        entry.update(extra)
        return entry

    @contextmanager
    def account_changed(self, account_id, **claims):
        """The provider's account ``account_id`` (its ``sub``) with other claims (a new email…)
        until the block ends; the provider reads its accounts again at each sign-in."""
        config = json.loads(self.config_path.read_text())
        before = dict(config["accounts"][account_id])
        config["accounts"][account_id].update(claims)
        _write(self.config_path, config)
        try:
            yield
        finally:
            config["accounts"][account_id] = before
            _write(self.config_path, config)


def _write(path, config):
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(config))
    os.replace(scratch, path)  # the provider never reads a half-written file


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """The real provider, one for the whole session: ``issuer, clients, accounts = oidc_provider``."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is not installed: the single sign-on tests run a real OpenID Connect "
                    "provider on it. Run scripts/setup (it installs Debian's nodejs and npm).")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail("oidc-provider is not installed: run scripts/setup "
                    "(npm ci --prefix tests/oidc).")
    folder = tmp_path_factory.mktemp("oidc")
    config_path = folder / "provider.json"
    _write(config_path, {
        "accounts": ACCOUNTS,
        "clients": [{"client_id": client_id, **client} for client_id, client in CLIENTS.items()],
    })
    log_path = folder / "provider.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([node, str(OIDC_DIR / "provider.js"), str(config_path), "0"],
                                   stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
                                   cwd=OIDC_DIR, start_new_session=True)
    try:
        issuer = _wait_for_issuer(process, log_path)
        yield OidcProvider(issuer, CLIENTS, ACCOUNTS, config_path)
    finally:
        _stop(process)


def _wait_for_issuer(process, log_path):
    """The issuer the provider prints once listening, after its discovery document answers."""
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    ready = selector.select(timeout=START_TIMEOUT)
    selector.close()
    line = process.stdout.readline() if ready else b""
    if not line:
        process.poll()
        pytest.fail(f"The OpenID Connect provider did not start (exit code {process.returncode}):\n"
                    + log_path.read_text(errors="replace")[-2000:])
    issuer = json.loads(line)["issuer"]
    response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=START_TIMEOUT)
    assert response.json()["issuer"] == issuer
    return issuer


def _stop(process):
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        except ProcessLookupError:
            pass
    process.stdout.close()


@pytest.fixture
def use_sso(oidc_provider):
    """``use_sso(app, client_id="tracker", password_login="all", **entry)``: the app's
    ``SSO_PROVIDERS`` name the real provider (as "test", button "Sign in with Test IdP"),
    ``SSO_ALLOWED_DOMAINS`` is trust.org.uk; the app's settings come back after the test."""
    changed = []
    keys = ("SSO_PROVIDERS", "SSO_ALLOWED_DOMAINS", "PASSWORD_LOGIN")

    def configure(app, client_id="tracker", password_login="all", allowed_domains=ALLOWED_DOMAIN,
                  **entry):
        changed.append((app, {key: app.config.get(key) for key in keys}))
        app.config["SSO_PROVIDERS"] = {PROVIDER_NAME: oidc_provider.settings(client_id, **entry)}
        app.config["SSO_ALLOWED_DOMAINS"] = allowed_domains
        app.config["PASSWORD_LOGIN"] = password_login
        return app
    yield configure
    for app, before in reversed(changed):
        app.config.update(before)


# --- through the provider's pages over HTTP -------------------------------------------------

def sign_in_at_provider(authorize_url, login, browser=None):
    """Follow ``authorize_url`` (the app's redirect to the provider) through the provider's
    login page as ``login`` (an account id; None: press its Cancel link instead) and return the
    URL the provider sends the browser back to (the app's callback with ``code``, ``state``
    and ``iss``, or with an ``error``).

    ``browser`` (a requests.Session) keeps the provider's cookies between sign-ins."""
    browser = browser or requests.Session()
    response = browser.get(authorize_url, allow_redirects=False, timeout=10)
    for _ in range(10):
        location = response.headers.get("Location")
        if location is None:
            # The provider's login page: post its form (or cancel) as a person would.
            assert response.status_code == 200, response.text[:500]
            if login is None:
                response = browser.get(_link_href(response.text, "Cancel", response.url),
                                       allow_redirects=False, timeout=10)
                continue
            action = _form_action(response.text)
            response = browser.post(urljoin(response.url, action), allow_redirects=False, timeout=10,
                                    data={"prompt": "login", "login": login, "password": "any"})
            continue
        location = urljoin(response.url, location)
        if not location.startswith(_origin(authorize_url)):
            return location
        response = browser.get(location, allow_redirects=False, timeout=10)
    raise AssertionError("the provider kept redirecting")


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _link_href(html, text, base):
    """The href of the link whose text contains ``text`` on a provider page."""
    for match in re.finditer(r'<a href="([^"]*)"[^>]*>([^<]*)</a>', html):
        if text in match.group(2):
            return urljoin(base, match.group(1).replace("&amp;", "&"))
    raise AssertionError(f"no {text!r} link on the provider's page")


def _form_action(html):
    start = html.index('action="') + len('action="')
    return html[start:html.index('"', start)].replace("&amp;", "&")


def pkce_pair():
    """A PKCE verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    return verifier, challenge.decode()


def provider_tokens(provider, login, client_id="tracker", nonce=None,
                    redirect_uri=REDIRECT_URIS[0]):
    """The provider's token response for ``login`` signing in to ``client_id`` (authorization
    code flow with PKCE, driven here rather than by the app): a real, signed ID token."""
    verifier, challenge = pkce_pair()
    nonce = nonce or secrets.token_urlsafe(16)
    state = secrets.token_urlsafe(16)
    query = {"client_id": client_id, "response_type": "code", "scope": "openid email profile",
             "redirect_uri": redirect_uri, "state": state, "nonce": nonce,
             "code_challenge": challenge, "code_challenge_method": "S256"}
    back = sign_in_at_provider(f"{provider.issuer}/auth?{urlencode(query)}", login)
    params = parse_qs(urlsplit(back).query)
    assert params["state"] == [state], back
    response = requests.post(
        f"{provider.issuer}/token", timeout=10,
        auth=(client_id, provider.clients[client_id]["client_secret"]),
        data={"grant_type": "authorization_code", "code": params["code"][0],
              "redirect_uri": redirect_uri, "code_verifier": verifier})
    assert response.status_code == 200, response.text
    return response.json()
