"""Capacity pages: the planner (experts by ISO week), finding a free expert, the allocation
form with its over-allocation refusal and override, and a school's support received."""
from collections import namedtuple
from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import DateField, FloatField, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from tracker import capacity, clock, permissions, schools
from tracker.blueprints.api.common import paginate
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import commit_or_show, me, or_abort, show_errors, whole_number
from tracker.blueprints.pages.forms import Form, plausible_date
from tracker.errors import DomainError, OverAllocated
from tracker.extensions import db
from tracker.models import Expert, Initiative
from tracker.models.capacity import ALLOCATION_STATUSES
from tracker.wording import plural

#: The planner shows at most this many weeks, so a page stays readable and cheap.
MAX_PLANNER_WEEKS = 26
#: Weeks the planner shows from this week on, and steps back or on by.
PLANNER_WEEKS = 12
#: Experts a planner page shows; filters narrow them, pages step through the rest.
PLANNER_PAGE = 100
#: Initiatives in Deliver with no expert that the planner lists; the rest are a link away.
UNCOVERED_SHOWN = 10
#: Initiatives a page of the full list of those shows.
UNCOVERED_PAGE = 50
STATUS_LABELS = {"planned": "Planned", "confirmed": "Confirmed", "delivered": "Delivered",
                 "cancelled": "Cancelled"}


class AllocationForm(Form):
    expert_id = SelectField("Expert", coerce=int, validators=[InputRequired("Choose an expert.")])
    school_id = SelectField("School", coerce=int, validators=[InputRequired("Choose a school.")])
    initiative_id = SelectField("Initiative (optional)", coerce=int, validators=[Optional()])
    starts_on = DateField("First day", validators=[InputRequired("Give the first day."), plausible_date])
    ends_on = DateField("Last day", validators=[InputRequired("Give the last day."), plausible_date])
    days_per_week = FloatField("Days a week", validators=[InputRequired("Give the days a week.")],
                               render_kw={"inputmode": "decimal"})
    status = SelectField("Status", choices=[SelectChoice(s, STATUS_LABELS[s]) for s in ALLOCATION_STATUSES])
    notes = TextAreaField("Notes", validators=[Length(max=10_000)])
    override_reason = TextAreaField("Reason to override", validators=[Length(max=2000)])
    version = HiddenField()


class FreeExpertForm(Form):
    class Meta:
        csrf = False  # a search: it changes nothing

    specialism = SelectField("Specialism", validators=[Optional()])
    starts_on = DateField("From", validators=[InputRequired("Give the first day."), plausible_date])
    ends_on = DateField("To", validators=[InputRequired("Give the last day."), plausible_date])
    days_per_week = FloatField("Days a week needed", validators=[InputRequired("Give the days a week.")],
                               render_kw={"inputmode": "decimal"})
    #: Tells a search from a first visit, so an empty form shows no errors.
    submitted = HiddenField(default="1")


def _require_allocator(user):
    or_abort(permissions.require, user, permissions.ALLOCATE)


def _date_arg(name):
    try:
        value = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return value if clock.plausible(value) else None


def _id_arg(name):
    value = request.args.get(name, "")
    return whole_number(value)


def _range_from_query():
    """The range the page shows: ``from``/``to`` if sensible, else the current term."""
    term = capacity.term_of(_date_arg("from") or clock.today())
    first, last = _date_arg("from") or term.starts_on, _date_arg("to") or term.ends_on
    if last < first:
        first, last = term.starts_on, term.ends_on
    last = min(last, first + timedelta(weeks=MAX_PLANNER_WEEKS) - timedelta(days=1))
    return first, last, term


def _bucket(load, excess, share):
    """A week's colour: over, full, high (half or more), low or free."""
    if excess > 0:
        return "over"
    if share >= 1:
        return "full"
    if share >= 0.5:
        return "high"
    return "low" if load > 0 else "free"


#: One planner cell as the template shows it: ``kind`` (the colour class), ``percent`` (the
#: visible share), ``hidden`` (what a screen reader hears after it), ``href`` (allocating that
#: week, None when the expert has no day free), ``leave`` and ``overridden`` (its flags).
Cell = namedtuple("Cell", "kind percent hidden href leave overridden")


