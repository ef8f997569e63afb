"""The signed-in person's own settings: password, API tokens, and their data to take away."""
import json

from flask import Response, flash, redirect, render_template, url_for
from wtforms import PasswordField
from wtforms.validators import DataRequired, Length

from tracker import people, privacy
from tracker.auth import revoke_token_by_id, start_session, tokens_of
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import commit_or_show, me, or_abort
from tracker.blueprints.pages.forms import Form
from tracker.extensions import db
from tracker.models.base import utcnow

#: The account page lists this many of the person's newest tokens.
TOKENS_SHOWN = 50


class PasswordForm(Form):
    current_password = PasswordField("Current password", validators=[
        DataRequired("Enter your current password."), Length(max=people.MAX_PASSWORD)],
        render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("New password", validators=[
        DataRequired("Enter a new password."), Length(max=people.MAX_PASSWORD)],
        render_kw={"autocomplete": "new-password"})


def _page(form, status=200):
    tokens = db.session.execute(tokens_of(me()).limit(TOKENS_SHOWN)).scalars().all()
    return render_template("pages/account.html", form=form, tokens=tokens, now=utcnow()), status


@bp.route("/account")
def account():
    return _page(PasswordForm())


@bp.route("/account/password", methods=["POST"])
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        ok, _ = commit_or_show(form, lambda: (
            people.change_password(db.session, me(), form.current_password.data, form.new_password.data)
        ))
        if ok:
            # Other browsers are signed out and API tokens revoked; this browser carries on
            # in a fresh session.
            start_session(me())
            flash("Your password is changed. Other devices have been signed out and your API "
                  "tokens revoked.", "success")
            return redirect(url_for("pages.account"))
    return _page(form, 422)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
def revoke_my_token(token_id):
    ok, token = commit_or_show(None, lambda: or_abort(revoke_token_by_id, db.session, me(), token_id))
    if ok:
        flash(f"Token “{token.name}” is revoked: anything using it is refused from now on.", "success")
    return redirect(url_for("pages.account") + "#tokens")


@bp.route("/account/export")
def export_my_data():
    """Everything the tracker holds that names the signed-in person, as a JSON download."""
    data = privacy.export_personal_data(db.session, me())
    stamp = utcnow().strftime("%Y%m%d")
    return Response(json.dumps(data, indent=2, ensure_ascii=False, default=str),
                    mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="my-tracker-data-{stamp}.json"'})
