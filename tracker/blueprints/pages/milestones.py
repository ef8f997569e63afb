"""Milestones from the initiative page: adding one, marking it done, and on pages of their
own editing or rescheduling one and deleting one (after a confirm step)."""
from flask import flash, render_template, request

from tracker import milestones, permissions
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import afresh_message, commit_or_show, me, or_abort
from tracker.blueprints.pages.initiative_forms import (MilestoneEditForm, MilestoneForm,
                                                       VersionForm, for_choices, people_of,
                                                       school_id_of)
from tracker.blueprints.pages.lifecycle import back_to, initiative_for, render_initiative
from tracker.extensions import db
from tracker.models import Initiative


@bp.route("/initiatives/<int:initiative_id>/milestones", methods=["POST"])
def milestone_add(initiative_id):
    initiative = initiative_for(initiative_id, permissions.WRITE)
    form = MilestoneForm()
    form.owner_id.choices = {0: ""} | {u.id: u.name for u in people_of(initiative)}
    form.school_id.choices = for_choices(me(), initiative)
    if form.validate_on_submit():
        ok, _ = commit_or_show(form, lambda: (
            milestones.create_milestone(db.session, me(), initiative, title=form.title.data,
                                        due_on=form.due_on.data,
                                        owner_id=form.owner_id.data or None,
                                        school_id=school_id_of(form.school_id))
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
        ok, _ = commit_or_show(
            None, lambda: milestones.mark_done(db.session, me(), milestone, form.version_value()),
            stale_message=afresh_message("milestone"))
        if ok:
            flash(f"Marked “{milestone.title}” done.", "success")
    return back_to(initiative, "milestones")


def _milestone(milestone_id):
    milestone = or_abort(milestones.get_milestone, db.session, me(), milestone_id,
                         permissions.WRITE)
    return milestone, db.session.get(Initiative, milestone.initiative_id)


@bp.route("/milestones/<int:milestone_id>/edit", methods=["GET", "POST"])
def milestone_edit(milestone_id):
    """Rename, reschedule or hand over a milestone."""
    milestone, initiative = _milestone(milestone_id)
    form = MilestoneEditForm(obj=milestone if request.method == "GET" else None)
    form.owner_id.choices = {0: "No one named"} | (
        {milestone.owner_id: milestone.owner.name} if milestone.owner else {}) | {
        u.id: u.name for u in people_of(initiative)}
    form.school_id.choices = for_choices(me(), initiative, current=milestone.school_id)
    if request.method == "GET":
        form.version.data = milestone.version
        form.owner_id.data = milestone.owner_id or 0
        form.school_id.data = milestone.school_id or 0
    if form.validate_on_submit():
        changes = {"title": form.title.data, "due_on": form.due_on.data}
        if form.school_id.choices:
            changes["school_id"] = school_id_of(form.school_id)
        if (form.owner_id.data or None) != milestone.owner_id:
            # Only a change is checked: an owner who has since left need not block a reschedule.
            changes["owner_id"] = form.owner_id.data or None
        ok, _ = commit_or_show(form, lambda: milestones.update_milestone(
            db.session, me(), milestone, form.version_value(), **changes), record=milestone)
        if ok:
            flash(f"Saved the milestone “{milestone.title}”, due "
                  f"{milestone.due_on.strftime('%-d %b %Y')}.", "success")
            return back_to(initiative, f"milestone-{milestone.id}")
    return render_template("pages/milestone_form.html", form=form, milestone=milestone,
                           initiative=initiative)


@bp.route("/milestones/<int:milestone_id>/delete", methods=["GET", "POST"])
def milestone_delete(milestone_id):
    """Ask first (GET), then delete (POST)."""
    milestone, initiative = _milestone(milestone_id)
    form = VersionForm()
    if request.method == "POST" and form.validate_on_submit():
        title = milestone.title
        ok, _ = commit_or_show(form, lambda: milestones.delete_milestone(db.session, me(),
                                                                          milestone),
                               stale_message=afresh_message("milestone"), record=milestone)
        if ok:
            flash(f"Deleted the milestone “{title}”.", "success")
            return back_to(initiative, "milestones")
    return render_template("pages/milestone_delete.html", form=form, milestone=milestone,
                           initiative=initiative)
