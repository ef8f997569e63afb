"""De-implementation reviews: an initiative's reviews, adding one, writing and deciding one."""
from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms import DateField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from tracker import clock, measures, permissions, reviews
from tracker.blueprints.pages import bp, charts
from tracker.blueprints.pages.common import commit_or_show, me, or_abort, whole_number
from tracker.blueprints.pages.forms import Form, options, plausible_date
from tracker.blueprints.pages.initiative_forms import people_of
from tracker.extensions import db
from tracker.models import Allocation, Initiative

DECISION_LABELS = {"continue": "Continue", "adapt": "Adapt (back to Prepare)",
                   "deimplement": "De-implement (stop it)"}


class ReviewForm(Form):
    due_on = DateField("Due on", validators=[InputRequired("Give the day the review is due."),
                                             plausible_date])
    impact_evidence = TextAreaField("Evidence of impact", validators=[Length(max=20000)])
    opportunity_cost = TextAreaField("Opportunity cost", validators=[Length(max=20000)])
    workload = TextAreaField("Workload", validators=[Length(max=20000)])
    would_stop = TextAreaField("What would be stopped, or freed", validators=[Length(max=20000)])
    reviewer_id = SelectField("Reviewer", coerce=int, validators=[Optional()])
    decision = RadioField("Decision", choices=options([("", "Not decided yet"), *DECISION_LABELS.items()]),
                          default="", validators=[Optional()])
    rationale = TextAreaField("Rationale", validators=[Length(max=20000)])
    version = HiddenField()


class NewReviewForm(Form):
    due_on = DateField("Due on", validators=[InputRequired("Give the day the review is due."),
                                             plausible_date])


#: Besides the initiative's schools' staff and its owner, who may be asked to review it.
REVIEWER_ROLES = ("admin", "central_team")


def _version(form):
    return whole_number(form.version.data)


def _reviewer_choices(review):
    """Who may be named the reviewer: the initiative's people and the trust's reviewers,
    with the current reviewer kept even if they have since left."""
    current = {review.reviewer_id: review.reviewer.name} if review.reviewer else {}
    return {0: "No one named yet"} | current | {
        u.id: u.name for u in people_of(review.initiative, also_roles=REVIEWER_ROLES)}


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
            ok, review = commit_or_show(form, lambda: reviews.add_review(
                session, user, initiative, form.due_on.data))
            if ok:
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
    can_edit = permissions.may_edit_review(user, review)
    form = ReviewForm(obj=review if request.method == "GET" else None)
    form.reviewer_id.choices = _reviewer_choices(review)
    if request.method == "GET":
        form.version.data = review.version
        form.decision.data = review.decision or ""
        form.reviewer_id.data = review.reviewer_id or 0
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
    if (form.reviewer_id.data or None) != review.reviewer_id:
        # Only a change is checked: a reviewer who has since left need not block a save.
        changes["reviewer_id"] = form.reviewer_id.data or None
    if form.decision.data:
        changes["decision"] = form.decision.data
    deciding = review.decision is None and form.decision.data
    ok, _ = commit_or_show(
        form, lambda: reviews.update_review(session, user, review, _version(form),
                                            today=clock.today(), **changes),
        stale_message="Someone else changed this review while you were writing. Your text is "
                      "still in the form: check their change in another tab, then save again.",
        record=review)
    if not ok:
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
