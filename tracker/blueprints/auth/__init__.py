"""Signing in and out of the web pages, and choosing a new password from a reset link."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length

from tracker import people
from tracker.sso import password_login_for_admins_only, providers
from tracker.audit import acting_as, record_event
from tracker.auth import attempt_sign_in, end_session, record_failed_sign_in, start_session
from tracker.blueprints.pages.common import commit_or_show
from tracker.blueprints.pages.forms import Form
from tracker.errors import TooManyAttempts
from tracker.extensions import db

bp = Blueprint("auth", __name__)


class LoginForm(Form):
    email = EmailField("Email", validators=[DataRequired("Enter your email address."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=128)])
    next = HiddenField()


class ResetForm(Form):
    new_password = PasswordField("New password", validators=[
        DataRequired("Enter a new password."), Length(max=people.MAX_PASSWORD)],
        render_kw={"autocomplete": "new-password"})


def safe_next(target):
    """Only a path on this site: never another host, scheme, or protocol-relative URL.

    Browsers drop tabs and line breaks from URLs and read a backslash as a slash, so
    ``/\\t/evil.example`` would become ``//evil.example``: any such character refuses the target.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(ch == "\\" or ord(ch) < 0x21 or ord(ch) == 0x7f for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("pages.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if request.args.get("expired") and request.method == "GET":
        flash("Your session ended. Please sign in again.", "info")
    if form.validate_on_submit():
        try:
            user = attempt_sign_in(db.session, form.email.data, form.password.data,
                                   request.remote_addr)
        except TooManyAttempts as locked:
            form.password.errors.append(locked.message)
            return (_login_page(form), 429,
                    {"Retry-After": str(locked.retry_after)})
        if user is not None:
            acting_as(db.session, user, ip=request.remote_addr)
            record_event(db.session, "login", "users", user.id, {"via": "web"})
            db.session.commit()
            start_session(user)
            return redirect(safe_next(form.next.data) or url_for("pages.home"))
        acting_as(db.session, None, ip=request.remote_addr)
        record_failed_sign_in(db.session, form.email.data, "web")
        db.session.commit()
        form.password.errors.append("The email or password is not right.")
    return _login_page(form)


def _login_page(form):
    """The sign-in page: a button per single sign-on provider, then the password form."""
    return render_template("auth/login.html", form=form, providers=providers(),
                           admins_only=password_login_for_admins_only(),
                           next=safe_next(form.next.data))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = current_user._get_current_object()
    acting_as(db.session, user, ip=request.remote_addr)
    record_event(db.session, "logout", "users", user.id)
    end_session(user)
    db.session.commit()
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/reset/<token>")
def reset_link(token):
    """Keep the secret in the session and drop it from the address bar (and any Referer)."""
    session["password_reset"] = token[:200]
    return redirect(url_for("auth.reset_password"))


@bp.route("/reset", methods=["GET", "POST"])
def reset_password():
    raw = session.get("password_reset")
    reset = people.password_reset_for(db.session, raw)
    if reset is None:
        session.pop("password_reset", None)
        return render_template("auth/reset_expired.html"), 410
    form = ResetForm()
    if form.validate_on_submit():
        acting_as(db.session, reset.user, ip=request.remote_addr)
        ok, user = commit_or_show(form, lambda: people.reset_password(
            db.session, raw, form.new_password.data))
        if ok:
            # Whoever was signed in in this browser is signed out: the next step is to sign in.
            logout_user()
            session.clear()
            flash(f"Your password is changed, {user.name.split()[0]}. Sign in with it now.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, person=reset.user)



import tracker.blueprints.auth.sso  # noqa: E402,F401  (the single sign-on routes)
