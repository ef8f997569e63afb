"""The initiative page, and its phase move.

``render_initiative`` draws the page. Each of its forms posts to a route of its concept's
module (``pages/milestones.py``, ``pages/pdsa.py``, ``pages/updates.py``, the move here): on
success the route redirects back to the page's section (``back_to``), and on a domain error
it draws the page again with the posted form and the message beside its field.
"""
from collections import defaultdict

from flask import current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from tracker import (clock, goals, initiatives, insights, lifecycle, measures, milestones, pdsa,
                     permissions, school_status, updates)
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import commit_or_show, me, or_abort
from tracker.blueprints.pages.forms import Form, HELIX_LABELS, PILLAR_LABELS
from tracker.blueprints.pages.initiative_forms import (CycleForm, MilestoneForm, UpdateForm,
                                                       advance_form, for_choices, people_of)
from tracker.errors import GateBlocked
from tracker.extensions import db
from tracker.models.pdsa import STAGES

#: The newest updates the page shows; the API pages through the rest.
UPDATES_SHOWN = 20


class MoveForm(Form):
    to = SelectField("Move to", validators=[InputRequired("Choose where to move it.")])
    reason = TextAreaField("Reason", validators=[Length(max=5000)])
    override_reason = TextAreaField("Override reason (admins only)", validators=[Length(max=5000)])


def render_initiative(initiative, *, move_form=None, update_form=None, milestone_form=None,
                      cycle_form=None, advance_forms=None, missing=None):
    """The initiative page, with any posted form (and its errors) in place of a blank one."""
    user, today = me(), clock.today()
    session = db.session
    can_write = permissions.can(user, permissions.WRITE, initiative)
    can_move = permissions.can(user, permissions.MOVE_PHASE, initiative)
    # The cycles, each with whether it is stuck today (pdsa's rule, in the same query).
    rows = session.execute(pdsa.cycles_of(initiative).add_columns(
        pdsa.stuck_condition(today))).unique().all()
    cycles = [cycle for cycle, _ in rows]
    stuck = {cycle.id: pdsa.why_stuck(cycle, today) for cycle, is_stuck in rows
             if is_stuck and initiative.status == "active"}
    board = defaultdict(list)
    for cycle in cycles:
        board[cycle.stage].append(cycle)
    forms = dict(advance_forms or {})
    if can_write:
        for cycle in cycles:
            if cycle.id not in forms and cycle.stage != "closed":
                forms[cycle.id] = advance_form(cycle)
    move_form = move_form or MoveForm(formdata=None)
    facts = lifecycle.gate_facts(session, initiative)
    move_form.to.choices = {m.to: m.label for m in lifecycle.allowed_moves(session, user,
                                                                            initiative, facts)}
    asking = _who_moves_it(session, user, initiative, can_write and not can_move, facts)
    milestone_form = milestone_form or MilestoneForm(formdata=None)
    milestone_form.owner_id.choices = {0: "The initiative's owner"} | {
        u.id: u.name for u in (people_of(initiative) if can_write else [])}
    update_form = update_form or UpdateForm(formdata=None)
    update_form.school_id.choices = milestone_form.school_id.choices = (
        for_choices(user, initiative) if can_write else {})
    cycle_form = cycle_form or CycleForm(formdata=None)
    cycle_form.parent_id.choices = {0: "None: a new line of testing"} | {
        c.id: c.title for c in cycles if c.stage in pdsa.ACTED}
    transitions = session.execute(lifecycle.transitions_of(initiative)).unique().scalars().all()
    return render_template(
        "pages/initiative_detail.html", initiative=initiative, today=today,
        one_out=initiatives.one_out_of(initiative),
        per_school=school_status.page_view(session, user, initiative, today),
        can_write=can_write, can_move=can_move, is_admin=user.role == "admin",
        phases=lifecycle.PHASES, asking=asking, request_form=FlaskForm(formdata=None),
        checklist=lifecycle.gate_checklist(session, initiative, facts),
        next_phase=lifecycle.next_phase(initiative), missing=missing,
        milestones=session.execute(milestones.milestones_of(initiative)).unique().scalars().all(),
        stages=STAGES, stage_labels=pdsa.STAGE_LABELS, board=board, cycles=cycles,
        cycle_titles={c.id: c.title for c in cycles}, next_stage=pdsa.next_stage,
        advance_forms=forms, stuck=stuck,
        updates=session.execute(
            updates.updates_of(initiative).limit(UPDATES_SHOWN)).unique().scalars().all(),
        updates_shown=UPDATES_SHOWN,
        transitions=transitions,
        measure_summaries=measures.measure_summaries(session, initiative, today=today, viewer=user,
                                                     loaded=(transitions, cycles)),
        answered_insights=insights.answered_by(session, user, initiative),
        move_form=move_form, update_form=update_form or UpdateForm(formdata=None),
        milestone_form=milestone_form, cycle_form=cycle_form,
        drivers_served=goals.served_by(session, user, initiative),
        pillar_names=[PILLAR_LABELS[p] for p in initiative.pillars],
        helix_names=[HELIX_LABELS[c] for c in initiative.helix_components])