def _cells(expert, weeks, new_url, calendar):
    """Each week's ``Cell``, worded once here and already escaped (the name is the only text
    not ours): a page has over a thousand cells, and assembling each one's strings in the
    template was most of the page's time. ``calendar``: each Monday's ``(ISO week, Monday,
    Friday)`` as text, made once a page."""
    name = escape(expert.name)
    capacity_words = plural(expert.days_per_week, "day")
    allocate = Markup(f"{new_url}?expert_id={expert.id}&amp;starts_on=")
    cells = []
    for week in weeks:
        load, excess, spare, share = week.load, week.excess, week.spare, week.share
        kind = _bucket(load, excess, share)
        week_name, monday, friday = calendar[week.monday]
        describe = f"{name}, week {week_name}: {load:g} of {capacity_words}"
        href = None
        if kind == "over":
            hidden = f"{describe}, over by {excess:g}"
        elif spare > 0:
            href = Markup(f"{allocate}{monday}&amp;ends_on={friday}&amp;days_per_week={spare:g}")
            hidden = f" {describe}; allocate, {plural(spare, 'day')} free"
        else:
            hidden = f"{describe}, fully used"
        cells.append(Cell(kind, str(round(share * 100)), Markup(hidden), href, week.leave,
                          week.overridden))
    return cells


def _planner_range():
    """The weeks the planner shows: ``from``/``to`` if sensible, else twelve weeks from
    this one, so this week is the first column (earlier weeks are a link away)."""
    first = capacity.monday_of(_date_arg("from") or clock.today())
    last = _date_arg("to") or first + timedelta(weeks=PLANNER_WEEKS, days=-1)
    if last < first:
        last = first + timedelta(weeks=PLANNER_WEEKS, days=-1)
    return first, min(last, first + timedelta(weeks=MAX_PLANNER_WEEKS, days=-1))


def _planner_steps(first, last):
    """``(earlier, later)``: the ``from``/``to`` of as many weeks before and after."""
    weeks = timedelta(weeks=len(capacity.mondays(first, last)))
    return ({"from": (first - weeks).isoformat(), "to": (first - timedelta(days=1)).isoformat()},
            {"from": (last + timedelta(days=1)).isoformat(), "to": (last + weeks).isoformat()})


@bp.route("/planner")
def planner():
    user = me()
    _require_allocator(user)
    first, last = _planner_range()
    term = capacity.term_of(first)
    earlier, later = _planner_steps(first, last)
    specialism = request.args.get("specialism", "").strip()[:100] or None
    school_id = _id_arg("school_id")
    plan = capacity.planner(db.session, first, last, specialism=specialism, school_id=school_id,
                            page=_id_arg("page") or 1, per_page=PLANNER_PAGE)
    # URLs and week names made once here rather than once a cell: over a thousand cells.
    new_url, list_url = url_for("pages.allocation_new"), url_for("pages.allocation_list")
    calendar = {m: (capacity.iso_week(m), m.isoformat(), (m + timedelta(days=4)).isoformat())
                for m in plan["weeks"]}
    for row in plan["rows"]:
        row["cells"] = _cells(row["expert"], row["weeks"], new_url, calendar)
        row["list_url"] = (f"{list_url}?expert_id={row['expert'].id}&from={first.isoformat()}"
                           f"&to={last.isoformat()}")
    return render_template(
        "pages/planner.html", plan=plan, first=first, last=last, term=term,
        previous=capacity.previous_term(term), next=capacity.next_term(term),
        earlier=earlier, later=later, specialism=specialism, school_id=school_id,
        iso_week=capacity.iso_week,
        schools=db.session.execute(schools.visible_schools(user)).scalars().all(),
        golden=capacity.golden_rule(db.session),
        uncovered=capacity.uncovered_page(db.session, clock.today(), per_page=UNCOVERED_SHOWN),
        this_monday=capacity.monday_of(clock.today()))


