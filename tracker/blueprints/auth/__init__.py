"""Signing in and out of the web pages."""
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length

from tracker.audit import acting_as, record_event
from tracker.auth import authenticate, end_session, start_session
from tracker.extensions import db, limiter

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email address."), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=128)])
    next = HiddenField()


def safe_next(target):
    """Only a path on this site: never another host, scheme, or protocol-relative URL."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


def _login_key():
    return f"{request.remote_addr}|{(request.form.get('email') or '').strip().lower()[:254]}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("LOGIN_RATE_LIMIT", "10 per 5 minutes"),
               key_func=_login_key, methods=["POST"],
               deduct_when=lambda response: response.status_code == 200)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("pages.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if request.args.get("expired") and request.method == "GET":
        flash("Your session ended. Please sign in again.", "info")
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            acting_as(db.session, user, ip=request.remote_addr)
            record_event(db.session, "login", "users", user.id, {"via": "web"})
            db.session.commit()
            start_session(user)
            return redirect(safe_next(form.next.data) or url_for("pages.home"))
        record_event(db.session, "login_failed", "users",
                     details={"email": form.email.data[:254], "via": "web"})
        db.session.commit()
        form.password.errors.append("The email or password is not right.")
    return render_template("auth/login.html", form=form)


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
