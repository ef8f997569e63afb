"""Single sign-on routes: send the person to their provider, and take them back.

``/sso/<provider>/start`` stores state, nonce and the PKCE verifier in the session (through
Authlib's Flask client) and redirects to the provider; ``/sso/<provider>/callback`` spends
that state once, exchanges the code, has ``sso.verify_id_token`` check the ID token and
``sso.sign_in`` decide who it is, then starts the same web session a password sign-in does.
Any refusal, a forged or garbage answer included, is the refusal page with 403, never a 500.
"""
from flask import abort, redirect, render_template, request, session, url_for
from flask_login import current_user

from tracker import sso
from tracker.audit import acting_as
from tracker.auth import start_session
from tracker.blueprints.auth import bp, safe_next
from tracker.extensions import db

#: Longest ``code`` or ``state`` taken from a provider's answer; anything longer is forged.
MAX_PARAM = 2048


def _provider_or_404(name):
    provider = sso.get_provider(name)
    if provider is None:
        abort(404, description="No such sign-in provider.")
    return provider


@bp.route("/sso/<provider>/start")
def sso_start(provider):
    found = _provider_or_404(provider)
    target = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(target or url_for("pages.home"))
    session["sso_next"] = target
    # Only the newest start of this browser is answered: the session cookie stays small
    # however often the button is pressed, and fewer answers could be replayed.
    _forget_states(found)
    callback = url_for("auth.sso_callback", provider=found.name, _external=True)
    try:
        response = sso.client(found).authorize_redirect(callback)
    except sso.PROVIDER_ERRORS:
        return render_template("auth/sso_unavailable.html", provider=found), 503
    for key in _state_keys(found):  # the provider's whole URL need not ride in the cookie
        session[key].get("data", {}).pop("url", None)
    session.modified = True
    return response


def _state_keys(provider):
    # Authlib's Flask client keeps each start's state under "_state_<provider>_<state>".
    return [key for key in session if key.startswith(f"_state_{provider.name}_")]


def _forget_states(provider):
    for key in _state_keys(provider):
        session.pop(key)


@bp.route("/sso/<provider>/callback")
def sso_callback(provider):
    found = _provider_or_404(provider)
    acting_as(db.session, None, ip=request.remote_addr)
    try:
        claims = _checked_claims(found)
        user = sso.sign_in(db.session, found.name, claims,
                           approval_url=url_for("admin.user_list", _external=True))
    except sso.Refused as refused:
        # Kept, not rolled back: the refusal's audit entry, and a new waiting account.
        sso.record_refusal(db.session, refused)
        db.session.commit()
        return render_template("auth/sso_refused.html", refused=refused, provider=found), 403
    target = safe_next(session.get("sso_next"))
    db.session.commit()
    start_session(user)
    return redirect(target or url_for("pages.home"))


def _checked_claims(provider):
    """The checked ID token claims of the provider's answer to this browser, or Refused.

    The state works once: it is dropped from the session before anything else, so a
    replayed answer finds none. The nonce and PKCE verifier come from that state only.
    """
    remote = sso.client(provider)
    args = request.args
    state, code = args.get("state", ""), args.get("code", "")
    saved = remote.framework.get_state_data(session, state) if state else None
    if state:
        remote.framework.clear_state_data(session, state)
    if args.get("error"):
        raise sso.Refused("invalid", provider,
                          detail=f"provider said {args.get('error')[:100]}")
    if not saved or not isinstance(saved, dict) or not saved.get("nonce"):
        raise sso.Refused("invalid", provider, detail="unknown or spent state")
    if not code or len(code) > MAX_PARAM or len(state) > MAX_PARAM:
        raise sso.Refused("invalid", provider, detail="no usable code")
    try:
        token = remote.fetch_access_token(redirect_uri=saved.get("redirect_uri"), code=code,
                                          code_verifier=saved.get("code_verifier"))
    except sso.PROVIDER_ERRORS as error:
        raise sso.Refused("invalid", provider,
                          detail=f"code exchange: {type(error).__name__}: {error}"[:200]) from None
    return sso.verify_id_token(provider.name, token.get("id_token"), saved["nonce"],
                               access_token=token.get("access_token"))
