"""Logging an update (RAG and a sentence or two) from the initiative page."""
from flask import flash

from tracker import permissions, updates
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import commit_or_show, me
from tracker.blueprints.pages.initiative_forms import UpdateForm, for_choices, school_id_of
from tracker.blueprints.pages.lifecycle import back_to, initiative_for, render_initiative
from tracker.extensions import db


@bp.route("/initiatives/<int:initiative_id>/updates", methods=["POST"])
def update_log(initiative_id):
    initiative = initiative_for(initiative_id, permissions.WRITE)
    form = UpdateForm()
    form.school_id.choices = for_choices(me(), initiative)
    if form.validate_on_submit():
        ok, _ = commit_or_show(form, lambda: (
            updates.log_update(db.session, me(), initiative, rag=form.rag.data,
                               narrative=form.narrative.data,
                               school_id=school_id_of(form.school_id))
        ))
        if ok:
            flash("Update logged.", "success")
            return back_to(initiative, "updates")
    return render_initiative(initiative, update_form=form)
