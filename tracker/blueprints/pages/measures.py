"""Measure pages: the run chart and XmR chart of one measure, adding points one by one or
from a spreadsheet, freezing a baseline and re-basing; adding and editing measures."""
from flask import flash, redirect, render_template, request, url_for
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker import kpis, measures, permissions
from tracker.blueprints.pages import bp, charts
from tracker.blueprints.pages.common import commit_or_show, me, or_abort, whole_number
from tracker.blueprints.pages.forms import Form, plausible_date
from tracker.errors import StaleVersion
from tracker.extensions import db
from tracker.models.measure import MEASURE_KINDS

KIND_LABELS = {
    "outcome": "Outcome: what changes for pupils",
    "implementation": "Implementation: fidelity, acceptability, feasibility or reach",
    "process": "Process: is the change being carried out",
    "balancing": "Balancing: what might get worse",
}
SERIES_LABELS = {"initiative": "the whole initiative", "mean_of_schools": "the average of the schools",
                 "school": "one school",
                 "combined": "the whole initiative: its own value on a date that has one, "
                             "otherwise the average of the schools"}


class MeasureForm(Form):
    name = StringField("Name", validators=[DataRequired("Give the measure a name."),
                                           Length(max=measures.MAX_NAME)])
    unit = StringField("Unit", validators=[Length(max=measures.MAX_UNIT)])
    kind = SelectField("Kind", choices=[SelectChoice(k, KIND_LABELS[k]) for k in MEASURE_KINDS])
    higher_is_better = SelectField("Direction", choices=[SelectChoice("1", "Higher is better"),
                                                         SelectChoice("0", "Lower is better")])
    baseline = StringField("Baseline value")
    target = StringField("Target")
    version = HiddenField()


class PointForm(Form):
    on = DateField("Date", validators=[InputRequired("Enter the date of the value."), plausible_date])
    value = StringField("Value", validators=[InputRequired("Enter the value.")])
    school_id = SelectField("School", coerce=int, validators=[Optional()])


class ImportForm(Form):
    file = FileField("CSV file")


class BaselineForm(Form):
    baseline_until = DateField("Baseline ends on", validators=[Optional(), plausible_date])
    version = HiddenField()


class RebaseForm(Form):
    starts_on = DateField("New segment starts on",
                          validators=[InputRequired("Enter the day the sustained change began."),
                                      plausible_date])
    baseline_until = DateField("Its baseline ends on (optional)", validators=[Optional(), plausible_date])
    reason = StringField("What changed", validators=[Length(max=measures.MAX_REASON)])


@bp.app_template_global()
def measure_figure(chart, measure, annotations=(), chart_id="chart", compact=False, title=None,
                   scale=None):
    """A measure's run chart or XmR chart (by ``chart.kind``) as a figure; ``scale`` puts
    small multiples on one axis (``kpis.shared_scale``)."""
    draw = charts.spc_chart_figure if chart.kind == "xmr" else charts.run_chart_figure
    title = title or f"{'XmR chart' if chart.kind == 'xmr' else 'Run chart'} of {measure.name}"
    return draw(chart, title=title, unit=measure.unit, target=measure.target,
                higher_is_better=measure.higher_is_better, annotations=annotations,
                chart_id=chart_id, compact=compact, scale=scale)


@bp.app_template_filter("measure_value")
def measure_value(value, unit=""):
    return charts.fmt(value, unit)


@bp.app_template_global()
def signal_words(chart):
    return charts.signal_words(chart)


# --------------------------------------------------------------------------- measure page


def flash_recorded(recorded, unit):
    """Tell what ``measures.record_point`` did: added a value, or replaced which one."""
    point = recorded.point
    said = f"{charts.fmt(point.value, unit)} on {point.on.strftime('%-d %B %Y')}"
    flash(f"Replaced {charts.fmt(recorded.previous_value, unit)} with {said}."
          if recorded.replaced else f"Added {said}.", "success")


def _measure(measure_id, action=permissions.READ):
    return or_abort(measures.get_measure, db.session, me(), measure_id, action)


def _measure_to_define(measure_id):
    """The measure, if the signed-in person may change it itself (a trust KPI: its definers)."""
    measure = _measure(measure_id, permissions.WRITE)
    or_abort(measures.require_definer, me(), measure)
    return measure


def _school_choice():
    return whole_number(request.args.get("school_id"))


def _schools(user, measure):
    """The schools whose points ``user`` may chart: the initiative's they see, or for a trust
    KPI every school they see."""
    if measure.is_trust_kpi:
        return kpis.visible_schools(db.session, user)
    return [s for s in measure.initiative.schools if permissions.can_see_school(user, s.id)]


def _school_choices(user, measure, schools=None):
    schools = _schools(user, measure) if schools is None else schools
    if measure.is_trust_kpi:
        return [SelectChoice(s.id, s.name) for s in schools if permissions.may_record_kpi(user, s.id)]
    return [SelectChoice(0, "The whole initiative")] + [SelectChoice(s.id, s.name) for s in schools]


