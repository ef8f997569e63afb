"""The outbox for admins: what is queued, sent and failed, each message's text, and a retry
for what failed."""
from flask import abort, flash, redirect, render_template, request, url_for

from tracker import outbox
from tracker.blueprints.admin import bp
from tracker.blueprints.api.common import paginate
from tracker.blueprints.pages.common import commit_or_show, me, or_abort, whole_number
from tracker.extensions import db
from tracker.models.base import utcnow
from tracker.models.outbox import OUTBOX_STATUSES

PER_PAGE = 50


@bp.route("/outbox")
def outbox_list():
    status = request.args.get("status", "")
    status = status if status in OUTBOX_STATUSES else None
    page = request.args.get("page", "1")
    page = whole_number(page, 100_000) or 1
    result = paginate(outbox.outbox_query(status), page, PER_PAGE)
    return render_template("admin/outbox.html", messages=result["items"], total=result["total"],
                           status=status, page=page, pages=max(1, -(-result["total"] // PER_PAGE)),
                           counts=outbox.count_by_status(db.session))


@bp.route("/outbox/<int:message_id>")
def outbox_message(message_id):
    message = or_abort(outbox.get_message, db.session, me(), message_id)
    back = request.args.get("status", "")
    return render_template("admin/outbox_message.html", message=message,
                           status=back if back in OUTBOX_STATUSES else None)


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
def outbox_retry(message_id):
    ok, message = commit_or_show(None, lambda: or_abort(
        outbox.retry_message, db.session, me(), message_id, utcnow()))
    if ok:
        flash(f"“{message.subject}” to {message.to_address} is queued again.", "success")
    back = request.form.get("status", "")
    if back and back not in OUTBOX_STATUSES:
        abort(400)
    return redirect(url_for("admin.outbox_list", status=back or None))
