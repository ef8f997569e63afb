"""Times signing in through the login form, and where the time goes.

    .venv/bin/python bench/bench_sign_in.py [--runs 20] [--database URL]

Builds a throwaway database (SQLite in a temporary folder unless ``--database`` names an
empty one) with one person, then times ``--runs`` sign-ins through the app's login form
(a fresh client each time: GET /login for the form, POST the password, follow to the
home page), and each part on its own: the Argon2 check (``verify_password``), the
throttle's reads and writes (``before_guess`` + ``clear``), the person's lookup (the
first query), and, for the first sign-in after start-up, the whole request cold.
Prints the median and worst of each, in milliseconds.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_TMP = tempfile.mkdtemp(prefix="tracker-bench-")
os.environ.setdefault("TRACKER_INSTANCE", _TMP)
os.environ.setdefault("SECRET_KEY", "bench-only")

import sqlalchemy as sa  # noqa: E402

from tracker import create_app, throttle  # noqa: E402
from tracker.auth import normalise_email  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker.models import User  # noqa: E402
from tracker.passwords import hash_password, verify_password  # noqa: E402

PASSWORD = "bench-password-Northfield-1"
EMAIL = "lead@bench.test"


def timed(fn, runs):
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def report(label, times):
    print(f"  {label:<44} median {statistics.median(times):7.1f} ms   worst {max(times):7.1f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database", default=f"sqlite:///{_TMP}/bench.db")
    args = parser.parse_args()

    started = time.perf_counter()
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        from flask_migrate import upgrade
        upgrade()
        stored_hash = hash_password(PASSWORD)
        db.session.add(User(email=EMAIL, name="Lead", role="project_lead", password_hash=stored_hash))
        db.session.commit()
        dialect = db.engine.dialect.name
        db.session.remove()
    print(f"{dialect}: app built and migrated in {time.perf_counter() - started:.1f} s")

    def sign_in():
        client = app.test_client()
        assert client.get("/login").status_code == 200
        response = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        assert client.get(response.headers["Location"]).status_code == 200

    report("first sign-in after start-up (cold)", timed(sign_in, 1))
    report("sign-in: form, post, home page", timed(sign_in, args.runs))
    report("  of which Argon2 verify_password", timed(lambda: verify_password(stored_hash, PASSWORD),
                                                     args.runs))
    with app.test_request_context():
        account = throttle.account_key(normalise_email(EMAIL))
        address = throttle.address_key("127.0.0.1")
        report("  of which the throttle (check + clear)", timed(
            lambda: (throttle.before_guess(account, address), throttle.clear(account)), args.runs))
        report("  of which the person's lookup", timed(lambda: (db.session.execute(
            sa.select(User).where(User.email == EMAIL)).scalar_one(), db.session.rollback()),
            args.runs))


if __name__ == "__main__":
    main()
