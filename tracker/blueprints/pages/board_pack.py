"""The board pack as a PDF download from the pages (the API's is ``GET /api/v1/board-pack.pdf``,
token-only): the same builder, scoped to the person signed in.

Built while the person waits: a 120-school trust takes a few seconds (bench/bench_board_pack.py),
well inside a request's time, so there is no background job to track; the links say it may
take a few seconds.
"""
from flask import Response

from tracker import board_pack
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import me
from tracker.clock import today
from tracker.extensions import db


@bp.route("/board-pack.pdf")
def board_pack_pdf():
    pack = board_pack.board_pack(db.session, me(), today())
    return Response(board_pack.render_pdf(pack), content_type=board_pack.PDF_MIMETYPE,
                    headers={"Content-Disposition": board_pack.disposition(pack)})
