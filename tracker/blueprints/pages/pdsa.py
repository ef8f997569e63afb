"""PDSA cycles from the initiative page: starting one, moving it to its next stage, and
(on a page of its own) editing the notes of the stage it is in."""
from flask import flash, render_template, request

from tracker import pdsa, permissions
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import afresh_message, commit_or_show, me, or_abort
from tracker.blueprints.pages.initiative_forms import AdvanceForm, CycleForm, NotesForm
from tracker.blueprints.pages.lifecycle import back_to, initiative_for, render_initiative
from tracker.errors import StaleVersion
from tracker.extensions import db
from tracker.models import Initiative


@bp.route("/initiatives/<int:initiative_id>/pdsa-cycles", methods=["POST"])
def cycle_start(initiative_id):
    initiative = initiative_for(initiative_id, permissions.WRITE)
    form = CycleForm()
    form.parent_id.choices = {0: ""} | {
        c.id: c.title for c in db.session.execute(pdsa.cycles_of(initiative)).unique().scalars()}
    if form.validate_on_submit():
        ok, _ = commit_or_show(form, lambda: (
            pdsa.start_cycle(db.session, me(), initiative, title=form.title.data,
                             question=form.question.data or "",
                             prediction=form.prediction.data or "",
                             do_ends_on=form.do_ends_on.data, parent_id=form.parent_id.data or None)
        ))
        if ok:
            flash(f"Started the cycle “{form.title.data.strip()}” in Plan.", "success")
            return back_to(initiative, "pdsa")
    return render_initiative(initiative, cycle_form=form)


@bp.route("/pdsa-cycles/<int:cycle_id>/advance", methods=["POST"])
def cycle_advance(cycle_id):
    cycle = or_abort(pdsa.get_cycle, db.session, me(), cycle_id, permissions.WRITE)
    initiative = db.session.get(Initiative, cycle.initiative_id)
    form = AdvanceForm(prefix=f"cycle{cycle.id}")
    to = pdsa.next_stage(cycle)
    if form.validate_on_submit():
        ok, error = commit_or_show(
            form, lambda: pdsa.advance_cycle(db.session, me(), cycle, form.values(to),
                                             form.version_value()),
            stale_message=afresh_message("cycle"))
        if isinstance(error, StaleVersion):
            return back_to(initiative, f"cycle-{cycle.id}")
        if ok:
            flash(f"“{cycle.title}” moved to {pdsa.STAGE_LABELS[cycle.stage]}.", "success")
            return back_to(initiative, f"cycle-{cycle.id}")
    return render_initiative(initiative, advance_forms={cycle.id: form})


@bp.route("/pdsa-cycles/<int:cycle_id>/notes", methods=["GET", "POST"])
def cycle_notes(cycle_id):
    """The notes of the stage the cycle is in (``pdsa.NOTES_OF``): what happened while in Do,
    what was learned while in Study, and so on."""
    cycle = or_abort(pdsa.get_cycle, db.session, me(), cycle_id, permissions.WRITE)
    initiative = db.session.get(Initiative, cycle.initiative_id)
    stage = cycle.stage
    form = NotesForm(obj=cycle if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = cycle.version
    if stage in pdsa.NOTES_OF and form.validate_on_submit():
        ok, _ = commit_or_show(form, lambda: pdsa.update_cycle(
            db.session, me(), cycle, form.version_value(), **form.values(stage)), record=cycle)
        if ok:
            flash(f"Saved the notes of “{cycle.title}”.", "success")
            return back_to(initiative, f"cycle-{cycle.id}")
    return render_template("pages/cycle_notes.html", form=form, cycle=cycle,
                           initiative=initiative, fields=form.shown(stage),
                           stage_label=pdsa.STAGE_LABELS[stage])