def _render(measure, status=200, point_form=None, import_form=None, report=None,
            baseline_form=None, rebase_form=None):
    user = me()
    school_id = _school_choice()
    view = or_abort(measures.measure_view, db.session, user, measure, school_id)
    schools = _schools(user, measure)
    point_form = point_form or PointForm(formdata=None, school_id=school_id)
    point_form.school_id.choices = _school_choices(user, measure, schools)
    baseline_form = baseline_form or BaselineForm(
        formdata=None, prefix="baseline", baseline_until=measure.baseline_until,
        version=measure.version)
    if measure.is_trust_kpi:
        can_define = permissions.may_define_kpis(user)
        can_record = bool(point_form.school_id.choices)
    else:
        can_define = can_record = permissions.can(user, permissions.WRITE, measure.initiative)
    return render_template(
        "pages/measure_detail.html", measure=measure, initiative=measure.initiative, view=view,
        school_id=school_id, schools=schools, school_names={s.id: s.name for s in schools},
        series_labels=SERIES_LABELS, kind_labels=KIND_LABELS,
        reading=kpis.reading(view.spc, school_id) if measure.is_trust_kpi and school_id else None,
        target_side=kpis.target_against_limits(view.spc.current.chart),
        can_define=can_define, can_record=can_record,
        point_form=point_form, import_form=import_form or ImportForm(formdata=None, prefix="import"),
        report=report, baseline_form=baseline_form,
        rebase_form=rebase_form or RebaseForm(formdata=None, prefix="rebase")), status


@bp.route("/measures/<int:measure_id>")
def measure_detail(measure_id):
    return _render(_measure(measure_id))


@bp.route("/measures/<int:measure_id>/points", methods=["POST"])
def measure_add_point(measure_id):
    user = me()
    measure = _measure(measure_id, permissions.WRITE)
    form = PointForm()
    form.school_id.choices = _school_choices(user, measure)
    back = form.school_id.data if measure.is_trust_kpi else None
    if form.validate_on_submit():
        ok, recorded = commit_or_show(form, lambda: (
            measures.record_point(db.session, user, measure, form.on.data,
                                             form.value.data, form.school_id.data or None)
        ))
        if ok:
            flash_recorded(recorded, measure.unit)
            return redirect(url_for("pages.measure_detail", measure_id=measure.id, school_id=back,
                                    _anchor="run-chart-section"))
    return _render(measure, 422, point_form=form)


@bp.route("/measures/<int:measure_id>/import", methods=["POST"])
def measure_import(measure_id):
    user = me()
    measure = _measure(measure_id, permissions.WRITE)
    form = ImportForm(prefix="import")
    upload = form.file.data if form.validate_on_submit() else None
    if not upload or not getattr(upload, "filename", ""):
        form.file.errors = list(form.file.errors) + ["Choose a CSV file to import."]
        return _render(measure, 422, import_form=form)
    ok, report = commit_or_show(form, lambda: measures.import_points_csv(
        db.session, user, measure,
        measures.decode_upload(upload.read(measures.MAX_IMPORT_CHARS + 1)),
        _school_choice() if measure.is_trust_kpi else None))
    if not ok:
        return _render(measure, 422, import_form=form)
    db.session.refresh(measure)
    return _render(measure, import_form=ImportForm(formdata=None, prefix="import"), report=report)


@bp.route("/measures/<int:measure_id>/baseline", methods=["POST"])
def measure_baseline(measure_id):
    user = me()
    measure = _measure_to_define(measure_id)
    form = BaselineForm(prefix="baseline")
    if form.validate_on_submit():
        until = None if request.form.get("unfreeze") else form.baseline_until.data
        if until is None and not request.form.get("unfreeze"):
            form.baseline_until.errors = ["Enter the last day of the baseline period."]
            return _render(measure, 422, baseline_form=form)
        ok, error = commit_or_show(
            form, lambda: measures.update_measure(db.session, user, measure,
                                                  measure_version(form.version.data), baseline_until=until),
            stale_message="Someone else changed this measure while you were looking at it; "
                          "here it is as it is now.")
        if isinstance(error, StaleVersion):
            return redirect(url_for("pages.measure_detail", measure_id=measure_id))
        if ok:
            flash(f"Froze the centre line on the points up to {until.strftime('%-d %B %Y')}."
                  if until else "Unfroze the baseline: the centre line uses every point.", "success")
            return redirect(url_for("pages.measure_detail", measure_id=measure.id,
                                    _anchor="baseline-section"))
    return _render(measure, 422, baseline_form=form)


@bp.route("/measures/<int:measure_id>/rebases", methods=["POST"])
def measure_rebase(measure_id):
    user = me()
    measure = _measure_to_define(measure_id)
    form = RebaseForm(prefix="rebase")
    if form.validate_on_submit():
        ok, _ = commit_or_show(form, lambda: (
            measures.add_rebase(db.session, user, measure, form.starts_on.data,
                                form.baseline_until.data, form.reason.data)
        ))
        if ok:
            flash(f"Re-based from {form.starts_on.data.strftime('%-d %B %Y')}: "
                  "a new centre line starts there.", "success")
            return redirect(url_for("pages.measure_detail", measure_id=measure.id,
                                    _anchor="baseline-section"))
    return _render(measure, 422, rebase_form=form)


