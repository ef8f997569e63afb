"""The initiative page's weekly loop: move phase, milestones, PDSA cycles, updates.

Each form posts to its own route here; on success the route redirects back to the
initiative page, and on a domain error it shows the page again with the message
beside the form's field. ``render_initiative`` draws the page for both.
"""
from collections import defaultdict

from flask import flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker import clock, initiatives, lifecycle, measures, milestones, pdsa, permissions, updates
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import (commit_or_show, me, or_abort, show_errors,
                                             whole_number)
from tracker.blueprints.pages.forms import HELIX_LABELS, PILLAR_LABELS, plausible_date
from tracker.errors import DomainError, GateBlocked
from tracker.extensions import db
from tracker.models import Initiative, User, initiative_schools, user_schools
from tracker.models.pdsa import STAGES

#: The newest updates the page shows; the API pages through the rest.
UPDATES_SHOWN = 20
PHASE_LABELS = {"explore": "Explore", "prepare": "Prepare", "deliver": "Deliver",
                "sustain": "Sustain", "completed": "Completed", "rejected": "Rejected",
                "deimplemented": "De-implemented"}
# Choices as {value: label}: WTForms deprecates lists of tuples.
RAG_CHOICES = {"green": "Green: on track", "amber": "Amber: some concerns",
               "red": "Red: off track"}
ACT_CHOICES = {"adopt": "Adopt: keep the change as it is",
               "adapt": "Adapt: change it and test again",
               "abandon": "Abandon: stop this change"}


class MoveForm(FlaskForm):
    to = SelectField("Move to", validators=[InputRequired("Choose where to move it.")])
    reason = TextAreaField("Reason", validators=[Length(max=5000)])
    override_reason = TextAreaField("Override reason (admins only)", validators=[Length(max=5000)])


class UpdateForm(FlaskForm):
    rag = RadioField("How is it going?", choices=RAG_CHOICES,
                     validators=[InputRequired("Choose green, amber or red.")])
    narrative = TextAreaField("What happened, in a sentence or two", validators=[
        DataRequired("Say in a sentence or two how it is going."), Length(max=updates.MAX_NARRATIVE)])


class MilestoneForm(FlaskForm):
    title = StringField("Milestone", validators=[DataRequired("Give the milestone a title."),
                                                 Length(max=200)])
    due_on = DateField("Due on", validators=[InputRequired("Enter a due date."), plausible_date])
    owner_id = SelectField("Owner", coerce=int, validators=[Optional()])


class VersionForm(FlaskForm):
    version = HiddenField()

    def version_value(self):
        return whole_number(self.version.data)


class CycleForm(FlaskForm):
    title = StringField("What change are you testing?", validators=[
        DataRequired("Give the cycle a title."), Length(max=200)])
    question = TextAreaField("Question", validators=[Length(max=20000)])
    prediction = TextAreaField("Prediction", validators=[Length(max=20000)])
    do_ends_on = DateField("Do ends on", validators=[Optional(), plausible_date])
    parent_id = SelectField("Follows the cycle", coerce=int, validators=[Optional()])


class AdvanceForm(VersionForm):
    question = TextAreaField("Question", validators=[Length(max=20000)])
    prediction = TextAreaField("Prediction", validators=[Length(max=20000)])
    do_notes = TextAreaField("What happened, including anything unexpected",
                             validators=[Length(max=20000)])
    study_notes = TextAreaField("What you learned, against the prediction",
                                validators=[Length(max=20000)])
    act_decision = RadioField("Decision", choices=ACT_CHOICES, validators=[Optional()])
    act_notes = TextAreaField("Notes on the decision", validators=[Length(max=20000)])

    #: The fields shown for each next stage: what the stage being left must record.
    SHOWN = {"do": ("question", "prediction"), "study": ("do_notes",),
             "act": ("study_notes",), "closed": ("act_decision", "act_notes")}

    def shown(self, to):
        return [self[name] for name in self.SHOWN.get(to, ())]

    def values(self, to):
        return {name: self[name].data or "" for name in self.SHOWN.get(to, ())
                if self[name].data not in (None, "None")}


