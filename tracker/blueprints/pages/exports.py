"""Download the initiative list and the school comparison as CSV or Excel, from the pages.

The API's exports are token-only, so the pages have their own routes; both call the same
builders (``tracker.exports``) and read the initiative list's filters with the same schema
as ``GET /initiatives`` (the dashboard's with ``dashboard.check_filters``). A filter that is
not valid (only a hand-edited link carries one) or an export too large to make sends the
person back to the list or the comparison with the reason.
"""
from flask import flash, redirect, request, url_for
from marshmallow import EXCLUDE, ValidationError

from tracker import clock, dashboard, exports
from tracker.blueprints.api.exports import InitiativeExportFilters, download
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import me
from tracker.errors import Invalid
from tracker.extensions import db


@bp.route("/initiatives/export.csv", defaults={"file_format": "csv"})
@bp.route("/initiatives/export.xlsx", defaults={"file_format": "xlsx"})
def initiative_export(file_format):
    """The initiative list with its current filters (the query string), every match."""
    given = {name: value for name, value in request.args.items() if value.strip()}
    try:
        filters = InitiativeExportFilters.load(given, unknown=EXCLUDE)  # as the API reads a query
        exported = exports.initiative_file(db.session, me(), clock.today(), filters,
                                           file_format)
    except ValidationError as error:
        flash("The export was not made: " + "; ".join(
            f"the filter “{name}” is not valid ({' '.join(map(str, problems))})"
            for name, problems in sorted(error.messages.items())) + ".", "error")
        kept = {name: value for name, value in given.items() if name not in error.messages}
        return redirect(url_for("pages.initiative_list", **kept), 303)
    except Invalid as error:
        flash(f"The export was not made: {error.message}", "error")
        return redirect(url_for("pages.initiative_list", **given), 303)
    return download(exported)


@bp.route("/dashboard/export.csv", defaults={"file_format": "csv"})
@bp.route("/dashboard/export.xlsx", defaults={"file_format": "xlsx"})
def dashboard_export(file_format):
    """The school comparison as the dashboard shows it to this person, with its filters."""
    given = {name: request.args.get(name, "").strip() for name in dashboard.FILTERS}
    try:
        exported = exports.school_file(db.session, me(), clock.today(), given, file_format)
    except Invalid:
        # The comparison page says beside each filter what is wrong with it.
        flash("The export was not made: a filter is not possible.", "error")
        return redirect(url_for("pages.dashboard_page", **{k: v for k, v in given.items() if v}),
                        303)
    return download(exported)
