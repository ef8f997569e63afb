"""Time the nudges job (and the others) on a generated trust of thousands of initiatives.

    .venv/bin/python bench/bench_jobs.py                       # a throwaway SQLite file
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/bench_jobs.py

The database is built with the real migrations and ``demo seed --size large`` (120
schools, 3000 initiatives with milestones, cycles, reviews and updates). Each job runs
three times for three different days, so every run does the full work (no idempotency
short-cut); the figure is the median, with the number of SQL statements per run.
"""
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TRACKER_INSTANCE", tempfile.mkdtemp(prefix="tracker-bench-"))
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{os.environ['TRACKER_INSTANCE']}/bench.db"

import sqlalchemy as sa  # noqa: E402

from tracker import clock, create_app, jobs  # noqa: E402
from tracker.demo import seed  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import Initiative, OutboxMessage  # noqa: E402


def main():
    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        started = time.perf_counter()
        print(seed(db.session, size="large").splitlines()[0],
              f"({time.perf_counter() - started:.1f}s)")
        db.session.commit()
        initiatives = db.session.execute(sa.select(sa.func.count(Initiative.id))).scalar()
        print(f"database: {db.engine.dialect.name}, {initiatives} initiatives")
        today = clock.today()
        for name in ("nudges", "policy", "capacity", "digest"):
            timings, statements, summary = [], [], ""
            for k in range(3):
                counter = []
                listener = lambda *args: counter.append(1)  # noqa: E731
                sa.event.listen(db.engine, "before_cursor_execute", listener)
                started = time.perf_counter()
                summary = jobs.run_job(name, today + timedelta(days=7 * k), session=db.session,
                                       config=app.config).summary
                timings.append(time.perf_counter() - started)
                sa.event.remove(db.engine, "before_cursor_execute", listener)
                statements.append(len(counter))
            print(f"{name:9} median {statistics.median(timings) * 1000:7.0f} ms  "
                  f"{max(statements):3} statements  ({summary})")
        queued = db.session.execute(sa.select(sa.func.count(OutboxMessage.id))).scalar()
        print(f"{queued} messages queued in all")


if __name__ == "__main__":
    main()
