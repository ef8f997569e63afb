"""Times the planner and the who-is-free question on a large trust.

    .venv/bin/python bench/bench_planner.py [--experts 1000] [--allocations 20] [--database URL]

Builds a throwaway database (SQLite in a temporary folder unless ``--database`` names
an empty one, e.g. a PostgreSQL database made for the purpose) with 120 schools,
``--experts`` experts and about ``--allocations`` allocations and two stretches of leave
per expert over a year, then times, over several runs each: the planner page for a
term and for its default twelve weeks and the list of initiatives in Deliver with no expert
(the whole request, signed in, through the app), the planner's domain call alone,
``available_experts`` for a term, ``over_allocations`` for a year, and
``days_received_by_school`` for a term. Prints the median and worst time, the median CPU
time of this process and the number of SQL statements of each.
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_TMP = tempfile.mkdtemp(prefix="tracker-bench-")
os.environ.setdefault("TRACKER_INSTANCE", _TMP)
os.environ.setdefault("SECRET_KEY", "bench-only")

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from tracker import capacity, clock, create_app  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import Allocation, Expert, School, Unavailability, User  # noqa: E402
from tracker.passwords import hash_password  # noqa: E402

PASSWORD = "bench-password-Northfield-1"
TERM_START, TERM_END = date(2026, 9, 1), date(2026, 12, 31)
YEAR_START = date(2026, 9, 1)
SPECIALISMS = ["maths", "english", "science", "send", "early reading", "behaviour", "leadership",
               "history", "computing", "attendance"]


def build(experts, per_expert, seed=2026):
    rng = random.Random(seed)
    db.session.execute(insert(School), [
        {"name": f"School {i:03}", "urn": f"B{i:05}", "phase": "primary",
         "support_status": rng.choice(["can_support", "stable", "needs_support"])}
        for i in range(120)])
    db.session.add(User(email="central@bench.test", name="Central", role="central_team",
                        password_hash=hash_password(PASSWORD)))
    db.session.flush()
    school_ids = db.session.execute(sa.select(School.id)).scalars().all()
    db.session.execute(insert(Expert), [
        {"name": f"Expert {i:04}", "email": f"expert{i}@bench.test",
         "specialisms": rng.sample(SPECIALISMS, 2), "home_school_id": rng.choice(school_ids),
         "days_per_week": rng.choice([1.0, 2.0, 2.5, 3.0, 5.0]), "active": True, "version": 1}
        for i in range(experts)])
    expert_ids = db.session.execute(sa.select(Expert.id)).scalars().all()
    rows, leave = [], []
    for expert_id in expert_ids:
        for _ in range(per_expert):
            starts = YEAR_START + timedelta(days=rng.randint(0, 330))
            rows.append({"expert_id": expert_id, "school_id": rng.choice(school_ids),
                         "starts_on": starts, "ends_on": starts + timedelta(days=rng.randint(4, 60)),
                         "days_per_week": rng.choice([0.5, 1.0]),
                         "status": rng.choice(["planned", "confirmed", "delivered", "cancelled"]),
                         "override_reason": "bench" if rng.random() < 0.05 else None,
                         "notes": "", "version": 1})
        for _ in range(2):
            starts = YEAR_START + timedelta(days=rng.randint(0, 350))
            leave.append({"expert_id": expert_id, "starts_on": starts,
                          "ends_on": starts + timedelta(days=rng.randint(0, 9)), "reason": "Leave"})
    for k in range(0, len(rows), 5000):
        db.session.execute(insert(Allocation), rows[k:k + 5000])
    db.session.execute(insert(Unavailability), leave)
    db.session.commit()
    return len(expert_ids), len(rows), len(leave)


def timed(label, fn, runs):
    statements = []

    def count(*args):
        statements.append(1)
    times, cpu = [], []
    for run in range(runs):
        db.session.expire_all()
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        sa.event.remove(db.engine, "before_cursor_execute", count)
    # CPU is this process's alone: on a loaded machine it moves less than the wall time.
    print(f"{label:58} median {statistics.median(times) * 1000:8.1f} ms   "
          f"worst {max(times) * 1000:8.1f} ms   CPU {statistics.median(cpu) * 1000:7.1f} ms   "
          f"{len(statements):3} queries")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experts", type=int, default=1000)
    parser.add_argument("--allocations", type=int, default=20, help="per expert, over a year")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", default=f"sqlite:///{_TMP}/bench.db")
    args = parser.parse_args()

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "TESTING": True})
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        started = time.perf_counter()
        experts, allocations, leave = build(args.experts, args.allocations)
        print(f"{db.engine.dialect.name}: {experts} experts, {allocations} allocations, {leave} "
              f"stretches of leave, 120 schools (built in {time.perf_counter() - started:.1f} s)")
        clock.today = lambda: date(2026, 11, 2)  # a Monday inside the term measured

        client = app.test_client()
        response = client.post("/login", data={"email": "central@bench.test", "password": PASSWORD})
        assert response.status_code == 302, response.status_code

        def page(query=""):
            def get():
                response = client.get(f"/planner?from={TERM_START}&to={TERM_END}{query}")
                assert response.status_code == 200
            return get

        runs = args.runs
        timed("GET /planner (term, every expert)", page(), runs)
        timed("GET /planner (term, specialism=maths)", page("&specialism=maths"), runs)
        timed("GET /planner (twelve weeks from today, the default)",
              lambda: client.get("/planner").status_code == 200 or sys.exit("planner failed"), runs)
        timed("GET /planner/uncovered (in Deliver with no expert)",
              lambda: client.get("/planner/uncovered").status_code == 200 or sys.exit("failed"),
              runs)
        timed("capacity.planner (term, every expert)",
              lambda: capacity.planner(db.session, TERM_START, TERM_END), runs)
        timed("capacity.available_experts (maths, term, 0.5 d/wk)",
              lambda: capacity.available_experts(db.session, "maths", TERM_START, TERM_END, 0.5), runs)
        timed("capacity.available_experts (any, one week, 1 d/wk)",
              lambda: capacity.available_experts(db.session, None, date(2026, 11, 2),
                                                 date(2026, 11, 6), 1), runs)
        token = client.post("/api/v1/tokens", json={"email": "central@bench.test",
                                                    "password": PASSWORD}).get_json()["token"]

        def available_api():
            response = client.get(f"/api/v1/experts/available?specialism=maths&from={TERM_START}"
                                  f"&to={TERM_END}&days_per_week=0.5",
                                  headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200
        timed("GET /api/v1/experts/available (maths, term)", available_api, runs)
        timed("capacity.over_allocations (a year)",
              lambda: capacity.over_allocations(db.session, YEAR_START, YEAR_START + timedelta(days=364)), runs)
        timed("capacity.days_received_by_school (term)",
              lambda: capacity.days_received_by_school(db.session, TERM_START, TERM_END), runs)


if __name__ == "__main__":
    main()
