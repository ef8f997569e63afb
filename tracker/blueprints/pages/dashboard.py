"""Schools compared: the board's standard report as one sortable table (tracker.dashboard)."""
from flask import render_template, request

from tracker import dashboard
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import me
from tracker.clock import today
from tracker.errors import Invalid
from tracker.extensions import db
from tracker.models.initiative import HELIX_LABELS, PHASES, PILLAR_LABELS


@bp.route("/dashboard")
def dashboard_page():
    """The report for the filters in the query string; an impossible filter is told beside
    its field and the whole report shown instead (status 422)."""
    user = me()
    given = {name: request.args.get(name, "").strip() for name in dashboard.FILTERS}
    problems, status = {}, 200
    try:
        report = dashboard.school_report(db.session, user, today(), given)
    except Invalid as error:
        problems, status = error.fields, 422
        report = dashboard.school_report(db.session, user, today())
    return render_template(
        "pages/dashboard.html", report=report, phases=PHASES, given=given, problems=problems,
        choices=dashboard.FILTERS, pillar_labels=PILLAR_LABELS, helix_labels=HELIX_LABELS,
        heat_words=dashboard.HEAT_WORDS, heat_levels=dashboard.HEAT_LEVELS), status
