"""A school's insights: the list (filtered by judgement, or to the unanswered concerns),
recording one, editing it, and deleting it after a confirm step. The initiative page shows
the insights an initiative answers (``answered_by``, loaded by pages/lifecycle.py)."""
from math import ceil

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from tracker import clock, insights, permissions
from tracker.blueprints.api.common import paginate
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import (afresh_message, commit_or_show, me, or_abort,
                                             whole_number)
from tracker.blueprints.pages.forms import (PILLAR_LABELS, PILLARS, Form, MultiCheckboxField,
                                            options, plausible_date)
from tracker.blueprints.pages.initiative_forms import VersionForm
from tracker.errors import StaleVersion
from tracker.extensions import db
from tracker.models import School, User
from tracker.models.insight import INSIGHT_SOURCES, JUDGEMENTS

PER_PAGE = 50
# The initiative page's section (templates/pages/_initiative_insights.html) reads these.
bp.add_app_template_global(insights.JUDGEMENT_LABELS, "insight_judgement_labels")
bp.add_app_template_global(insights.SOURCE_LABELS, "insight_source_labels")


class InsightForm(Form):
    source = SelectField("Source", choices=options(
        (s, insights.SOURCE_LABELS[s]) for s in INSIGHT_SOURCES))
    on = DateField("Date", validators=[InputRequired("Say on which date this was found."),
                                       plausible_date])
    judgement = RadioField("Judgement", choices=options(
        (j, insights.JUDGEMENT_LABELS[j]) for j in JUDGEMENTS),
        validators=[InputRequired("Choose a judgement.")])
    pillars = MultiCheckboxField("Pillars it bears on", choices=options(
        (p, PILLAR_LABELS[p]) for p in PILLARS))
    title = StringField("Title", validators=[DataRequired("Give the insight a title."),
                                             Length(max=insights.MAX_TITLE)])
    summary = TextAreaField("Summary", validators=[Length(max=insights.MAX_SUMMARY)])
    initiative_ids = MultiCheckboxField("Initiatives that act on it", coerce=int)
    version = HiddenField()

    def values(self):
        return {name: getattr(self, name).data for name in insights.FIELDS}


def _school(school_id):
    return or_abort(insights.school_for, db.session, me(), school_id)


def _require_writer(school_id):
    if not permissions.may_write_insights(me(), school_id):
        abort(403, description=insights.WHO_WRITES)


def _with_initiatives(form, school_id):
    """The form's initiative checkboxes: the initiatives that may act on the school's insights."""
    found = db.session.execute(insights.possible_initiatives(db.session, me(), school_id)
                               ).scalars().all()
    form.initiative_ids.choices = options(
        (i.id, i.title + ("" if len(i.school_ids) == 1 else f" (across {len(i.school_ids)} schools)")
         + ("" if i.status == "active" else f", {i.status}")) for i in found)
    return form


@bp.route("/schools/<int:school_id>/insights")
def insight_list(school_id):
    user, school, today = me(), _school(school_id), clock.today()
    judgement = request.args.get("judgement") or None
    judgement = judgement if judgement in JUDGEMENTS else None
    unanswered = request.args.get("unanswered") in ("1", "true", "on")
    page = whole_number(request.args.get("page"), 100_000) or 1
    result = paginate(insights.insights_of(db.session, user, school.id, judgement=judgement,
                                           unanswered=unanswered, today=today), page, PER_PAGE)
    found, total = result["items"], result["total"]
    authors = dict(db.session.execute(select(User.id, User.name).where(
        User.id.in_({i.author_id for i in found} or {-1}))).all())
    return render_template(
        "pages/insight_list.html", school=school, insights=found, total=total, page=page,
        pages=max(1, ceil(total / PER_PAGE)), judgement=judgement, unanswered=unanswered,
        today=today, authors=authors, may_write=permissions.may_write_insights(user, school.id),
        **_labels())


def _labels():
    return {"source_labels": insights.SOURCE_LABELS, "pillar_labels": PILLAR_LABELS,
            "action_days": insights.action_days(),
            "judgement_labels": insights.JUDGEMENT_LABELS, "judgements": JUDGEMENTS,
            "is_unanswered": insights.is_unanswered, "answer_by": insights.answer_by}


@bp.route("/schools/<int:school_id>/insights/new", methods=["GET", "POST"])
def insight_new(school_id):
    user, school = me(), _school(school_id)
    _require_writer(school.id)
    form = _with_initiatives(InsightForm(), school.id)
    if request.method == "GET":
        form.on.data = clock.today()
        chosen = whole_number(request.args.get("initiative_id"))
        form.initiative_ids.data = [chosen] if chosen else []
    if form.validate_on_submit():
        ok, insight = commit_or_show(form, lambda: insights.create_insight(
            db.session, user, school.id, **form.values()))
        if ok:
            flash(f"Recorded the insight “{insight.title}”.", "success")
            return redirect(url_for("pages.insight_list", school_id=school.id,
                                    _anchor=f"insight-{insight.id}"))
    return render_template("pages/insight_form.html", form=form, school=school, insight=None,
                           **_labels()), 422 if form.errors else 200


def _insight(insight_id):
    insight = or_abort(insights.get_insight, db.session, me(), insight_id, write=True)
    return insight, db.session.get(School, insight.school_id)


@bp.route("/insights/<int:insight_id>/edit", methods=["GET", "POST"])
def insight_edit(insight_id):
    insight, school = _insight(insight_id)
    form = _with_initiatives(InsightForm(obj=insight if request.method == "GET" else None),
                             school.id)
    if request.method == "GET":
        form.version.data = insight.version
    status = 200
    if form.validate_on_submit():
        ok, result = commit_or_show(form, lambda: insights.update_insight(
            db.session, me(), insight, whole_number(form.version.data), **form.values()),
            record=insight)
        if ok:
            flash(f"Saved the insight “{insight.title}”.", "success")
            return redirect(url_for("pages.insight_list", school_id=school.id,
                                    _anchor=f"insight-{insight.id}"))
        status = 409 if isinstance(result, StaleVersion) else 422
    return render_template("pages/insight_form.html", form=form, school=school, insight=insight,
                           **_labels()), 422 if form.errors else status


@bp.route("/insights/<int:insight_id>/delete", methods=["GET", "POST"])
def insight_delete(insight_id):
    """Ask first (GET), then delete (POST)."""
    insight, school = _insight(insight_id)
    form = VersionForm()
    if request.method == "POST" and form.validate_on_submit():
        title = insight.title
        ok, _ = commit_or_show(form, lambda: insights.delete_insight(db.session, me(), insight),
                               stale_message=afresh_message("insight"), record=insight)
        if ok:
            flash(f"Deleted the insight “{title}”.", "success")
            return redirect(url_for("pages.insight_list", school_id=school.id))
    return render_template("pages/insight_delete.html", form=form, insight=insight, school=school,
                           **_labels())
