"""Admin pages: schools, people and the audit log. Admins only."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from tracker import people, schools
from tracker.audit import audit_query
from tracker.blueprints.api.common import paginate
from tracker.blueprints.pages.common import me, or_abort, show_errors
from tracker.blueprints.pages.forms import SchoolForm, UserForm
from tracker.errors import DomainError
from tracker.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def admins_only():
    if current_user.role != "admin":
        abort(403, description="Only an admin can manage the trust's set-up.")


def _version(form):
    return int(form.version.data) if (form.version.data or "").isdigit() else None


def _save(form, action, success, target):
    """Run a domain write for a form; on a domain error put its messages beside the fields."""
    try:
        record = action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        show_errors(form, error)
        if error.code == "stale_version":
            flash("Someone else changed this while you were editing. Reload to see their change.", "error")
        return None
    flash(success(record), "success")
    return redirect(target)


@bp.route("/schools")
def school_list():
    rows = db.session.execute(schools.visible_schools(me())).scalars().all()
    return render_template("admin/schools.html", schools=rows)


@bp.route("/schools/new", methods=["GET", "POST"])
@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
def school_form(school_id=None):
    school = or_abort(schools.get_school, db.session, me(), school_id) if school_id else None
    form = SchoolForm(obj=school)
    if school and request.method == "GET":
        form.version.data = school.version
    if form.validate_on_submit():
        values = {k: getattr(form, k).data for k in schools.EDITABLE}
        values["name"], values["urn"] = values["name"].strip(), values["urn"].strip()
        if school:
            action = lambda: schools.update_school(db.session, me(), school, _version(form), **values)  # noqa: E731
        else:
            action = lambda: schools.create_school(db.session, me(), **values)  # noqa: E731
        done = _save(form, action, lambda s: f"Saved {s.name}.", url_for("admin.school_list"))
        if done:
            return done
    return render_template("admin/school_form.html", form=form, school=school)


@bp.route("/people")
def user_list():
    rows = db.session.execute(people.visible_users(me())).scalars().all()
    by_id = {s.id: s for s in db.session.execute(schools.visible_schools(me())).scalars()}
    return render_template("admin/users.html", users=rows, schools=by_id)


@bp.route("/people/new", methods=["GET", "POST"])
@bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
def user_form(user_id=None):
    user = or_abort(people.get_user, db.session, me(), user_id) if user_id else None
    form = UserForm(obj=user)
    form.school_ids.choices = [(s.id, s.name) for s in
                               db.session.execute(schools.visible_schools(me())).scalars()]
    if request.method == "GET" and user:
        form.school_ids.data, form.version.data = user.school_ids, user.version
        form.active.data = "1" if user.active else "0"
    if form.validate_on_submit():
        values = {"name": form.name.data, "email": form.email.data, "role": form.role.data,
                  "school_ids": form.school_ids.data or []}
        if user:
            values["active"] = form.active.data == "1"
            if form.password.data:
                values["password"] = form.password.data
            action = lambda: people.update_user(db.session, me(), user, _version(form), **values)  # noqa: E731
        else:
            action = lambda: people.create_user(db.session, me(), password=form.password.data or "", **values)  # noqa: E731
        done = _save(form, action, lambda u: f"Saved {u.name}.", url_for("admin.user_list"))
        if done:
            return done
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/audit")
def audit_log():
    args = request.args
    filters = {}
    for name in ("record_type", "action"):
        if args.get(name):
            filters[name] = args[name][:40].replace("\x00", "")
    for name in ("record_id", "actor_id"):
        if args.get(name, "").isdigit() and int(args[name]) < 2**63:
            filters[name] = int(args[name])
    page = int(args["page"]) if args.get("page", "").isdigit() and 0 < int(args["page"]) < 10**6 else 1
    result = paginate(audit_query(**filters), page, 100)
    return render_template("admin/audit.html", entries=result["items"], total=result["total"],
                           page=page, filters=filters)
