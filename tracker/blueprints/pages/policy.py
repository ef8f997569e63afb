"""One in, one out pages: the trust policy and its schools, a school's policy page, the
de-implementation reviews, and the trust-wide register of what was stopped."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import DateField, HiddenField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from tracker import charts, clock, measures, permissions, policy, reviews, schools
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import me, or_abort, show_errors, whole_number
from tracker.blueprints.pages.forms import options, plausible_date
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.models import Allocation, Initiative

PER_PAGE = 50
DECISION_LABELS = {"continue": "Continue", "adapt": "Adapt (back to Prepare)",
                   "deimplement": "De-implement (stop it)"}
BREACH_LABELS = {"over_limit": "Over its limit", "out_overdue": "Out overdue"}
MODE_LABELS = {"strict": "Strict: every initiative names an out before Deliver",
               "cap": "Cap: an out is needed only when the school is at its limit"}


class PolicyForm(FlaskForm):
    mode = SelectField("Mode", choices=options(MODE_LABELS.items()))
    max_active_initiatives = IntegerField(
        "Initiatives a school may have in Prepare or Deliver",
        validators=[InputRequired("Give a number."), NumberRange(*policy.LIMITS["max_active_initiatives"])])
    out_grace_days = IntegerField(
        "Days of grace after an out's due date",
        validators=[InputRequired("Give a number of days."), NumberRange(*policy.LIMITS["out_grace_days"])])
    review_interval_days = IntegerField(
        "Days between de-implementation reviews",
        validators=[InputRequired("Give a number of days."), NumberRange(*policy.LIMITS["review_interval_days"])])
    version = HiddenField()


class ReviewForm(FlaskForm):
    due_on = DateField("Due on", validators=[InputRequired("Give the day the review is due."),
                                             plausible_date])
    impact_evidence = TextAreaField("Evidence of impact", validators=[Length(max=20000)])
    opportunity_cost = TextAreaField("Opportunity cost", validators=[Length(max=20000)])
    workload = TextAreaField("Workload", validators=[Length(max=20000)])
    would_stop = TextAreaField("What would be stopped, or freed", validators=[Length(max=20000)])
    decision = RadioField("Decision", choices=options([("", "Not decided yet"), *DECISION_LABELS.items()]),
                          default="", validators=[Optional()])
    rationale = TextAreaField("Rationale", validators=[Length(max=20000)])
    version = HiddenField()


class NewReviewForm(FlaskForm):
    due_on = DateField("Due on", validators=[InputRequired("Give the day the review is due."),
                                             plausible_date])


def _version(form):
    return whole_number(form.version.data)


# --- the trust policy and its schools ----------------------------------------------------

@bp.route("/policy", methods=["GET", "POST"])
def policy_overview():
    """The trust policy (editable by admins) and each visible school against its limit."""
    user, session = me(), db.session
    current = policy.current_policy(session)
    session.commit()  # the first read of the policy creates its row
    is_admin = permissions.can(user, permissions.ADMINISTER)
    form = PolicyForm(obj=current if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = current.version
    if request.method == "POST":
        if not is_admin:
            abort(403, description="Only an admin can change the trust policy.")
        if form.validate_on_submit():
            try:
                policy.update_policy(session, user, _version(form), mode=form.mode.data,
                                     **{k: getattr(form, k).data for k in policy.LIMITS})
                session.commit()
            except DomainError as error:
                session.rollback()
                show_errors(form, error)
                if error.code == "stale_version":
                    flash("Someone else changed the policy while you were editing. "
                          "Reload to see their change.", "error")
            else:
                flash("Saved the trust policy.", "success")
                return redirect(url_for("pages.policy_overview"))
    rows = session.execute(schools.visible_schools(user)).scalars().all()
    counts = policy.counted_by_school(session, [s.id for s in rows])
    found = policy.breaches(session, clock.today(), school_ids=[s.id for s in rows])
    per_school = {}
    for breach in found:
        per_school[breach["school_id"]] = per_school.get(breach["school_id"], 0) + 1
    return render_template("pages/policy_overview.html", policy=current, form=form,
                           is_admin=is_admin, schools=rows, counts=counts, per_school=per_school,
                           limit_for=policy.limit_for, mode_labels=MODE_LABELS)


@bp.route("/policy/schools/<int:school_id>")
def policy_school(school_id):
    """One school against the policy: its limit, counted initiatives, breaches, outs, reviews."""
    user, session, today = me(), db.session, clock.today()
    school = or_abort(schools.get_school, session, user, school_id)
    current = policy.current_policy(session)
    counted = session.execute(policy.counted_initiatives(session, school.id)
                              .options(joinedload(Initiative.owner))).unique().scalars().all()
    found = policy.breaches(session, today, school_ids=[school.id])
    titles = dict(session.execute(select(Initiative.id, Initiative.title).where(
        Initiative.id.in_({b["initiative_id"] for b in found} or {-1}))).all())
    outs = session.execute(policy.outs_due(session, school.id)
                           .options(joinedload(Initiative.out_initiative))).unique().scalars().all()
    due = session.execute(reviews.reviews_due([school.id])).unique().scalars().all()
    return render_template(
        "pages/policy_school.html", school=school, policy=current,
        limit=policy.limit_for(school, current), counted=counted, breaches=found, titles=titles,
        outs=outs, reviews_due=due, today=today, breach_labels=BREACH_LABELS,
        overdue=lambda i: policy.out_overdue_on(current, i, today))


# --- reviews -----------------------------------------------------------------------------

@bp.route("/initiatives/<int:initiative_id>/reviews", methods=["GET", "POST"])
def review_list(initiative_id):
    """An initiative's reviews, and (for its school lead or an admin) adding one."""
    user, session = me(), db.session
    initiative = or_abort(permissions.get_initiative, session, user, initiative_id)
    can_decide = permissions.can(user, permissions.DECIDE_REVIEW, initiative)
    form = NewReviewForm()
    if request.method == "POST":
        if not can_decide:
            abort(403, description="Only the school lead or an admin can add a review.")
        if form.validate_on_submit():
            try:
                review = reviews.add_review(session, user, initiative, form.due_on.data)
                session.commit()
            except DomainError as error:
                session.rollback()
                show_errors(form, error)
            else:
                flash("Added a review.", "success")
                return redirect(url_for("pages.review_detail", review_id=review.id))
    rows = session.execute(reviews.reviews_of(initiative)
                           .options(joinedload(reviews.DeimplementationReview.decided_by))
                           ).unique().scalars().all()
    return render_template("pages/review_list.html", initiative=initiative, reviews=rows,
                           form=form, can_decide=can_decide, today=clock.today(),
                           decision_labels=DECISION_LABELS)