@bp.route("/planner/uncovered")
def uncovered_list():
    """Every initiative in Deliver with no expert allocated today, a page at a time (the
    planner shows the first few)."""
    user = me()
    _require_allocator(user)
    page = _id_arg("page") or 1
    found = capacity.uncovered_page(db.session, clock.today(), page=page, per_page=UNCOVERED_PAGE)
    return render_template("pages/planner_uncovered.html", uncovered=found, page=page,
                           pages=max(1, -(-found["total"] // UNCOVERED_PAGE)))


@bp.route("/planner/free")
def free_experts():
    """Who is free: experts with the days needed in every week of a range, best fit first."""
    user = me()
    _require_allocator(user)
    form = FreeExpertForm(request.args)
    known = sorted({s for row in db.session.execute(
        select(Expert.specialisms).where(Expert.active.is_(True))).scalars() for s in row or []})
    form.specialism.choices = [SelectChoice("", "Any specialism")] + [SelectChoice(s, s) for s in known]
    fits = None
    if request.args.get("submitted") and form.validate():
        try:
            fits = capacity.available_experts(db.session, form.specialism.data or None,
                                              form.starts_on.data, form.ends_on.data,
                                              form.days_per_week.data)
        except DomainError as error:
            show_errors(form, _renamed(error, {"from": "starts_on", "to": "ends_on"}))
    return render_template("pages/free_experts.html", form=form, fits=fits)


def _renamed(error, names):
    error.fields = {names.get(k, k): v for k, v in (error.fields or {}).items()}
    return error


def _fill_choices(form, allocation=None):
    experts = db.session.execute(select(Expert).where(
        (Expert.active.is_(True)) | (Expert.id == (allocation.expert_id if allocation else -1)))
        .order_by(Expert.name)).scalars().all()
    form.expert_id.choices = [SelectChoice(0, "Choose an expert")] + [
        SelectChoice(e.id, f"{e.name} ({', '.join(e.specialisms or []) or 'no specialism'}; "
                           f"{plural(e.days_per_week, 'day')} a week)") for e in experts]
    all_schools = db.session.execute(schools.visible_schools(me())).scalars().all()
    form.school_id.choices = [SelectChoice(0, "Choose a school")] + [
        SelectChoice(s.id, s.name) for s in all_schools]
    # Initiatives that can take capacity: active ones, planning or running.
    initiatives = db.session.execute(
        select(Initiative).where(Initiative.status == "active",
                                 Initiative.phase.in_(("prepare", "deliver", "sustain")))
        .options(selectinload(Initiative.schools))
        .order_by(Initiative.title)).scalars().all()
    form.initiative_id.choices = [SelectChoice(0, "None: support for the school")] + [
        SelectChoice(i.id, f"{i.title} ({', '.join(s.name for s in i.schools)})",
                     {"data-schools": " ".join(str(s.id) for s in i.schools)})
        for i in initiatives]


def _prefill_from_query(form):
    for name in ("expert_id", "school_id", "initiative_id"):
        if _id_arg(name):
            getattr(form, name).data = _id_arg(name)
    for name in ("starts_on", "ends_on"):
        if _date_arg(name):
            getattr(form, name).data = _date_arg(name)
    try:
        days = float(request.args.get("days_per_week", ""))
    except ValueError:
        days = None
    if days is not None and 0 < days <= 7:
        form.days_per_week.data = days


def _values(form):
    return {"expert_id": form.expert_id.data or None, "school_id": form.school_id.data or None,
            "initiative_id": form.initiative_id.data or None, "starts_on": form.starts_on.data,
            "ends_on": form.ends_on.data, "days_per_week": form.days_per_week.data,
            "status": form.status.data, "notes": form.notes.data or "",
            "override_reason": form.override_reason.data or None}


def _refused(form, error):
    form.override_reason.errors = list(form.override_reason.errors) + [
        "Give a reason to override, or change the dates or days."]
    return error


def _saved(allocation, verb):
    expert = db.session.get(Expert, allocation.expert_id)
    days = allocation.days_per_week
    message = (f"{verb} {expert.name} to {allocation.school.name}, {plural(days, 'day')} "
               f"a week from {allocation.starts_on.day} "
               f"{allocation.starts_on:%b %Y} to {allocation.ends_on.day} {allocation.ends_on:%b %Y}.")
    if allocation.override_reason:
        message += " The override and its reason are recorded."
    flash(message, "success")
    return redirect(url_for("pages.planner", **{"from": allocation.starts_on.isoformat()}))


@bp.route("/allocations/new", methods=["GET", "POST"])
def allocation_new():
    user = me()
    _require_allocator(user)
    form = AllocationForm()
    _fill_choices(form)
    if request.method == "GET":
        _prefill_from_query(form)
    refusal = None
    if form.validate_on_submit():
        ok, allocation = commit_or_show(form, lambda: capacity.allocate(db.session, user, **_values(form)),
                                        caller_shows=OverAllocated)
        if ok:
            return _saved(allocation, "Allocated")
        if isinstance(allocation, OverAllocated):
            refusal = _refused(form, allocation)
    return render_template("pages/allocation_form.html", form=form, allocation=None, refusal=refusal)


@bp.route("/allocations/<int:allocation_id>/edit", methods=["GET", "POST"])
def allocation_edit(allocation_id):
    user = me()
    _require_allocator(user)
    allocation = or_abort(capacity.get_allocation, db.session, user, allocation_id)
    form = AllocationForm(obj=allocation if request.method == "GET" else None)
    _fill_choices(form, allocation)
    if request.method == "GET":
        form.initiative_id.data = allocation.initiative_id or 0
        form.override_reason.data = ""
        form.version.data = allocation.version
    refusal = None
    if form.validate_on_submit():
        version = whole_number(form.version.data)
        ok, error = commit_or_show(
            form, lambda: capacity.change_allocation(db.session, user, allocation, version,
                                                     **_values(form)),
            stale_message="Someone else changed this allocation while you were editing. Your "
                          "changes are still in the form; check the planner, then save again.",
            record=allocation, caller_shows=OverAllocated)
        if ok:
            return _saved(allocation, "Allocated")
        if isinstance(error, OverAllocated):
            refusal = _refused(form, error)
    return render_template("pages/allocation_form.html", form=form, allocation=allocation,
                           refusal=refusal)


@bp.route("/allocations")
def allocation_list():
    """Allocations the person may see, narrowed by expert or school, by start date."""
    user = me()
    expert_id, school_id = _id_arg("expert_id"), _id_arg("school_id")
    first, last = _date_arg("from"), _date_arg("to")
    page = _id_arg("page") or 1
    result = paginate(capacity.find_allocations(user, expert_id=expert_id, school_id=school_id,
                                                from_=first, to=last), page, 100)
    expert = db.session.get(Expert, expert_id) if expert_id else None
    return render_template("pages/allocation_list.html", allocations=result["items"],
                           total=result["total"], expert=expert, page=page,
                           pages=max(1, -(-result["total"] // 100)),
                           can_allocate=permissions.can(user, permissions.ALLOCATE),
                           status_labels=STATUS_LABELS)


@bp.route("/support-received")
def support_received():
    """Expert days each school the person can see receives in a term, and from whom."""
    user = me()
    first, last, term = _range_from_query()
    visible = db.session.execute(schools.visible_schools(user)).scalars().all()
    ids = [s.id for s in visible]
    received = capacity.days_received_by_school(db.session, first, last, school_ids=ids)
    chosen = _id_arg("school_id")
    if chosen not in ids:
        chosen = ids[0] if len(ids) == 1 else None
    allocations = []
    if chosen is not None:
        allocations = db.session.execute(capacity.find_allocations(
            user, school_id=chosen, from_=first, to=last).limit(500)).unique().scalars().all()
    return render_template(
        "pages/support_received.html", schools=visible, received=received, chosen=chosen,
        chosen_school=next((s for s in visible if s.id == chosen), None), allocations=allocations,
        first=first, last=last, term=term, previous=capacity.previous_term(term),
        next=capacity.next_term(term), status_labels=STATUS_LABELS,
        days_received=capacity.days_received)
