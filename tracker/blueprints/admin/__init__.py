"""Admin pages: schools, people and the audit log. Admins only."""
import csv
import io
import json
from datetime import date

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template,
                   request, stream_with_context, url_for)
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import audit_sentences, clock, people, permissions, privacy, schools, sso
from tracker.audit import RECORD_TYPES, audit_query
from tracker.blueprints.api.common import paginate
from tracker.blueprints.pages.common import commit_or_show, me, or_abort, whole_number
from tracker.blueprints.pages.forms import EditUserForm, SchoolForm, UserForm, options
from tracker.extensions import db
from tracker.models import AuditEntry, User
from tracker.models.base import utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def admins_only():
    if not permissions.can(current_user, permissions.ADMINISTER):
        abort(403, description="Only an admin can manage the trust's set-up.")


def _version(form):
    return whole_number(form.version.data)


@bp.route("/schools")
def school_list():
    rows = db.session.execute(schools.visible_schools(me())).scalars().all()
    return render_template("admin/schools.html", schools=rows)


@bp.route("/schools/new", methods=["GET", "POST"])
@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
def school_form(school_id=None):
    school = or_abort(schools.get_school, db.session, me(), school_id) if school_id else None
    # Only a GET fills the form from the record: a POST says what it saw itself, version
    # included, so a form posted without one is refused rather than taken as current.
    form = SchoolForm(obj=school if request.method == "GET" else None)
    if school and request.method == "GET":
        form.version.data = school.version
    if form.validate_on_submit():
        values = {k: getattr(form, k).data for k in schools.EDITABLE}
        values["name"], values["urn"] = values["name"].strip(), values["urn"].strip()
        if school:
            action = lambda: schools.update_school(db.session, me(), school, _version(form), **values)  # noqa: E731
        else:
            action = lambda: schools.create_school(db.session, me(), **values)  # noqa: E731
        ok, saved = commit_or_show(form, action, record=school)
        if ok:
            flash(f"Saved {saved.name}.", "success")
            return redirect(url_for("admin.school_list"))
    return render_template("admin/school_form.html", form=form, school=school)


@bp.route("/people")
def user_list():
    # Each row names the person's schools: load them all in one more query, not one per row.
    stmt = people.visible_users(me()).options(selectinload(User.schools))
    rows = db.session.execute(stmt).scalars().all()
    # People who asked through single sign-on and wait for a role: approved here. The
    # schools to tick are loaded only when someone waits.
    waiting = sorted((u for u in rows if u.role is None and u.active),
                     key=lambda u: (u.created_at, u.id))
    choices = db.session.execute(schools.visible_schools(me())).scalars().all() if waiting else []
    return render_template("admin/users.html", users=rows, waiting=waiting, schools=choices,
                           roles=UserForm.role.kwargs["choices"])


@bp.route("/people/<int:user_id>/approve", methods=["POST"])
def approve_person(user_id):
    """Give a person waiting for approval a role and schools (the people page's form)."""
    user = or_abort(people.get_user, db.session, me(), user_id)
    role = request.form.get("role", "")[:20]
    school_ids = [whole_number(v) or 0 for v in request.form.getlist("school_ids")[:500]]
    ok, _ = commit_or_show(None, lambda: sso.approve(
        db.session, me(), user, whole_number(request.form.get("version")), role, school_ids))
    if ok:
        flash(f"{user.name} can sign in now, as {role.replace('_', ' ')}.", "success")
    return redirect(url_for("admin.user_list"))


@bp.route("/people/<int:user_id>/refuse", methods=["POST"])
def refuse_person(user_id):
    """Refuse a person waiting for approval: their account is deactivated, so single
    sign-on refuses them from now on (an admin can still reactivate and approve them)."""
    user = or_abort(people.get_user, db.session, me(), user_id)
    ok, _ = commit_or_show(None, lambda: sso.refuse_request(db.session, me(), user))
    if ok:
        flash(f"{user.name} is refused: they cannot sign in.", "success")
    return redirect(url_for("admin.user_list"))


@bp.route("/people/new", methods=["GET", "POST"])
@bp.route("/people/<int:user_id>/edit", methods=["GET", "POST"])
def user_form(user_id=None):
    user = or_abort(people.get_user, db.session, me(), user_id) if user_id else None
    # Only the edit form has "Account" (active): a new person is always active.
    form = (EditUserForm if user else UserForm)(obj=user if request.method == "GET" else None)
    form.school_ids.choices = options((s.id, s.name) for s in
                                      db.session.execute(schools.visible_schools(me())).scalars())
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
        ok, saved = commit_or_show(form, action, record=user)
        if ok:
            flash(f"Saved {saved.name}.", "success")
            return redirect(url_for("admin.user_list"))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/audit")
