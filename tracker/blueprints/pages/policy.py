"""One in, one out pages: the trust policy and its schools, a school's policy page, and the
trust-wide register of what was stopped (the reviews that stop things: pages/reviews.py)."""
from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from tracker import clock, permissions, policy, reviews, schools
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import commit_or_show, me, or_abort, whole_number
from tracker.blueprints.pages.forms import Form, options
from tracker.extensions import db
from tracker.models import Initiative

PER_PAGE = 50
BREACH_LABELS = {"over_limit": "Over its limit", "out_overdue": "Out overdue"}
MODE_LABELS = {"strict": "Strict: every initiative names an out before Deliver",
               "cap": "Cap: an out is needed only when the school is at its limit"}


class PolicyForm(Form):
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
            ok, _ = commit_or_show(
                form, lambda: policy.update_policy(session, user, _version(form), mode=form.mode.data,
                                                   **{k: getattr(form, k).data for k in policy.LIMITS}),
                stale_message="Someone else changed the policy while you were editing. Your "
                              "changes are still in the form: check the policy, then save again.",
                record=current)
            if ok:
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
                           pages=max(1, -(-total // PER_PAGE)), freed=freed,
                           weeks_run=policy.weeks_run(db.session, [i for i, _ in rows]))

