"""``GET /healthz``: is this web worker up and does its database answer?

For load balancers and uptime checks, and the benchmark's floor (bench/bench_web.py): the
cheapest request the app serves that still goes through Flask and asks the database one
trivial question. No sign-in, and nothing personal in the answer.
"""
from flask import Blueprint, jsonify
from sqlalchemy import text

from tracker.extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
