"""Each person's email settings: which nudges and digests they get, and how often."""
from flask import flash, redirect, render_template, request, url_for

from tracker import notifications
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import commit_or_show, me
from tracker.errors import Invalid
from tracker.extensions import db


@bp.route("/account/notifications", methods=["GET", "POST"])
def notification_settings():
    user = me()
    topics = notifications.topics_for(user)
    errors = {}
    if request.method == "POST":
        chosen = {t.code: request.form.get(t.code, "")[:20] for t in topics}
        ok, error = commit_or_show(None, lambda: notifications.set_preferences(db.session, user, user, chosen),
                                   caller_shows=Invalid)
        if not ok:
            errors = error.fields or {}
        else:
            flash("Your email settings are saved.", "success")
            return redirect(url_for("pages.notification_settings"))
    current = {t.code: request.form.get(t.code) if errors else notifications.frequency(user.notification_prefs, t.code)
               for t in topics}
    return render_template("pages/notifications.html", topics=topics, current=current, errors=errors,
                           labels=notifications.FREQUENCY_LABELS, weekday=_weekday())


def _weekday():
    from flask import current_app

    names = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
    return names[current_app.config.get("NUDGE_WEEKLY_DAY", 0) % 7]