def _who_moves_it(session, user, initiative, shown, facts):
    """For someone who changes the initiative but does not move it: who does, and whether
    the next phase's gate is met so they can be asked (None when not shown)."""
    following = lifecycle.next_phase(initiative)
    if not shown or following is None:
        return None
    return {"to": following, "people": lifecycle.movers(session, initiative),
            "ready": not lifecycle.unmet_criteria(session, initiative, following, facts)}


def back_to(initiative, anchor):
    """Back to a section of the initiative page, after a write."""
    return redirect(url_for("pages.initiative_detail", initiative_id=initiative.id,
                            _anchor=anchor))


def initiative_for(initiative_id, action):
    """The initiative, if the signed-in person may do ``action`` to it; else 404 or 403."""
    return or_abort(permissions.get_initiative, db.session, me(), initiative_id, action)


@bp.route("/initiatives/<int:initiative_id>/move", methods=["POST"])
def initiative_move(initiative_id):
    initiative = initiative_for(initiative_id, permissions.MOVE_PHASE)
    form = MoveForm()
    form.to.choices = {m.to: m.label for m in lifecycle.allowed_moves(db.session, me(),
                                                                       initiative)}
    if form.validate_on_submit():
        ok, error = commit_or_show(
            form, lambda: lifecycle.move_phase(db.session, me(), initiative, form.to.data,
                                               reason=form.reason.data,
                                               override_reason=form.override_reason.data),
            caller_shows=GateBlocked)
        if ok:
            flash(f"Moved to {lifecycle.PHASE_LABELS[form.to.data]}.", "success")
            return back_to(initiative, "phase")
        if isinstance(error, GateBlocked):
            form.to.errors = [f"Not ready for {lifecycle.PHASE_LABELS[form.to.data]} yet: "
                              "see what is missing below."]
        elif error.missing:
            form.override_reason.errors = list(form.override_reason.errors) + [error.message]
        return render_initiative(initiative, move_form=form, missing=error.missing)
    return render_initiative(initiative, move_form=form)


@bp.route("/initiatives/<int:initiative_id>/request-move", methods=["POST"])
def initiative_request_move(initiative_id):
    """Ask the school lead (else the admins) to move the initiative to its next phase."""
    initiative = initiative_for(initiative_id, permissions.REQUEST_MOVE)
    form = FlaskForm()
    if form.validate_on_submit():
        link = current_app.config["BASE_URL"].rstrip("/") + url_for(
            "pages.initiative_detail", initiative_id=initiative.id, _anchor="phase")
        ok, asked = commit_or_show(form, lambda: lifecycle.request_move(
            db.session, me(), initiative, link))
        if ok:
            names = ", ".join(person.name for person in asked.asked)
            flash(f"Asked {names} to move it to {lifecycle.PHASE_LABELS[asked.to]}." if asked.queued
                  else f"{names} already had your request today.", "success")
    else:
        flash("Your session had expired; ask again.", "error")
    return back_to(initiative, "phase")