@bp.route("/reviews/<int:review_id>", methods=["GET", "POST"])
def review_detail(review_id):
    """The review: the questions that matter, the initiative's measures beside them, the decision."""
    user, session = me(), db.session
    review = or_abort(reviews.get_review, session, user, review_id)
    initiative = review.initiative
    can_edit = permissions.can(user, permissions.DECIDE_REVIEW, initiative) and (
        review.decision is None or user.role == "admin")
    form = ReviewForm(obj=review if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = review.version
        form.decision.data = review.decision or ""
    if request.method == "POST":
        if not can_edit:
            abort(403, description="Only the school lead or an admin can write this review; "
                                   "once decided, only an admin.")
        if form.validate_on_submit():
            done = _save_review(session, user, review, form)
            if done:
                return done
    return _render_review(session, user, review, initiative, form, can_edit)


def _save_review(session, user, review, form):
    changes = {k: getattr(form, k).data or "" for k in reviews.TEXT_FIELDS}
    changes["due_on"] = form.due_on.data
    if form.decision.data:
        changes["decision"] = form.decision.data
    deciding = review.decision is None and form.decision.data
    try:
        reviews.update_review(session, user, review, _version(form), today=clock.today(), **changes)
        session.commit()
    except DomainError as error:
        session.rollback()
        show_errors(form, error)
        if error.code == "stale_version":
            flash("Someone else changed this review while you were writing. Your text is still "
                  "in the form: check their change in another tab, then save again.", "error")
            form.version.data = session.get(reviews.DeimplementationReview, review.id).version
        return None
    flash({"continue": "Decided: continue. The next review is scheduled.",
           "adapt": "Decided: adapt. The initiative is back in Prepare.",
           "deimplement": "Decided: de-implement. The initiative has stopped."}.get(
        review.decision) if deciding else "Saved the review.", "success")
    return redirect(url_for("pages.review_detail", review_id=review.id))


def _render_review(session, user, review, initiative, form, can_edit):
    today = clock.today()
    summaries = [_measure_item(s) for s in
                 measures.measure_summaries(session, initiative, today=today, viewer=user)]
    capacity = session.execute(
        select(func.count(Allocation.id), func.coalesce(func.sum(Allocation.days_per_week), 0))
        .where(Allocation.initiative_id == initiative.id,
               Allocation.status.not_in(reviews.ENDED_ALLOCATION), Allocation.ends_on >= today)).one()
    replacing = session.execute(permissions.visible_initiatives(
        select(Initiative).where(Initiative.out_initiative_id == initiative.id,
                                 Initiative.status == "active"), user)).scalars().all()
    return render_template(
        "pages/review.html", review=review, initiative=initiative, form=form, can_edit=can_edit,
        is_admin=user.role == "admin", summaries=summaries, capacity=capacity,
        replacing=replacing, today=today, decision_labels=DECISION_LABELS)


def _measure_item(summary):
    """One measure beside the review: its summary, values for a person, a small run chart."""
    measure = summary.measure
    figure = charts.run_chart_figure(
        summary.chart, title=measure.name, unit=measure.unit, target=measure.target,
        higher_is_better=measure.higher_is_better, chart_id=f"review-measure-{measure.id}",
        compact=True) if summary.points_count else None
    return {"summary": summary, "figure": figure,
            "latest": charts.fmt(summary.latest_value, measure.unit),
            "target": charts.fmt(measure.target, measure.unit)}


# --- the stopped register ------------------------------------------------------------------

@bp.route("/stopped")
def stopped():
    """What the trust has de-implemented: when, why, and the time it freed."""
    user = me()
    page = request.args.get("page", "1")
    page = whole_number(page, 100_000) or 1
    stmt = reviews.stopped(user).options(selectinload(Initiative.schools))
    total = db.session.execute(select(func.count()).select_from(
        stmt.order_by(None).subquery())).scalar_one()
    freed = db.session.execute(select(func.coalesce(func.sum(
        stmt.order_by(None).subquery().c.freed_expert_days), 0))).scalar_one()
    rows = db.session.execute(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).unique().all()
    return render_template("pages/stopped.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PER_PAGE)), freed=freed)

