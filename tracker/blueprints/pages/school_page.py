"""The school page: one school's picture brought together (tracker.school_view)."""
from flask import abort, redirect, render_template, url_for

from tracker import insights, school_view
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.capacity import STATUS_LABELS
from tracker.blueprints.pages.common import me, or_abort
from tracker.blueprints.pages.policy import BREACH_LABELS
from tracker.clock import today
from tracker.extensions import db
from tracker.models.school import SCHOOL_PHASE_LABELS, SUPPORT_STATUS_LABELS
from tracker.self_evaluation import RATING_LABELS


@bp.route("/schools/<int:school_id>")
def school_page(school_id):
    """One school: its facts, initiatives, KPIs, expert time, self-evaluation and breaches.
    A school the reader cannot see is not found (404)."""
    on = today()
    picture = or_abort(school_view.school_picture, db.session, me(), school_id, on)
    return render_template("pages/school.html", p=picture, school=picture["school"],
                           today=on, breach_labels=BREACH_LABELS,
                           allocation_labels=STATUS_LABELS, phase_names=SCHOOL_PHASE_LABELS,
                           support_labels=SUPPORT_STATUS_LABELS, rating_labels=RATING_LABELS,
                           source_labels=insights.SOURCE_LABELS,
                           judgement_labels=insights.JUDGEMENT_LABELS,
                           action_days=insights.action_days())


@bp.route("/my-school")
def my_school():
    """The signed-in person's own school's page (the menu's "My school"); 404 for someone
    with no school of their own."""
    school_id = school_view.own_school_id(me())
    if school_id is None:
        abort(404)
    return redirect(url_for("pages.school_page", school_id=school_id))
