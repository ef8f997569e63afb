"""Trust KPI pages: every KPI as small multiples across the schools a person sees (one value
scale per KPI, the Making Data Count icons beside each school), one KPI with its schools
compared, adding a school's value or a spreadsheet of them, and defining a KPI.

Each school's full chart is the measure page with ``school_id`` (pages/measures.py)."""
from flask import abort, flash, redirect, render_template, url_for
from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional

from tracker import kpis, measures, permissions
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import commit_or_show, me, or_abort
from tracker.blueprints.pages.measures import (ImportForm, MeasureForm, PointForm, edit_measure,
                                               flash_recorded, form_values)
from tracker.extensions import db


def _kpi(measure_id, action=permissions.READ):
    return or_abort(kpis.get_kpi, db.session, me(), measure_id, action)


def _require_definer():
    if not permissions.may_define_kpis(me()):
        abort(403, description=measures.KPI_DEFINE_REFUSAL)


class KpiImportForm(ImportForm):
    school_id = SelectField("The file's school", coerce=int, validators=[Optional()])


def recordable_choices(user, schools):
    """The schools ``user`` may record a KPI's values for, as a select's choices."""
    return [SelectChoice(s.id, s.name) for s in schools if permissions.may_record_kpi(user, s.id)]


@bp.route("/kpis")
def kpi_list():
    user = me()
    return render_template("pages/kpi_list.html", boards=kpis.boards(db.session, user),
                           may_define=permissions.may_define_kpis(user))


def _render_kpi(measure, status=200, point_form=None, import_form=None, report=None):
    user = me()
    board = kpis.boards(db.session, user, [measure])[0]
    schools = [school for school, _ in board.rows]
    choices = recordable_choices(user, schools)
    point_form = point_form or PointForm(formdata=None, prefix="point")
    point_form.school_id.choices = choices
    import_form = import_form or KpiImportForm(formdata=None, prefix="import")
    import_form.school_id.choices = [SelectChoice(0, "The school column of the file")] + choices
    return render_template(
        "pages/kpi_detail.html", measure=measure, board=board,
        may_define=permissions.may_define_kpis(user), may_record=bool(choices),
        point_form=point_form, import_form=import_form, report=report), status


@bp.route("/kpis/<int:kpi_id>")
def kpi_detail(kpi_id):
    return _render_kpi(_kpi(kpi_id))


@bp.route("/kpis/<int:kpi_id>/points", methods=["POST"])
def kpi_add_point(kpi_id):
    user = me()
    measure = _kpi(kpi_id, permissions.WRITE)
    form = PointForm(prefix="point")
    form.school_id.choices = recordable_choices(user, kpis.visible_schools(db.session, user))
    if form.validate_on_submit():
        ok, recorded = commit_or_show(form, lambda: measures.record_point(
            db.session, user, measure, form.on.data, form.value.data, form.school_id.data))
        if ok:
            flash_recorded(recorded, measure.unit)
            return redirect(url_for("pages.kpi_detail", kpi_id=measure.id, _anchor="schools"))
    return _render_kpi(measure, 422, point_form=form)


@bp.route("/kpis/<int:kpi_id>/import", methods=["POST"])
def kpi_import(kpi_id):
    user = me()
    measure = _kpi(kpi_id, permissions.WRITE)
    form = KpiImportForm(prefix="import")
    form.school_id.choices = [SelectChoice(0, "")] + recordable_choices(
        user, kpis.visible_schools(db.session, user))
    upload = form.file.data if form.validate_on_submit() else None
    if not upload or not getattr(upload, "filename", ""):
        form.file.errors = list(form.file.errors) + ["Choose a CSV file to import."]
        return _render_kpi(measure, 422, import_form=form)
    ok, report = commit_or_show(form, lambda: measures.import_points_csv(
        db.session, user, measure, measures.decode_upload(upload.read(measures.MAX_IMPORT_CHARS + 1)),
        form.school_id.data or None))
    if not ok:
        return _render_kpi(measure, 422, import_form=form)
    return _render_kpi(measure, report=report)


@bp.route("/kpis/new", methods=["GET", "POST"])
def kpi_new():
    user = me()
    _require_definer()
    form = MeasureForm()
    if form.validate_on_submit():
        ok, measure = commit_or_show(form, lambda: kpis.create_kpi(db.session, user, **form_values(form)))
        if ok:
            flash(f"Defined the trust KPI “{measure.name}”. Each school can now add its values.",
                  "success")
            return redirect(url_for("pages.kpi_detail", kpi_id=measure.id))
    return render_template("pages/kpi_form.html", form=form, measure=None), 422 if form.errors else 200


@bp.route("/kpis/<int:kpi_id>/edit", methods=["GET", "POST"])
def kpi_edit(kpi_id):
    user = me()
    measure = _kpi(kpi_id)
    _require_definer()
    form, saved = edit_measure(user, measure, "KPI")
    if saved:
        return redirect(url_for("pages.kpi_detail", kpi_id=measure.id))
    return render_template("pages/kpi_form.html", form=form, measure=measure), 422 if form.errors else 200