def _advance_form(cycle, formdata=None):
    form = AdvanceForm(formdata=formdata, prefix=f"cycle{cycle.id}")
    if formdata is None:
        form.version.data = cycle.version
        for name in ("question", "prediction", "do_notes", "study_notes", "act_notes"):
            form[name].data = getattr(cycle, name)
        form.act_decision.data = cycle.act_decision
    return form


def _move_choices(initiative):
    if initiative.status != "active":
        return {}
    here = lifecycle.PHASES.index(initiative.phase)
    choices = {}
    following = lifecycle.next_phase(initiative)
    if following:
        choices[following] = f"{PHASE_LABELS[following]} (forward)"
    for back in reversed(lifecycle.PHASES[:here]):
        choices[back] = f"{PHASE_LABELS[back]} (back)"
    for end, phase in lifecycle.ENDINGS.items():
        if phase == initiative.phase:
            choices[end] = f"{PHASE_LABELS[end]} (ends it)"
    return choices


def _people_of(initiative):
    """Active people in the initiative's schools, and its owner: who may own its milestones."""
    in_schools = select(user_schools.c.user_id).join(
        initiative_schools, initiative_schools.c.school_id == user_schools.c.school_id).where(
        initiative_schools.c.initiative_id == initiative.id)
    return db.session.execute(select(User).where(
        User.active.is_(True), or_(User.id.in_(in_schools), User.id == initiative.owner_id))
        .order_by(User.name)).scalars().all()


def render_initiative(initiative, *, move_form=None, update_form=None, milestone_form=None,
                      cycle_form=None, advance_forms=None, missing=None):
    """The initiative page, with any posted form (and its errors) in place of a blank one."""
    user, today = me(), clock.today()
    session = db.session
    can_write = permissions.can(user, permissions.WRITE, initiative)
    can_move = permissions.can(user, permissions.MOVE_PHASE, initiative)
    cycles = session.execute(pdsa.cycles_of(initiative)).unique().scalars().all()
    board = defaultdict(list)
    for cycle in cycles:
        board[cycle.stage].append(cycle)
    forms = dict(advance_forms or {})
    if can_write:
        for cycle in cycles:
            if cycle.id not in forms and cycle.stage != "closed":
                forms[cycle.id] = _advance_form(cycle)
    move_form = move_form or MoveForm(formdata=None)
    move_form.to.choices = _move_choices(initiative)
    milestone_form = milestone_form or MilestoneForm(formdata=None)
    milestone_form.owner_id.choices = {0: "The initiative's owner"} | {
        u.id: u.name for u in (_people_of(initiative) if can_write else [])}
    cycle_form = cycle_form or CycleForm(formdata=None)
    cycle_form.parent_id.choices = {0: "None: a new line of testing"} | {
        c.id: c.title for c in cycles if c.stage in pdsa.ACTED}
    stuck = {c.id: pdsa.why_stuck(c, today) for c in
             pdsa.stuck_cycles(session, today, initiative_ids=[initiative.id])}
    return render_template(
        "pages/initiative_detail.html", initiative=initiative, today=today,
        one_out=initiatives.one_out_of(initiative),
        can_write=can_write, can_move=can_move, is_admin=user.role == "admin",
        phases=lifecycle.PHASES, phase_labels=PHASE_LABELS,
        checklist=lifecycle.gate_checklist(session, initiative),
        next_phase=lifecycle.next_phase(initiative), missing=missing,
        milestones=session.execute(milestones.milestones_of(initiative)).unique().scalars().all(),
        stages=STAGES, stage_labels=pdsa.STAGE_LABELS, board=board, cycles=cycles,
        cycle_titles={c.id: c.title for c in cycles}, next_stage=pdsa.next_stage,
        advance_forms=forms, stuck=stuck,
        updates=session.execute(
            updates.updates_of(initiative).limit(UPDATES_SHOWN)).unique().scalars().all(),
        updates_shown=UPDATES_SHOWN,
        transitions=session.execute(lifecycle.transitions_of(initiative)).unique().scalars().all(),
        measure_summaries=measures.measure_summaries(session, initiative, today=today, viewer=user),
        move_form=move_form, update_form=update_form or UpdateForm(formdata=None),
        milestone_form=milestone_form, cycle_form=cycle_form,
        pillar_names=[PILLAR_LABELS[p] for p in initiative.pillars],
        helix_names=[HELIX_LABELS[c] for c in initiative.helix_components])


