"""Coverage: active initiatives per pillar and helix component, per school (tracker.coverage)."""
from flask import render_template

from tracker import coverage, permissions
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import me
from tracker.extensions import db
from tracker.models.initiative import HELIX_LABELS, PILLAR_LABELS, PILLARS


@bp.route("/coverage")
def coverage_page():
    """The grid of pillars and helix components × the schools the reader sees."""
    user = me()
    return render_template(
        "pages/coverage.html", grid=coverage.coverage_grid(db.session, user), pillars=PILLARS,
        strands=coverage.HELIX_STRANDS, pillar_labels=PILLAR_LABELS, helix_labels=HELIX_LABELS,
        whole_trust=permissions.sees_whole_trust(user))
