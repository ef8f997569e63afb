"""Expert pages: the central team's list of experts, adding and changing one, and their
leave. The same domain functions as the API (``tracker.capacity``), so the same rules:
only the central team and admins, cutting days below what is allocated needs a reason,
leave is never refused for load."""
from flask import flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy.orm import joinedload
from wtforms import (BooleanField, DateField, EmailField, FloatField, HiddenField, SelectField,
                     StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from tracker import capacity, permissions, schools
from tracker.blueprints.api.common import paginate
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import commit_or_show, me, or_abort, whole_number
from tracker.blueprints.pages.forms import Form, plausible_date
from tracker.extensions import db
from tracker.models import Expert

EXPERTS_PAGE = 100


class ExpertForm(Form):
    name = StringField("Name", validators=[InputRequired("Enter the expert's name."), Length(max=200)])
    email = EmailField("Email", validators=[InputRequired("Enter their email address."), Length(max=254)])
    specialisms = StringField("Specialisms (optional)", validators=[Length(max=3000)])
    home_school_id = SelectField("Home school", coerce=int, validators=[Optional()])
    days_per_week = FloatField("Days a week", validators=[InputRequired(
        "Give more than 0 and at most 7 days a week.")], render_kw={"inputmode": "decimal"})
    active = BooleanField("Deployed (clear this when they leave the central team)", default=True)
    override_reason = TextAreaField("Reason to override (optional)", validators=[Length(max=2000)])
    version = HiddenField()


class LeaveForm(Form):
    starts_on = DateField("First day away", validators=[InputRequired("Give the first day."),
                                                        plausible_date])
    ends_on = DateField("Last day away", validators=[InputRequired("Give the last day."),
                                                     plausible_date])
    reason = StringField("Reason (optional)", validators=[Length(max=200)])


def _allocator():
    user = me()
    or_abort(permissions.require, user, permissions.ALLOCATE)
    return user


def _fill_schools(form, user):
    form.home_school_id.choices = [SelectChoice(0, "Not based at a school")] + [
        SelectChoice(s.id, s.name)
        for s in db.session.execute(schools.visible_schools(user)).scalars()]


def _values(form):
    return {"name": form.name.data, "email": form.email.data,
            "specialisms": [s for s in (form.specialisms.data or "").split(",") if s.strip()],
            "home_school_id": form.home_school_id.data or None,
            "days_per_week": form.days_per_week.data, "active": form.active.data}


@bp.route("/experts")
def expert_list():
    """Every expert (deployed first), with links to change them and their leave."""
    _allocator()
    page = whole_number(request.args.get("page")) or 1
    stmt = capacity.find_experts().options(joinedload(Expert.home_school))
    result = paginate(stmt.order_by(None).order_by(Expert.active.desc(), Expert.name, Expert.id),
                      page, EXPERTS_PAGE)
    return render_template("pages/expert_list.html", experts=result["items"], total=result["total"],
                           page=page, pages=max(1, -(-result["total"] // EXPERTS_PAGE)))


@bp.route("/experts/new", methods=["GET", "POST"])
def expert_new():
    user = _allocator()
    form = ExpertForm()
    _fill_schools(form, user)
    if form.validate_on_submit():
        saved, expert = commit_or_show(form, lambda: capacity.create_expert(
            db.session, user, **_values(form)))
        if saved:
            flash(f"Added {expert.name}.", "success")
            return redirect(url_for("pages.expert_list"))
    return render_template("pages/expert_form.html", form=form, expert=None)


@bp.route("/experts/<int:expert_id>/edit", methods=["GET", "POST"])
def expert_edit(expert_id):
    user = _allocator()
    expert = or_abort(capacity.get_expert, db.session, expert_id)
    form = ExpertForm(obj=expert if request.method == "GET" else None)
    _fill_schools(form, user)
    if request.method == "GET":
        form.specialisms.data = ", ".join(expert.specialisms or [])
        form.home_school_id.data = expert.home_school_id or 0
        form.version.data = expert.version
    if form.validate_on_submit():
        saved, _ = commit_or_show(form, lambda: capacity.update_expert(
            db.session, user, expert, whole_number(form.version.data),
            override_reason=form.override_reason.data, **_values(form)), record=expert)
        if saved:
            flash(f"Saved {expert.name}.", "success")
            return redirect(url_for("pages.expert_list"))
    return render_template("pages/expert_form.html", form=form, expert=expert)


def _leave_page(expert, form, user):
    leave = or_abort(capacity.unavailability_of, db.session, user, expert)
    return render_template("pages/expert_leave.html", expert=expert, leave=leave, form=form)


@bp.route("/experts/<int:expert_id>/leave", methods=["GET", "POST"])
def expert_leave(expert_id):
    """An expert's leave and courses, newest first, and a form to record more."""
    user = _allocator()
    expert = or_abort(capacity.get_expert, db.session, expert_id)
    form = LeaveForm()
    if form.validate_on_submit():
        saved, leave = commit_or_show(form, lambda: capacity.add_unavailability(
            db.session, user, expert, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
            reason=form.reason.data))
        if saved:
            flash(f"Recorded {expert.name} away from {leave.starts_on:%-d %b %Y} to "
                  f"{leave.ends_on:%-d %b %Y}.", "success")
            return redirect(url_for("pages.expert_leave", expert_id=expert.id))
    return _leave_page(expert, form, user)


@bp.route("/experts/<int:expert_id>/leave/<int:unavailability_id>/delete", methods=["POST"])
def expert_leave_remove(expert_id, unavailability_id):
    user = _allocator()
    expert = or_abort(capacity.get_expert, db.session, expert_id)
    form = FlaskForm()
    if form.validate_on_submit():
        saved, _ = commit_or_show(form, lambda: capacity.remove_unavailability(
            db.session, user, expert, unavailability_id))
        if saved:
            flash("Removed that leave.", "success")
    return redirect(url_for("pages.expert_leave", expert_id=expert.id))
