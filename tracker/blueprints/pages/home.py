from flask import render_template

from tracker import initiatives
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import me
from tracker.blueprints.pages.my_week import render_my_week
from tracker.extensions import db


@bp.route("/")
def home():
    """A project lead's home is her week (what is due, each with its step); everyone else's,
    the initiatives they follow."""
    user = me()
    if user.role == "project_lead":
        return render_my_week()
    rows = initiatives.table_rows(db.session, initiatives.my_initiatives(user).limit(200))
    return render_template("pages/home.html", initiatives=rows)
