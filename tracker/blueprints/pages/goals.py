"""Goals and driver diagrams (a tab of the trust's view): the goals a reader sees with the
initiatives aligned to none, a goal's form, and a goal's driver diagram with the forms to add,
rename and delete its drivers. The rules are tracker/goals.py's."""
from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from wtforms import DateField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from tracker import goals, kpis, permissions
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import commit_or_show, me, or_abort
from tracker.blueprints.pages.forms import Form, plausible_date
from tracker.extensions import db
from tracker.models import Measure, School

#: The value of the goal form's school select meaning "the trust's own goal".
TRUST = 0


class GoalForm(Form):
    title = StringField("Goal", validators=[DataRequired("Give the goal a title."),
                                            Length(max=goals.MAX_TITLE)])
    aim = TextAreaField("The aim: what will improve, by how much, by when",
                        validators=[Length(max=goals.MAX_AIM)])
    school_id = SelectField("Whose goal", coerce=int, validators=[Optional()])
    measure_id = SelectField("Measured by (a trust KPI)", coerce=int, validators=[Optional()])
    target_on = DateField("Target date", validators=[Optional(), plausible_date])
    version = HiddenField()


class DriverForm(Form):
    title = StringField("Driver", validators=[DataRequired("Give the driver a title."),
                                              Length(max=goals.MAX_TITLE)])
    parent_id = SelectField("Level", coerce=int, validators=[Optional()])


class RenameDriverForm(Form):
    title = StringField("New title", validators=[DataRequired("Give the driver a title."),
                                                 Length(max=goals.MAX_TITLE)])
    version = HiddenField()


class DeleteForm(Form):
    pass


def _goal(goal_id, action=permissions.READ):
    return or_abort(goals.get_goal, db.session, me(), goal_id, action)


@bp.route("/goals")
def goal_list():
    """The trust's goals, then the schools' the reader sees; and the work aligned to none."""
    user, session = me(), db.session
    found = session.execute(goals.find_goals(session, user)).scalars().all()
    return render_template(
        "pages/goal_list.html", goals=found,
        not_aligned=session.execute(goals.not_aligned(session, user)).scalars().all(),
        school_names=_names(session, {g.school_id for g in found}),
        may_write=_may_set_goals(session, user))


def _may_set_goals(session, user):
    return permissions.may_write_goal(user) or bool(goals.writable_schools(session, user))


def _names(session, school_ids):
    ids = [i for i in school_ids if i is not None]
    if not ids:
        return {}
    return dict(session.execute(select(School.id, School.name).where(School.id.in_(ids))).all())


def _goal_form_choices(form, user, session, goal=None):
    scopes = []
    if permissions.may_write_goal(user):
        scopes.append(SelectChoice(TRUST, "The trust's goal"))
    scopes += [SelectChoice(s.id, f"{s.name}'s goal") for s in goals.writable_schools(session, user)]
    form.school_id.choices = scopes
    form.measure_id.choices = [SelectChoice(0, "No measure")] + [
        SelectChoice(m.id, m.name) for m in session.execute(kpis.find_kpis()).scalars()]
    if goal is not None and goal.measure_id and goal.measure_id not in {
            c.value for c in form.measure_id.choices}:
        form.measure_id.choices.append(SelectChoice(goal.measure_id, "The initiative measure it has now"))


def _values(form):
    return {"title": form.title.data, "aim": form.aim.data or "",
            "measure_id": form.measure_id.data or None, "target_on": form.target_on.data}


@bp.route("/goals/new", methods=["GET", "POST"])
def goal_new():
    user, session = me(), db.session
    if not _may_set_goals(session, user):
        abort(403, description=goals.WRITE_REFUSAL)
    form = GoalForm()
    _goal_form_choices(form, user, session)
    if form.validate_on_submit():
        ok, goal = commit_or_show(form, lambda: goals.create_goal(
            session, user, school_id=form.school_id.data or None, **_values(form)))
        if ok:
            flash(f"Set the goal “{goal.title}”. Add its primary drivers next.", "success")
            return redirect(url_for("pages.goal_detail", goal_id=goal.id))
    return render_template("pages/goal_form.html", form=form, goal=None), \
        422 if form.errors else 200


@bp.route("/goals/<int:goal_id>/edit", methods=["GET", "POST"])
def goal_edit(goal_id):
    user, session = me(), db.session
    goal = _goal(goal_id, permissions.WRITE)
    form = GoalForm(obj=goal) if request.method == "GET" else GoalForm()
    _goal_form_choices(form, user, session, goal)
    form.school_id.choices = [SelectChoice(goal.school_id or TRUST, "Stays as it is")]
    status = 200
    if request.method == "GET":
        form.school_id.data, form.measure_id.data = goal.school_id or TRUST, goal.measure_id or 0
    elif form.validate_on_submit():
        ok, _ = commit_or_show(form, lambda: goals.update_goal(
            session, user, goal, _version(form), **_values(form)), record=goal)
        if ok:
            flash("Saved the goal.", "success")
            return redirect(url_for("pages.goal_detail", goal_id=goal.id))
        status = 422
    return render_template("pages/goal_form.html", form=form, goal=goal,
                           delete_form=DeleteForm()), 422 if form.errors else status