@bp.route("/measures/<int:measure_id>/rebases/<int:rebase_id>/delete", methods=["POST"])
def measure_rebase_delete(measure_id, rebase_id):
    measure = _measure_to_define(measure_id)
    ok, _ = commit_or_show(None, lambda: or_abort(measures.remove_rebase, db.session, me(),
                                                  measure, rebase_id))
    if ok:
        flash("Removed the re-base: its points rejoin the segment before it.", "success")
    return redirect(url_for("pages.measure_detail", measure_id=measure.id, _anchor="baseline-section"))


@bp.route("/measures/<int:measure_id>/points/<int:point_id>/delete", methods=["POST"])
def measure_point_delete(measure_id, point_id):
    measure = _measure(measure_id, permissions.WRITE)
    ok, _ = commit_or_show(None, lambda: or_abort(measures.delete_point, db.session, me(),
                                                  measure, point_id))
    if ok:
        flash("Removed the point.", "success")
    return redirect(url_for("pages.measure_detail", measure_id=measure.id, _anchor="points-section"))


# --------------------------------------------------------------------------- add, edit, delete


def stored_number(value):
    """A stored number as a form field shows it for editing (no thousands separator)."""
    return "" if value is None else charts.fmt(value).replace(",", "")


def measure_version(raw):
    # 0 is a version no record has: it is stale, not missing.
    return 0 if (raw or "").strip() == "0" else whole_number(raw)


def form_values(form):
    return {"name": form.name.data, "unit": form.unit.data or "", "kind": form.kind.data,
            "higher_is_better": form.higher_is_better.data == "1",
            "baseline": (form.baseline.data or "").strip() or None,
            "target": (form.target.data or "").strip() or None}


@bp.route("/initiatives/<int:initiative_id>/measures/new", methods=["GET", "POST"])
def measure_new(initiative_id):
    user = me()
    initiative = or_abort(permissions.get_initiative, db.session, user, initiative_id,
                          permissions.WRITE)
    form = MeasureForm()
    if form.validate_on_submit():
        ok, measure = commit_or_show(form, lambda: (
            measures.create_measure(db.session, user, initiative, **form_values(form))
        ))
        if ok:
            flash(f"Added the measure “{measure.name}”. Add its first point below.", "success")
            return redirect(url_for("pages.measure_detail", measure_id=measure.id))
    return render_template("pages/measure_form.html", form=form, initiative=initiative,
                           measure=None), 422 if form.errors else 200


@bp.route("/measures/<int:measure_id>/edit", methods=["GET", "POST"])
def measure_edit(measure_id):
    user = me()
    measure = _measure(measure_id, permissions.WRITE)
    if measure.is_trust_kpi:
        return redirect(url_for("pages.kpi_edit", kpi_id=measure.id))
    form, saved = edit_measure(user, measure, "measure")
    if saved:
        return redirect(url_for("pages.measure_detail", measure_id=measure.id))
    return render_template("pages/measure_form.html", form=form, initiative=measure.initiative,
                           measure=measure), 422 if form.errors else 200


def edit_measure(user, measure, what):
    """The edit form of ``measure`` (an initiative's measure or a trust KPI, ``what`` naming
    it): filled from the record on GET; on a valid POST, saved. Returns ``(form, saved)``."""
    form = MeasureForm(obj=measure if request.method == "GET" else None)
    if request.method == "GET":
        form.higher_is_better.data = "1" if measure.higher_is_better else "0"
        form.baseline.data = stored_number(measure.baseline)
        form.target.data = stored_number(measure.target)
        form.version.data = measure.version
    if not form.validate_on_submit():
        return form, False
    ok, _ = commit_or_show(
        form, lambda: measures.update_measure(db.session, user, measure,
                                              measure_version(form.version.data), **form_values(form)),
        stale_message=f"Someone else changed this {what} while you were editing. Your changes "
                      f"are still in the form: check the {what} in another tab, then save again.",
        record=measure)
    if ok:
        flash(f"Saved the {what}.", "success")
    return form, ok


@bp.route("/measures/<int:measure_id>/delete", methods=["POST"])
def measure_delete(measure_id):
    measure = _measure_to_define(measure_id)
    initiative_id, name = measure.initiative_id, measure.name
    ok, _ = commit_or_show(None, lambda: measures.delete_measure(db.session, me(), measure))
    if not ok:
        return redirect(url_for("pages.measure_detail", measure_id=measure_id))
    flash(f"Deleted the measure “{name}” and its points.", "success")
    if initiative_id is None:
        return redirect(url_for("pages.kpi_list"))
    return redirect(url_for("pages.initiative_detail", initiative_id=initiative_id,
                            _anchor="measures"))
