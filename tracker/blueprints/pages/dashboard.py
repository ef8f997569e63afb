from flask import render_template

from tracker import dashboard
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import me
from tracker.clock import today
from tracker.extensions import db
from tracker.models.initiative import PHASES


@bp.route("/dashboard")
def dashboard_page():
    report = dashboard.school_report(db.session, me(), today())
    return render_template("pages/dashboard.html", report=report, phases=PHASES)