def _back(initiative, anchor):
    return redirect(url_for("pages.initiative_detail", initiative_id=initiative.id,
                            _anchor=anchor))


def _initiative(initiative_id, action):
    return or_abort(permissions.get_initiative, db.session, me(), initiative_id, action)


@bp.route("/initiatives/<int:initiative_id>/move", methods=["POST"])
def initiative_move(initiative_id):
    initiative = _initiative(initiative_id, permissions.MOVE_PHASE)
    form = MoveForm()
    form.to.choices = _move_choices(initiative)
    if form.validate_on_submit():
        try:
            lifecycle.move_phase(db.session, me(), initiative, form.to.data,
                                 reason=form.reason.data, override_reason=form.override_reason.data)
            db.session.commit()
        except GateBlocked as error:
            db.session.rollback()
            form.to.errors = [f"Not ready for {PHASE_LABELS[form.to.data]} yet: "
                              "see what is missing below."]
            return render_initiative(initiative, move_form=form, missing=error.missing)
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
            if error.missing:
                form.override_reason.errors = list(form.override_reason.errors) + [error.message]
            return render_initiative(initiative, move_form=form, missing=error.missing)
        flash(f"Moved to {PHASE_LABELS[form.to.data]}.", "success")
        return _back(initiative, "phase")
    return render_initiative(initiative, move_form=form)


@bp.route("/initiatives/<int:initiative_id>/updates", methods=["POST"])
def update_log(initiative_id):
    initiative = _initiative(initiative_id, permissions.WRITE)
    form = UpdateForm()
    if form.validate_on_submit():
        ok, _ = commit_or_show(form, lambda: (
            updates.log_update(db.session, me(), initiative, rag=form.rag.data,
                               narrative=form.narrative.data)
        ))
        if ok:
            flash("Update logged.", "success")
            return _back(initiative, "updates")
    return render_initiative(initiative, update_form=form)


@bp.route("/initiatives/<int:initiative_id>/milestones", methods=["POST"])
def milestone_add(initiative_id):
    initiative = _initiative(initiative_id, permissions.WRITE)
    form = MilestoneForm()
    form.owner_id.choices = {0: ""} | {u.id: u.name for u in _people_of(initiative)}
    if form.validate_on_submit():
        ok, _ = commit_or_show(form, lambda: (
            milestones.create_milestone(db.session, me(), initiative, title=form.title.data,
                                        due_on=form.due_on.data,
                                        owner_id=form.owner_id.data or None)
        ))
        if ok:
            flash(f"Added the milestone “{form.title.data.strip()}”.", "success")
            return _back(initiative, "milestones")
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
            flash(_stale_or(error, "milestone"), "error")
        else:
            flash(f"Marked “{milestone.title}” done.", "success")
    return _back(initiative, "milestones")


def _stale_or(error, what):
    if error.code == "stale_version":
        return (f"Someone else changed this {what} a moment ago; "
                "here it is as it is now. Try again if it still needs it.")
    return error.message


@bp.route("/initiatives/<int:initiative_id>/pdsa-cycles", methods=["POST"])
def cycle_start(initiative_id):
    initiative = _initiative(initiative_id, permissions.WRITE)
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
            return _back(initiative, "pdsa")
    return render_initiative(initiative, cycle_form=form)


@bp.route("/pdsa-cycles/<int:cycle_id>/advance", methods=["POST"])
def cycle_advance(cycle_id):
    cycle = or_abort(pdsa.get_cycle, db.session, me(), cycle_id, permissions.WRITE)
    initiative = db.session.get(Initiative, cycle.initiative_id)
    form = AdvanceForm(prefix=f"cycle{cycle.id}")
    to = pdsa.next_stage(cycle)
    if form.validate_on_submit():
        try:
            pdsa.advance_cycle(db.session, me(), cycle, form.values(to), form.version_value())
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            if error.code == "stale_version":
                flash(_stale_or(error, "cycle"), "error")
                return _back(initiative, f"cycle-{cycle.id}")
            show_errors(form, error)
        else:
            flash(f"“{cycle.title}” moved to {pdsa.STAGE_LABELS[cycle.stage]}.", "success")
            return _back(initiative, f"cycle-{cycle.id}")
    return render_initiative(initiative, advance_forms={cycle.id: form})