def _version(form):
    value = (form.version.data or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


@bp.route("/goals/<int:goal_id>/delete", methods=["POST"])
def goal_delete(goal_id):
    user, session = me(), db.session
    goal = _goal(goal_id, permissions.WRITE)
    title = goal.title
    ok, _ = commit_or_show(None, lambda: goals.delete_goal(session, user, goal))
    if ok:
        flash(f"Deleted the goal “{title}”; its initiatives stay.", "success")
        return redirect(url_for("pages.goal_list"))
    return redirect(url_for("pages.goal_detail", goal_id=goal.id))


@bp.route("/goals/<int:goal_id>")
def goal_detail(goal_id, driver_form=None, rename_forms=None, status=200):
    """The driver diagram: goal → primary drivers → secondary drivers → initiatives."""
    user, session = me(), db.session
    goal = _goal(goal_id)
    picture = goals.diagram(session, user, goal)
    may_write = permissions.may_write_goal(user, goal.school_id)
    driver_form = driver_form or DriverForm(formdata=None)
    driver_form.parent_id.choices = [SelectChoice(0, "A primary driver")] + [
        SelectChoice(d["id"], f"Secondary, under “{d['title']}”") for d in picture["drivers"]]
    rename_forms = rename_forms or {}
    for node in _every_driver(picture):
        if node["id"] not in rename_forms:
            rename_forms[node["id"]] = RenameDriverForm(
                formdata=None, prefix=f"d{node['id']}", title=node["title"], version=node["version"])
    return render_template(
        "pages/goal_detail.html", goal=goal, drivers=picture["drivers"], may_write=may_write,
        whole_trust=permissions.sees_whole_trust(user),
        driver_form=driver_form, rename_forms=rename_forms, delete_form=DeleteForm(),
        measure=_measure(session, goal),
        school_name=_names(session, {goal.school_id}).get(goal.school_id)), status


def _every_driver(picture):
    return [n for d in picture["drivers"] for n in [d] + d["children"]]


def _measure(session, goal):
    return session.get(Measure, goal.measure_id) if goal.measure_id else None


@bp.route("/goals/<int:goal_id>/drivers", methods=["POST"])
def driver_add(goal_id):
    user, session = me(), db.session
    goal = _goal(goal_id, permissions.WRITE)
    form = DriverForm()
    form.parent_id.choices = [SelectChoice(0, "")] + [
        SelectChoice(d.id, d.title) for d in goal.drivers if d.parent_id is None]
    if form.validate_on_submit():
        ok, driver = commit_or_show(form, lambda: goals.add_driver(
            session, user, goal, title=form.title.data, parent_id=form.parent_id.data or None))
        if ok:
            flash(f"Added the driver “{driver.title}”.", "success")
            return redirect(url_for("pages.goal_detail", goal_id=goal.id, _anchor=f"driver-{driver.id}"))
    return goal_detail(goal_id, driver_form=form, status=422)


@bp.route("/goals/<int:goal_id>/drivers/<int:driver_id>", methods=["POST"])
def driver_rename(goal_id, driver_id):
    user, session = me(), db.session
    goal = _goal(goal_id, permissions.WRITE)
    driver = or_abort(goals.get_driver, session, user, goal, driver_id)
    form = RenameDriverForm(prefix=f"d{driver.id}")
    if form.validate_on_submit():
        ok, _ = commit_or_show(form, lambda: goals.rename_driver(
            session, user, driver, _version(form), form.title.data), record=driver)
        if ok:
            flash("Renamed the driver.", "success")
            return redirect(url_for("pages.goal_detail", goal_id=goal.id, _anchor=f"driver-{driver.id}"))
    return goal_detail(goal_id, rename_forms={driver.id: form}, status=422)


@bp.route("/goals/<int:goal_id>/drivers/<int:driver_id>/delete", methods=["POST"])
def driver_delete(goal_id, driver_id):
    user, session = me(), db.session
    goal = _goal(goal_id, permissions.WRITE)
    driver = or_abort(goals.get_driver, session, user, goal, driver_id)
    title = driver.title
    ok, _ = commit_or_show(None, lambda: goals.delete_driver(session, user, driver))
    if ok:
        flash(f"Deleted the driver “{title}”; its initiatives stay.", "success")
    return redirect(url_for("pages.goal_detail", goal_id=goal.id))
