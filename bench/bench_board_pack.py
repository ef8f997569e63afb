"""Time the board pack on a generated trust of 120 schools.

    .venv/bin/python bench/bench_board_pack.py                       # a throwaway SQLite file
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python bench/bench_board_pack.py

The database is built with the real migrations and ``demo seed --size large`` (120 schools,
3,000 initiatives with milestones, cycles, reviews, updates and allocations). When the seed
holds no trust KPI, three are added (24 monthly values for every school, bulk inserted),
and two rounds of the trust's self-evaluation, so every section of the pack has content.

Times, for an admin (the whole trust) and a school lead (one school): gathering the pack
(``board_pack``, with its SQL statements) and laying out the PDF (``render_pdf``), with the
PDF's pages and size (laying out includes starting ``python -m tracker.pdf``, about a second).
Then the cost to others: a request for the dashboard page, alone and while another thread of
the same process (a gunicorn worker's threads share one interpreter) makes a pack.
"""
import io
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TRACKER_INSTANCE", tempfile.mkdtemp(prefix="tracker-bench-"))
os.environ.setdefault("SECRET_KEY", "bench-only")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = f"sqlite:///{os.environ['TRACKER_INSTANCE']}/bench.db"

import pypdf  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from tracker import board_pack, clock, create_app, self_evaluation  # noqa: E402
from tracker.demo import DEMO_PASSWORD, seed  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import Measure, MeasurePoint, School, User  # noqa: E402
from tracker.models.initiative import PILLARS  # noqa: E402

KPIS = [("Attendance", "%", True, 96.0, 94.0, 2.0), ("Reading assessment", "", True, 105.0, 100.0, 6.0),
        ("Suspensions per 100 pupils", "", False, 1.0, 2.5, 1.0)]


def add_kpis_if_none(session, today):
    if session.execute(sa.select(Measure.id).where(Measure.initiative_id.is_(None))).first():
        return "the seed's trust KPIs"
    rng = random.Random(13)
    schools = session.execute(sa.select(School.id)).scalars().all()
    months = [date(today.year - 2, today.month, 1) + timedelta(days=31 * k) for k in range(24)]
    for name, unit, higher, target, mean, spread in KPIS:
        kpi = Measure(initiative_id=None, name=name, unit=unit, higher_is_better=higher,
                      target=target, kind="outcome")
        session.add(kpi)
        session.flush()
        session.execute(sa.insert(MeasurePoint), [
            {"measure_id": kpi.id, "school_id": school, "on": month.replace(day=1),
             "value": round(rng.gauss(mean + (0.08 * k if higher else -0.03 * k), spread), 1)}
            for school in schools for k, month in enumerate(months)])
    admin = session.execute(sa.select(User).where(User.role == "admin")).scalars().first()
    for days_ago, base in ((120, 2), (10, 3)):
        self_evaluation.record_round(session, admin, on=today - timedelta(days=days_ago), ratings=[
            {"pillar": p, "rating": min(4, base + i % 2), "evidence": f"Evidence on {p}."}
            for i, p in enumerate(PILLARS)])
    session.commit()
    return f"{len(KPIS)} trust KPIs added, 24 values for each of {len(schools)} schools"


def timed(fn, runs):
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times), result


def pack_for(app, role, runs=2):
    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.role == role)
                                  .order_by(User.id)).scalars().first()
        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        gather, _, pack = timed(lambda: board_pack.board_pack(db.session, user, clock.today()), 1)
        sa.event.remove(db.engine, "before_cursor_execute", listener)
        render, worst, pdf = timed(lambda: board_pack.render_pdf(pack), runs)
        pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
        print(f"{role:12} ({len(pack.report['schools'])} schools): gather {gather:5.2f} s "
              f"({len(statements)} statements), lay out {render:5.2f} s (worst {worst:.2f} s), "
              f"total {gather + render:5.2f} s; {pages} pages, {len(pdf) // 1024} KiB")


def dashboard_meanwhile(app):
    client = app.test_client()
    client.post("/login", data={"email": "central@demo.trust", "password": DEMO_PASSWORD})
    alone, _, _ = timed(lambda: client.get("/dashboard"), 3)
    other = app.test_client()
    other.post("/login", data={"email": "admin@demo.trust", "password": DEMO_PASSWORD})
    worker = threading.Thread(target=lambda: other.get("/board-pack.pdf"))
    worker.start()
    time.sleep(0.5)
    during, _, _ = timed(lambda: client.get("/dashboard"), 3)
    worker.join()
    print(f"dashboard page: {alone * 1000:.0f} ms alone, {during * 1000:.0f} ms while another "
          "thread of the same process makes a pack")


def main():
    app = create_app({"WTF_CSRF_ENABLED": False})
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        started = time.perf_counter()
        print(seed(db.session, size="large").splitlines()[0],
              f"({time.perf_counter() - started:.1f}s)")
        db.session.commit()
        print(add_kpis_if_none(db.session, clock.today()), f"; database: {db.engine.dialect.name}")
    pack_for(app, "admin")
    pack_for(app, "school_lead")
    dashboard_meanwhile(app)


if __name__ == "__main__":
    main()
