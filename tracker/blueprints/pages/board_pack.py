"""The board pack as a PDF download from the pages (the API's is ``GET /api/v1/board-pack.pdf``,
token-only): the same builder, scoped to the person signed in.

Made while the person waits: a 120-school trust's pack takes seconds, not minutes
(bench/bench_board_pack.py), so there is no job to track; the links say it may take a while.
"""
from tracker import board_pack
from tracker.blueprints.api.exports import download
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import me
from tracker.clock import today
from tracker.extensions import db


@bp.route("/board-pack.pdf")
def board_pack_pdf():
    return download(board_pack.pdf_file(board_pack.board_pack(db.session, me(), today())))