def audit_log():
    filters, problems = _audit_filters(request.args)
    args = request.args
    page = whole_number(args.get("page"), 10**6) or 1
    result = paginate(audit_query(**filters), page, AUDIT_PAGE_SIZE)
    names = audit_sentences.names_for(db.session, result["items"])
    entries = [(e, audit_sentences.describe(e, names)) for e in result["items"]]
    everyone = db.session.execute(select(User.id, User.name).order_by(User.name)).all()
    return render_template("admin/audit.html", entries=entries, total=result["total"],
                           page=page, pages=max(1, -(-result["total"] // AUDIT_PAGE_SIZE)),
                           filters=filters, problems=problems, everyone=everyone,
                           record_types=[(t, audit_sentences.record_type_words(t))
                                         for t in RECORD_TYPES],
                           actions=audit_sentences.ACTION_WORDS, query=_query_without_page(args))


@bp.route("/audit.csv")
def audit_export():
    """The filtered log as CSV, streamed in batches so a long log never sits in memory."""
    filters, _problems = _audit_filters(request.args)
    names = dict(db.session.execute(select(User.id, User.name)).all())
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    rows = _in_batches(audit_query(**filters), AUDIT_CSV_BATCH)
    return Response(stream_with_context(audit_csv(rows, names)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'})


AUDIT_PAGE_SIZE = 100
AUDIT_CSV_BATCH = 1000


def _in_batches(stmt, size):
    """The entries of ``stmt`` (newest first), fetched ``size`` at a time by id, so no cursor
    stays open between batches while the download streams."""
    last_id = None
    while True:
        page = stmt if last_id is None else stmt.where(AuditEntry.id < last_id)
        batch = db.session.execute(page.limit(size)).scalars().all()
        yield from batch
        if len(batch) < size:
            return
        last_id = batch[-1].id
        for entry in batch:  # a long log must not pile up in the session
            db.session.expunge(entry)


def _audit_filters(args):
    """The audit filters a person typed, checked; problems say which were ignored and why."""
    filters, problems = {}, {}
    for name, limit in (("record_type", 40), ("action", 30)):
        value = (args.get(name) or "").strip()
        if value:
            filters[name] = value[:limit].replace("\x00", "")
    for name in ("record_id", "actor_id"):
        value = (args.get(name) or "").strip()
        if whole_number(value):
            filters[name] = whole_number(value)
        elif value:
            problems[name] = "Enter a whole number."
    for name in ("since", "until"):
        value = (args.get(name) or "").strip()
        if value:
            try:
                filters[name] = date.fromisoformat(value)
            except ValueError:
                problems[name] = "Enter a date as YYYY-MM-DD."
            else:
                if not clock.plausible(filters[name]):
                    problems[name] = clock.plausible_message()
                    del filters[name]
    return filters, problems


AUDIT_FILTERS = ("actor_id", "record_type", "record_id", "action", "since", "until")


def _query_without_page(args):
    # Only the known filters: url_for would read keys such as _external or _scheme itself.
    return {k: args[k] for k in AUDIT_FILTERS if args.get(k)}


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    """Text a spreadsheet will show, never run: a leading formula character is quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def audit_csv(entries, names):
    """Yield the CSV text of ``entries`` line by line (header first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values):
        writer.writerow([_cell(v) for v in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(["id", "at", "actor_id", "actor", "action", "record_type", "record_id", "ip", "changes"])
    for e in entries:
        yield line([e.id, e.at.isoformat(), e.actor_id, names.get(e.actor_id, "system" if e.actor_id is None else ""),
                    e.action, e.record_type, e.record_id, e.ip,
                    json.dumps(e.changes, sort_keys=True, ensure_ascii=False)])


# --- admin actions on people ----------------------------------------------------------

@bp.route("/people/<int:user_id>/deactivate", methods=["POST"])
def deactivate_person(user_id):
    user = or_abort(people.get_user, db.session, me(), user_id)
    return _person_action(user, lambda: people.deactivate_user(db.session, me(), user),
                          f"{user.name} is deactivated: they are signed out and their tokens stopped.")


@bp.route("/people/<int:user_id>/anonymise", methods=["POST"])
def anonymise_person(user_id):
    user = or_abort(people.get_user, db.session, me(), user_id)
    return _person_action(user, lambda: privacy.anonymise_user(db.session, me(), user),
                          "The person is anonymised; their records stay under the placeholder name.")


@bp.route("/people/<int:user_id>/reset-link", methods=["POST"])
def reset_link_for_person(user_id):
    user = or_abort(people.get_user, db.session, me(), user_id)
    ok, sent = commit_or_show(None, lambda: _issue_reset_link(user))
    if not ok:
        return redirect(url_for("admin.user_form", user_id=user.id))
    link, emailed = sent
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    return render_template("admin/reset_link.html", user=user, link=None if emailed else link,
                           hours=hours)


def _issue_reset_link(user):
    """A new reset link for ``user``, emailed if mail is set up: ``(link, emailed)``."""
    raw, _reset = people.issue_password_reset(
        db.session, me(), user, current_app.config["PASSWORD_RESET_HOURS"])
    link = reset_url(raw)
    return link, send_reset_email(db.session, user, link)


def _person_action(user, action, success):
    ok, _ = commit_or_show(None, action)
    if ok:
        flash(success, "success")
    return redirect(url_for("admin.user_form", user_id=user.id))


def reset_url(raw):
    """The link a person follows to choose a new password (BASE_URL names this site)."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for("auth.reset_link", token=raw)


def send_reset_email(session, user, link):
    """Queue the reset link to the person through the outbox; False while there is none."""
    try:
        from tracker.outbox import queue_message
    except ModuleNotFoundError as error:
        if error.name != "tracker.outbox":
            raise
        return False
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    text = (f"Hello {user.name},\n\nYour trust admin has sent you a link to choose a new password "
            f"for the improvement tracker:\n\n{link}\n\nIt works once, within {hours} hours. "
            "If you did not expect it, ignore this email and tell your admin.\n")
    queue_message(session, kind="password_reset", recipient=user, subject="Choose a new password",
                  text=text, html=None, key_date=utcnow().isoformat(), subject_key=f"reset-{user.id}")
    return True


from tracker.blueprints.admin import outbox  # noqa: E402,F401  (routes)
