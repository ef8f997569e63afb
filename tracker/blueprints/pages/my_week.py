"""My week: a person's due and overdue work (``tracker.my_week``), each with its one step inline.

Every step posts to a route here that calls the domain function the initiative page calls too,
then redirects back to the item's anchor on this page; a refused step shows the page again with
the message beside the item's field. ``static/my_week.js`` submits the same forms with fetch and
swaps the list in place, so the page does not jump.
"""
from flask import flash, redirect, render_template, url_for
from wtforms import DateField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker import clock, measures, milestones, my_week as week_rules, pdsa, permissions, updates
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import afresh_message, commit_or_show, me, or_abort
from tracker.blueprints.pages.forms import Form, plausible_date
from tracker.blueprints.pages.initiative_forms import VersionForm
from tracker.extensions import db

RAG_CHOICES = {"green": "Green", "amber": "Amber", "red": "Red"}
ACT_CHOICES = {"adopt": "Adopt", "adapt": "Adapt", "abandon": "Abandon"}
#: A stage's one field, labelled for a list where the cycle's title is the context.
FIELD_LABELS = {"question": "The question this cycle answers",
                "prediction": "What you predict will happen",
                "do_notes": "What happened, including anything unexpected",
                "study_notes": "What you learned, against the prediction",
                "act_decision": "Decision"}


class AdvanceForm(VersionForm):
    question = TextAreaField(FIELD_LABELS["question"], validators=[Length(max=20000)])
    prediction = TextAreaField(FIELD_LABELS["prediction"], validators=[Length(max=20000)])
    do_notes = TextAreaField(FIELD_LABELS["do_notes"], validators=[Length(max=20000)])
    study_notes = TextAreaField(FIELD_LABELS["study_notes"], validators=[Length(max=20000)])
    act_decision = RadioField(FIELD_LABELS["act_decision"], choices=ACT_CHOICES,
                              validators=[Optional()])

    def needed(self, cycle):
        """The fields the cycle's next stage still lacks: usually one."""
        to = pdsa.next_stage(cycle)
        return [self[name] for name in pdsa.missing_for(cycle, to)] if to else []

    def values(self, cycle):
        return {f.short_name: f.data for f in self.needed(cycle) if f.data not in (None, "", "None")}


class PointForm(Form):
    value = StringField("Value", validators=[InputRequired("Enter the value."), Length(max=40)],
                        render_kw={"inputmode": "decimal", "autocomplete": "off"})
    on = DateField("On", validators=[InputRequired("Enter the date it was measured."),
                                     plausible_date])


class UpdateForm(Form):
    rag = RadioField("How is it going?", choices=RAG_CHOICES,
                     validators=[InputRequired("Choose green, amber or red.")])
    narrative = StringField("In one line", validators=[
        DataRequired("Say in a line how it is going."), Length(max=updates.MAX_NARRATIVE)])


def _key(kind, record_id):
    return f"{kind}-{record_id}"


def _forms(week, posted):
    """A form for every item's step, the posted one (with its errors) in its place."""
    today = week.today
    forms = {}
    for item in week.milestones:
        forms[_key("milestone", item.record.id)] = VersionForm(
            formdata=None, prefix=_key("milestone", item.record.id), version=item.record.version)
    for item in week.cycles:
        forms[_key("cycle", item.record.id)] = AdvanceForm(
            formdata=None, prefix=_key("cycle", item.record.id), version=item.record.version)
    for item in week.measures:
        forms[_key("measure", item.record.id)] = PointForm(
            formdata=None, prefix=_key("measure", item.record.id), on=today)
    for item in week.updates:
        forms[_key("update", item.record.id)] = UpdateForm(
            formdata=None, prefix=_key("update", item.record.id))
    forms.update(posted)
    return forms


def render_my_week(posted=None):
    user, today = me(), clock.today()
    week = week_rules.my_week(db.session, user, today)
    return render_template("pages/my_week.html", week=week, forms=_forms(week, posted or {}),
                           key=_key, stage_labels=pdsa.STAGE_LABELS, next_stage=pdsa.next_stage)


@bp.route("/my-week")
def my_week():
    return render_my_week()


def _back(anchor):
    return redirect(url_for("pages.my_week", _anchor=anchor))


def _part(getter, record_id):
    return or_abort(getter, db.session, me(), record_id, permissions.WRITE)


@bp.route("/my-week/milestones/<int:milestone_id>/done", methods=["POST"])
def my_week_milestone_done(milestone_id):
    milestone = _part(milestones.get_milestone, milestone_id)
    key = _key("milestone", milestone.id)
    form = VersionForm(prefix=key)
    if form.validate_on_submit():
        ok, _ = commit_or_show(form, lambda: milestones.mark_done(
            db.session, me(), milestone, form.version_value()),
            stale_message=afresh_message("milestone"))
        if ok:
            flash(f"Marked “{milestone.title}” done.", "success")
    return _back(key)


@bp.route("/my-week/milestones/<int:milestone_id>/undo", methods=["POST"])
def my_week_milestone_undo(milestone_id):
    milestone = _part(milestones.get_milestone, milestone_id)
    key = _key("milestone", milestone.id)
    form = VersionForm(prefix=key)
    if form.validate_on_submit():
        ok, _ = commit_or_show(form, lambda: milestones.update_milestone(
            db.session, me(), milestone, form.version_value(), done_on=None),
            stale_message=afresh_message("milestone"))
        if ok:
            flash(f"“{milestone.title}” is open again.", "success")
    return _back(key)


@bp.route("/my-week/pdsa-cycles/<int:cycle_id>/advance", methods=["POST"])
def my_week_cycle_advance(cycle_id):
    cycle = _part(pdsa.get_cycle, cycle_id)
    key = _key("cycle", cycle.id)
    form = AdvanceForm(prefix=key)
    if form.validate_on_submit():
        ok, _ = commit_or_show(form, lambda: pdsa.advance_cycle(
            db.session, me(), cycle, form.values(cycle), form.version_value()),
            stale_message=afresh_message("cycle"), record=cycle)
        if ok:
            flash(f"“{cycle.title}” moved to {pdsa.STAGE_LABELS[cycle.stage]}.", "success")
            return _back(key)
    return render_my_week({key: form})


@bp.route("/my-week/measures/<int:measure_id>/points", methods=["POST"])
def my_week_point_add(measure_id):
    measure = _part(measures.get_measure, measure_id)
    key = _key("measure", measure.id)
    form = PointForm(prefix=key)
    if form.validate_on_submit():
        ok, recorded = commit_or_show(form, lambda: measures.record_point(
            db.session, me(), measure, form.on.data, form.value.data.strip()))
        if ok:
            was = (f" (it replaced {recorded.previous_value:g})" if recorded.replaced else "")
            flash(f"Recorded {recorded.point.value:g} for “{measure.name}” on "
                  f"{recorded.point.on:%-d %B}{was}.", "success")
            return _back(key)
    return render_my_week({key: form})


@bp.route("/my-week/initiatives/<int:initiative_id>/updates", methods=["POST"])
def my_week_update_log(initiative_id):
    initiative = or_abort(permissions.get_initiative, db.session, me(), initiative_id,
                          permissions.WRITE)
    key = _key("update", initiative.id)
    form = UpdateForm(prefix=key)
    if form.validate_on_submit():
        ok, _ = commit_or_show(form, lambda: updates.log_update(
            db.session, me(), initiative, rag=form.rag.data, narrative=form.narrative.data))
        if ok:
            flash(f"Update logged for “{initiative.title}”.", "success")
            return _back(key)
    return render_my_week({key: form})

