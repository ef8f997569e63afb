"""Milestones from the initiative page: adding one and marking it done."""
from flask import flash

from tracker import milestones, permissions
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import commit_or_show, me, or_abort
from tracker.blueprints.pages.initiative_forms import MilestoneForm, VersionForm, people_of
from tracker.blueprints.pages.lifecycle import back_to, initiative_for, render_initiative, stale_or
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.models import Initiative


@bp.route("/initiatives/<int:initiative_id>/milestones", methods=["POST"])
def milestone_add(initiative_id):
    initiative = initiative_for(initiative_id, permissions.WRITE)
    form = MilestoneForm()
    form.owner_id.choices = {0: ""} | {u.id: u.name for u in people_of(initiative)}
    if form.validate_on_submit():
        ok, _ = commit_or_show(form, lambda: (
            milestones.create_milestone(db.session, me(), initiative, title=form.title.data,
                                        due_on=form.due_on.data,
                                        owner_id=form.owner_id.data or None)
        ))
        if ok:
            flash(f"Added the milestone “{form.title.data.strip()}”.", "success")
            return back_to(initiative, "milestones")
    return render_initiative(initiative, milestone_form=form)


@bp.route("/milestones/<int:milestone_id>/done", methods=["POST"])
def milestone_done(milestone_id):
    milestone = or_abort(milestones.get_milestone, db.session, me(), milestone_id,
                         permissions.WRITE)
    initiative = db.session.get(Initiative, milestone.initiative_id)
    form = VersionForm()
    if form.validate_on_submit():
        try:
            milestones.mark_done(db.session, me(), milestone, form.version_value())
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(stale_or(error, "milestone"), "error")
        else:
            flash(f"Marked “{milestone.title}” done.", "success")
    return back_to(initiative, "milestones")
