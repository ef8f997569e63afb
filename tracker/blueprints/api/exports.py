"""CSV and Excel exports, and the board pack.

The exports hold what the lists they copy show the caller: ``/exports/initiatives.*`` takes
``GET /initiatives``' filters (the same schema, without paging: an export holds every match,
up to ``exports.MAX_ROWS``), ``/exports/schools.*`` the dashboard's school rows and filters.
"""
from flask import Response

from tracker import board_pack, clock, exports
from tracker.blueprints.api.common import Blueprint, current
from tracker.blueprints.api.dashboard import DashboardFilters
from tracker.blueprints.api.initiatives import InitiativeFilters
from tracker.extensions import db

blp = Blueprint("exports", __name__, url_prefix="/api/v1", description="CSV and Excel exports, and the board pack")

#: The initiative list's filters; paging has no meaning for a file that holds every match.
InitiativeExportFilters = InitiativeFilters(exclude=("page", "per_page"))
_BINARY = {"type": "string", "format": "binary"}


def download(exported):
    """An ``exports.ExportFile`` as the response that downloads it (the pages' too)."""
    return Response(exported.body, content_type=exported.content_type,
                    headers={"Content-Disposition": exported.disposition})


def _initiatives(filters, file_format):
    return download(exports.initiative_file(db.session, current(), clock.today(), filters,
                                            file_format))


def _schools(filters, file_format):
    return download(exports.school_file(db.session, current(), clock.today(), filters,
                                        file_format))


@blp.route("/exports/initiatives.csv", methods=["GET"])
@blp.arguments(InitiativeExportFilters, location="query")
@blp.response(200, _BINARY, content_type=exports.CSV_MIMETYPE,
              description="The initiatives as CSV (UTF-8 with a byte-order mark)")
def export_initiatives_csv(filters):
    """The initiatives you can see that match the filters of ``GET /initiatives``, every one
    of them, as CSV. More than 50,000 matches is refused (``422``, ``too_many_rows``)."""
    return _initiatives(filters, "csv")


@blp.route("/exports/initiatives.xlsx", methods=["GET"])
@blp.arguments(InitiativeExportFilters, location="query")
@blp.response(200, _BINARY, content_type=exports.XLSX_MIMETYPE,
              description="The initiatives as an Excel workbook")
def export_initiatives_xlsx(filters):
    """The initiatives you can see that match the filters of ``GET /initiatives``, as an
    Excel workbook with typed columns. More than 50,000 matches is refused (``422``)."""
    return _initiatives(filters, "xlsx")


@blp.route("/exports/schools.csv", methods=["GET"])
@blp.arguments(DashboardFilters, location="query")
@blp.response(200, _BINARY, content_type=exports.CSV_MIMETYPE,
              description="The school comparison as CSV (UTF-8 with a byte-order mark)")
def export_schools_csv(filters):
    """The dashboard's school rows (``GET /dashboard``, with its filters) for the schools you
    can see, as CSV: the figures, then each trust KPI's latest value, date, variation and
    assurance."""
    return _schools(filters, "csv")


@blp.route("/exports/schools.xlsx", methods=["GET"])
@blp.arguments(DashboardFilters, location="query")
@blp.response(200, _BINARY, content_type=exports.XLSX_MIMETYPE,
              description="The school comparison as an Excel workbook")
def export_schools_xlsx(filters):
    """The dashboard's school rows (``GET /dashboard``, with its filters) for the schools you
    can see, as an Excel workbook with typed columns."""
    return _schools(filters, "xlsx")


# --- the board pack (below) ---------------------------------------------------------------

@blp.route("/board-pack.pdf", methods=["GET"])
@blp.response(200, _BINARY, content_type=board_pack.PDF_MIMETYPE,
              description="The board pack as a PDF")
def get_board_pack():
    """The board pack for the schools you can see: the school comparison, the trust KPIs
    across the schools with their Making Data Count icons, policy breaches, the stopped
    register, the capacity summary, coverage and the latest self-evaluation, with a contents
    list and numbered pages. A large trust's takes several seconds."""
    pack = board_pack.board_pack(db.session, current(), clock.today())
    return download(board_pack.pdf_file(pack))
