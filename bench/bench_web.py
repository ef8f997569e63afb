"""The web benchmark: the app under gunicorn on PostgreSQL with the large demo trust, driven
by wrk over loopback, each route measured against the app's own floor (``/healthz``).

    scripts/bench web                                   # everything, ~15 min
    .venv/bin/python bench/bench_web.py --routes floor,home-admin,planner --duration 5
    .venv/bin/python bench/bench_web.py --workers 2 --threads 4     # another worker model
    .venv/bin/python bench/bench_web.py --compare bench/results/before.json

What it does, in order:

1. A fresh PostgreSQL database (``tracker_bench_web_<pid>``, dropped at the end; or the one
   ``--database-url`` names, kept), ``flask db upgrade``, ``flask demo seed --size large``
   and ``ANALYZE`` (planner statistics: a bulk-loaded table without them gets bad plans).
2. The targets: the initiative with the most updates, the initiative measure with the most points.
3. Queries and CPU per request, in-process (Flask test client, a ``before_cursor_execute``
   listener): once per route per role, after one request to warm up.
4. gunicorn on 127.0.0.1 with ``gunicorn.conf.py`` (``--workers``, ``--threads`` and
   ``--worker-class`` override it), no access log. Signs in once per role over HTTP (the
   login form for pages, ``POST /api/v1/tokens`` for the API) and checks each route answers
   200. Then for each route, ``--rounds`` rounds of: wrk on the floor, wrk on the route
   (``--connections`` connections, one wrk thread). The floor is asked signed out.
5. The board pack: one build, timed over HTTP, not under wrk.
6. Each web worker's peak RSS (``VmHWM`` in /proc/<pid>/status), read before gunicorn stops.
7. Each scheduled job's wall time (bench/bench_jobs.py on the same database; run last, as
   the jobs write).

The figures: per route the median over rounds of its share of the floor (route req/s ÷ the
floor's req/s in the same round), req/s, p50/p95/p99. The share is what to compare across
machines and runs: a busy machine slows the floor and the route alike. A Markdown table goes
to stdout and to ``<out>.md``, everything to ``<out>.json``; ``--compare old.json`` adds the
change per route.
"""
import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LUA = Path(__file__).resolve().parent / "wrk_report.lua"
PG_ADMIN = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")

#: The demo accounts the routes are asked as (tracker.demo's PEOPLE).
ACCOUNTS = {"admin": "admin@demo.trust", "school_lead": "head.northfield@demo.trust",
            "project_lead": "lead.reading@demo.trust"}

#: (key for --routes, label, role or None for signed out, path, "page" or "api")
ROUTES = [
    ("floor", "floor `/healthz`", None, "/healthz", "page"),
    ("home-admin", "home `/` (admin)", "admin", "/", "page"),
    ("home-school-lead", "home `/` (school lead)", "school_lead", "/", "page"),
    ("home-project-lead", "home `/` (project lead)", "project_lead", "/", "page"),
    ("list", "initiative list, page 1", "admin", "/initiatives", "page"),
    ("list-filtered", "initiative list, filtered", "admin",
     "/initiatives?phase=deliver&status=active&rag=amber", "page"),
    ("initiative", "initiative page, longest history", "admin", "/initiatives/{initiative_id}", "page"),
    ("planner", "planner", "admin", "/planner", "page"),
    ("dashboard", "dashboard, whole trust", "admin", "/dashboard", "page"),
    ("api-initiatives", "`GET /api/v1/initiatives`", "admin", "/api/v1/initiatives", "api"),
    ("api-run-chart", "`GET /api/v1/measures/{id}/run-chart`", "admin",
     "/api/v1/measures/{measure_id}/run-chart", "api"),
    ("api-dashboard", "`GET /api/v1/dashboard`", "admin", "/api/v1/dashboard", "api"),
]
EXTRAS = ("board-pack", "jobs")


def main(argv=None):
    args = parse_args(argv)
    # Stopped with SIGTERM, still stop gunicorn and drop the database (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    ensure_wrk()
    wanted = [r for r in ROUTES if r[0] == "floor" or r[0] in args.routes]
    result = {"started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "git": git_describe(), "machine": machine(), "settings": settings(args),
              "routes": {}, "board_pack": None, "jobs": None, "workers_peak_rss_mb": []}
    database_url, drop = args.database_url, None
    if not database_url:
        database_url, drop = create_database()
    instance = tempfile.mkdtemp(prefix="tracker-bench-web-")
    env = dict(os.environ, DATABASE_URL=database_url, TRACKER_INSTANCE=instance,
               SECRET_KEY="bench-web-only", MAIL_BACKEND="console", FLASK_APP="wsgi")
    try:
        result["seed"] = build_database(env, database_url)
        targets, counts = in_process(env, wanted)
        result["targets"] = targets
        with Gunicorn(env, args) as server:
            creds = {(role, kind): sign_in(server.url, role, kind)
                     for role, kind in sorted({(r[2], r[4]) for r in wanted if r[2]})}
            measured = [r for r in wanted if r[0] != "floor"] or [ROUTES[0]]
            for route in measured:
                check(server.url, route, targets, creds)
            for key, label, role, path, kind in measured:
                path = path.format(**targets)
                print(f"==> {label}: {path}", file=sys.stderr)
                rounds = []
                for k in range(args.rounds):
                    floor = wrk(server.url, "/healthz", None, args.floor_duration, args)
                    route = wrk(server.url, path, creds.get((role, kind)), args.duration, args) \
                        if key != "floor" else floor
                    drain(server.url)
                    rounds.append({"floor": floor, "route": route,
                                   "share": route["rps"] / floor["rps"] if floor["rps"] else 0})
                    print(f"    round {k + 1}: floor {floor['rps']:.0f} req/s, route "
                          f"{route['rps']:.1f} req/s, p95 {route['p95_ms']:.0f} ms",
                          file=sys.stderr)
                result["routes"][key] = summarise(label, role, path, rounds, counts.get(key))
            if "board-pack" in args.routes:
                result["board_pack"] = board_pack(server.url, creds.get(("admin", "page")))
            result["workers_peak_rss_mb"] = server.peak_rss_mb()
        if "jobs" in args.routes:
            result["jobs"] = jobs(env)
    finally:
        if drop:
            drop_database(drop)
        shutil.rmtree(instance, ignore_errors=True)
    result["wall_seconds"] = round(time.monotonic() - started)
    previous = json.loads(Path(args.compare).read_text()) if args.compare else None
    report = markdown(result, previous)
    print(report)
    out = Path(args.out or ROOT / "bench" / "results" /
               f"web-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    out.with_suffix(".md").write_text(report)
    print(f"\nWritten: {out.with_suffix('.md')} and {out.with_suffix('.json')}", file=sys.stderr)


def parse_args(argv):
    keys = [r[0] for r in ROUTES] + list(EXTRAS)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=10, help="seconds of wrk per route per round")
    parser.add_argument("--floor-duration", type=float, default=5, help="seconds of wrk on the floor per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--routes", default=",".join(keys),
                        help=f"comma-separated subset of: {', '.join(keys)}")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--threads", type=int, help="gunicorn threads per worker")
    parser.add_argument("--worker-class", help="gunicorn worker class: sync or gthread")
    parser.add_argument("--config", default=str(ROOT / "gunicorn.conf.py"),
                        help="gunicorn config file, or 'none' for gunicorn's defaults")
    parser.add_argument("--database-url", help="use (and keep) this database instead of a fresh one; "
                        "seeded when empty")
    parser.add_argument("--out", help="path for the .md and .json (default bench/results/web-<time>)")
    parser.add_argument("--compare", help="a previous run's JSON: print the change per route")
    args = parser.parse_args(argv)
    args.routes = [k.strip() for k in args.routes.split(",") if k.strip()]
    unknown = set(args.routes) - set(keys)
    if unknown:
        parser.error(f"unknown routes: {', '.join(sorted(unknown))}")
    return args


def settings(args):
    return {"duration": args.duration, "floor_duration": args.floor_duration, "rounds": args.rounds,
            "connections": args.connections, "workers": args.workers, "threads": args.threads,
            "worker_class": args.worker_class,
            "config": None if args.config == "none" else os.path.relpath(args.config, ROOT)}


# --- the machine and the tools ---------------------------------------------------------

def ensure_wrk():
    if shutil.which("wrk"):
        return
    print("==> Installing wrk (Debian package)", file=sys.stderr)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "wrk"], check=True,
                   env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def machine():
    load = os.getloadavg()
    return {"cpus": os.cpu_count(), "load_at_start": [round(x, 2) for x in load],
            "python": sys.version.split()[0]}


def git_describe():
    if os.environ.get("BENCH_GIT"):  # a tree exported without .git says which commit it is
        return os.environ["BENCH_GIT"]
    try:
        return subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%h %s"],
                              capture_output=True, text=True, check=True).stdout.strip()[:100]
    except (OSError, subprocess.CalledProcessError):
        return None


# --- the database ----------------------------------------------------------------------

def create_database():
    import psycopg
    name = f"tracker_bench_web_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name, name


def drop_database(name):
    import psycopg
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def build_database(env, database_url):
    """Migrate, seed the large trust (the seed does nothing when it is there) and ANALYZE."""
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    print("==> flask demo seed --size large", file=sys.stderr)
    seeded = subprocess.run(flask + ["demo", "seed", "--size", "large"], cwd=ROOT, env=env,
                            check=True, capture_output=True, text=True).stdout
    seconds = time.monotonic() - started
    import psycopg
    with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("ANALYZE")
    first = seeded.strip().splitlines()[0] if seeded.strip() else ""
    print(f"    {first} ({seconds:.0f} s); ANALYZE done", file=sys.stderr)
    return {"summary": first, "seconds": round(seconds, 1)}


# --- in-process: targets, queries and CPU per request -------------------------------------

def in_process(env, wanted):
    """The ids the routes need, and per route its SQL statements and CPU time per request
    (median of five, after one to warm up), asked through the Flask test client."""
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "TRACKER_INSTANCE", "SECRET_KEY")})
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa

    from tracker import create_app
    from tracker.demo import DEMO_PASSWORD
    from tracker.extensions import db
    from tracker.models import Initiative, Measure, MeasurePoint, School, Update, User

    app = create_app({"WTF_CSRF_ENABLED": False})
    counts = {}
    with app.app_context():
        targets = {
            "initiative_id": db.session.execute(
                sa.select(Update.initiative_id).group_by(Update.initiative_id)
                .order_by(sa.func.count().desc(), Update.initiative_id).limit(1)).scalar(),
            "measure_id": db.session.execute(
                # An initiative's measure (a long history's): a trust KPI's run chart of
                # every school's points together is not a chart anyone reads.
                sa.select(MeasurePoint.measure_id).join(Measure, Measure.id == MeasurePoint.measure_id)
                .where(Measure.initiative_id.is_not(None)).group_by(MeasurePoint.measure_id)
                .order_by(sa.func.count().desc(), MeasurePoint.measure_id).limit(1)).scalar(),
        }
        targets["initiative_updates"] = db.session.execute(
            sa.select(sa.func.count()).where(Update.initiative_id == targets["initiative_id"])).scalar()
        targets["measure_points"] = db.session.execute(
            sa.select(sa.func.count()).where(MeasurePoint.measure_id == targets["measure_id"])).scalar()
        targets["trust"] = {model.__tablename__: db.session.execute(
            sa.select(sa.func.count()).select_from(model)).scalar()
            for model in (School, User, Initiative, Update, MeasurePoint)}
        db.session.remove()
        engine = db.engine
    # Requests go outside any app context: inside one, Flask-Login's g._login_user would be
    # shared by every client, and each would act as whoever asked first.
    clients = {}
    for key, label, role, path, kind in wanted:
        if (role, kind) not in clients:
            clients[role, kind] = _client(app, role, kind, DEMO_PASSWORD)
        client, headers = clients[role, kind]
        counts[key] = _count(client, headers, path.format(**targets), engine)
        print(f"    in-process {key}: {counts[key]['queries']} queries, "
              f"{counts[key]['cpu_ms']} ms CPU, status {counts[key]['status']}", file=sys.stderr)
        if counts[key]["status"] != 200:
            raise SystemExit(f"{label} answered {counts[key]['status']} in-process, not 200")
    return targets, counts


def _client(app, role, kind, password):
    client = app.test_client()
    if role is None:
        return client, {}
    if kind == "api":
        response = client.post("/api/v1/tokens", json={"email": ACCOUNTS[role], "password": password})
        assert response.status_code == 201, response.get_data(as_text=True)[:300]
        return client, {"Authorization": f"Bearer {response.get_json()['token']}"}
    response = client.post("/login", data={"email": ACCOUNTS[role], "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client, {}


def _count(client, headers, path, engine):
    import sqlalchemy as sa
    statements = []

    def before(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
            statements.append(statement)
    status = client.get(path, headers=headers).status_code  # warm: templates, caches
    cpu = []
    for _ in range(5):
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", before)
        started = time.process_time()
        status = client.get(path, headers=headers).status_code
        cpu.append(time.process_time() - started)
        sa.event.remove(engine, "before_cursor_execute", before)
    return {"queries": len(statements), "cpu_ms": round(statistics.median(cpu) * 1000, 1),
            "status": status}


# --- gunicorn and wrk ----------------------------------------------------------------

class Gunicorn:
    """gunicorn on a free loopback port, in its own process group; stopped on exit."""

    def __init__(self, env, args):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        command = [str(BIN / "gunicorn")]
        if args.config != "none":
            command += ["-c", args.config]
        command += ["--bind", f"127.0.0.1:{self.port}", "--timeout", "300"]
        for option, value in (("--workers", args.workers), ("--threads", args.threads),
                              ("--worker-class", args.worker_class)):
            if value is not None:
                command += [option, str(value)]
        self.command, self.env = command + ["wsgi:app"], env

    def __enter__(self):
        print(f"==> {' '.join(self.command[1:])}", file=sys.stderr)
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=5) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.3)
        self.log.seek(0)
        raise SystemExit("gunicorn did not start:\n" + self.log.read().decode()[-3000:])

    def workers(self):
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return sorted(children)

    def peak_rss_mb(self):
        peaks = []
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
            if match:
                peaks.append(round(int(match[1]) / 1024, 1))
        return peaks

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def sign_in(url, role, kind):
    """Sign in once over HTTP: the login form's session cookie, or an API token."""
    from tracker.demo import DEMO_PASSWORD
    email = ACCOUNTS[role]
    if kind == "api":
        request = urllib.request.Request(
            url + "/api/v1/tokens", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"email": email, "password": DEMO_PASSWORD}).encode())
        with urllib.request.urlopen(request, timeout=60) as answer:
            return ("Authorization", f"Bearer {json.load(answer)['token']}")
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    with opener.open(url + "/login", timeout=60) as answer:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', answer.read().decode())[1]
    form = urllib.parse.urlencode({"email": email, "password": DEMO_PASSWORD, "csrf_token": token})
    try:
        opener.open(url + "/login", data=form.encode(), timeout=60)
    except urllib.error.HTTPError as error:
        if error.code != 302:
            raise
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    return ("Cookie", cookies)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url, path, credential, timeout=60):
    headers = dict([credential]) if credential else {}
    opener = urllib.request.build_opener(_NoRedirect)
    started = time.monotonic()
    try:
        with opener.open(urllib.request.Request(url + path, headers=headers), timeout=timeout) as answer:
            body = answer.read()
            return answer.status, body, time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, b"", time.monotonic() - started


def check(url, route, targets, creds):
    """Each route must answer 200 to its role (a redirect to /login would measure nothing)."""
    key, label, role, path, kind = route
    status, _, _ = _get(url, path.format(**targets), creds.get((role, kind)) if role else None, 300)
    if status != 200:
        raise SystemExit(f"{label} answered {status} to {role}, not 200: nothing to measure")


def wrk(url, path, credential, duration, args):
    env = dict(os.environ, BENCH_COOKIE="", BENCH_AUTHORIZATION="")
    if credential:
        env["BENCH_COOKIE" if credential[0] == "Cookie" else "BENCH_AUTHORIZATION"] = credential[1]
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{duration:g}s", "--timeout", "60s",
               "-s", str(LUA), url + path]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_RESULT "))
    raw = json.loads(line.removeprefix("BENCH_RESULT "))
    seconds = raw["duration_us"] / 1e6
    errors = raw["status_errors"] + raw["timeouts"] + raw["connect_errors"] + raw["read_errors"]
    return {"requests": raw["requests"], "rps": raw["requests"] / seconds if seconds else 0,
            "p50_ms": raw["p50_us"] / 1000, "p95_ms": raw["p95_us"] / 1000,
            "p99_ms": raw["p99_us"] / 1000, "max_ms": raw["max_us"] / 1000, "errors": errors,
            "kb_per_request": round(raw["bytes"] / raw["requests"] / 1024, 1) if raw["requests"] else 0}


def drain(url):
    """Wait until the workers have answered what wrk left in flight: a sync worker finishes a
    request whose client has gone, and a slow route's backlog would eat the next floor's run."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        status, _, seconds = _get(url, "/healthz", None, timeout=600)
        if status == 200 and seconds < 0.5:
            return
        time.sleep(0.2)


def summarise(label, role, path, rounds, counted):
    def median(part, field):
        return round(statistics.median(r[part][field] for r in rounds), 2)
    return {"label": label, "role": role, "path": path,
            "share_of_floor": round(statistics.median(r["share"] for r in rounds), 4),
            "rps": median("route", "rps"), "floor_rps": median("floor", "rps"),
            "p50_ms": median("route", "p50_ms"), "p95_ms": median("route", "p95_ms"),
            "p99_ms": median("route", "p99_ms"),
            "kb_per_request": median("route", "kb_per_request"),
            "errors": sum(r["route"]["errors"] for r in rounds),
            "queries": counted and counted["queries"], "cpu_ms": counted and counted["cpu_ms"],
            "rounds": rounds}


# --- the board pack and the jobs ----------------------------------------------------------

def board_pack(url, credential):
    print("==> board pack (admin, one build)", file=sys.stderr)
    status, body, seconds = _get(url, "/board-pack.pdf", credential, timeout=300)
    return {"status": status, "seconds": round(seconds, 2), "kb": round(len(body) / 1024)}


def jobs(env):
    """bench/bench_jobs.py on the same database (its seed finds the trust there already)."""
    print("==> jobs (bench/bench_jobs.py)", file=sys.stderr)
    output = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_jobs.py")], cwd=ROOT,
                            env=env, capture_output=True, text=True, check=True).stdout
    timed = {}
    for line in output.splitlines():
        match = re.match(r"^(\w+)\s+median\s+(\d+) ms\s+(\d+) statements", line)
        if match:
            timed[match[1]] = {"seconds": int(match[2]) / 1000, "statements": int(match[3])}
    return timed


# --- the report ----------------------------------------------------------------------

def markdown(result, previous=None):
    s = result["settings"]
    default = "as configured" if s["config"] else "gunicorn's default"
    model = (f"gunicorn config {s['config'] or 'none'}, workers {s['workers'] or default}, "
             f"threads {s['threads'] or default}, class {s['worker_class'] or default}")
    lines = [f"Web benchmark, {result['started_at']} ({result['git']}); {model}; "
             f"{s['connections']} connections, {s['rounds']} rounds of {s['floor_duration']:g} s floor + "
             f"{s['duration']:g} s route; {result['machine']['cpus']} CPUs, load at start "
             f"{result['machine']['load_at_start'][0]}", "",
             "The trust: " + ", ".join(f"{n:,} {t}" for t, n in result["targets"]["trust"].items())
             + f"; the initiative page has {result['targets']['initiative_updates']} updates, the run "
             f"chart {result['targets']['measure_points']} points.", "",
             "| route | share of floor | req/s | p50 | p95 | p99 | queries | CPU in-process | KB |",
             "|---|---|---|---|---|---|---|---|---|"]
    for key, r in result["routes"].items():
        errors = f" ({r['errors']} errors)" if r["errors"] else ""
        if not r["rps"]:
            lines.append(f"| {r['label']}{errors} | no request finished within most rounds: run it with "
                         f"a longer `--duration` | | | | | {r['queries']} | {r['cpu_ms']} ms | |")
            continue
        lines.append(f"| {r['label']}{errors} | {r['share_of_floor'] * 100:.1f}% | {r['rps']:.1f} | "
                     f"{r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms | {r['p99_ms']:.0f} ms | "
                     f"{r['queries']} | {r['cpu_ms']} ms | {r['kb_per_request']:.0f} |")
    if result["routes"]:
        floor = statistics.median(r["floor_rps"] for r in result["routes"].values())
        lines.append(f"\nThe floor (`/healthz`, signed out) answered {floor:.0f} req/s (median of "
                     "the rounds). Targets (issue 15): JSON list ≥ 25%, list page ≥ 20%, initiative "
                     "page and home ≥ 15%, planner and dashboard ≥ 10%; p95 ≤ 100 ms.")
    if result["board_pack"]:
        b = result["board_pack"]
        lines.append(f"\nBoard pack (admin, whole trust, one build): {b['seconds']:.1f} s, "
                     f"{b['kb']} KB (status {b['status']}; target ≤ 20 s).")
    if result["jobs"]:
        lines.append("\n| job | wall time | statements |\n|---|---|---|")
        lines += [f"| {name} | {j['seconds']:.2f} s | {j['statements']} |"
                  for name, j in result["jobs"].items()]
    if result["workers_peak_rss_mb"]:
        lines.append(f"\nWeb workers' peak RSS (VmHWM): "
                     f"{', '.join(f'{mb:.0f} MB' for mb in result['workers_peak_rss_mb'])} "
                     "(target ≤ 200 MB each).")
    lines.append(f"\nWhole run: {result['wall_seconds']} s.")
    if previous:
        lines += ["", f"Compared with {previous.get('started_at')} ({previous.get('git')}):", "",
                  "| route | share of floor | req/s | p95 | queries |", "|---|---|---|---|---|"]
        for key, r in result["routes"].items():
            old = previous.get("routes", {}).get(key)
            if not old or not old["rps"] or not r["rps"]:
                continue
            lines.append(
                f"| {r['label']} | {old['share_of_floor'] * 100:.1f}% → {r['share_of_floor'] * 100:.1f}% "
                f"({_change(old['share_of_floor'], r['share_of_floor'])}) | "
                f"{old['rps']:.1f} → {r['rps']:.1f} ({_change(old['rps'], r['rps'])}) | "
                f"{old['p95_ms']:.0f} → {r['p95_ms']:.0f} ms ({_change(old['p95_ms'], r['p95_ms'])}) | "
                f"{old['queries']} → {r['queries']} |")
        if previous.get("board_pack") and result["board_pack"]:
            lines.append(f"\nBoard pack: {previous['board_pack']['seconds']:.1f} s → "
                         f"{result['board_pack']['seconds']:.1f} s")
        for name, j in (result["jobs"] or {}).items():
            old = (previous.get("jobs") or {}).get(name)
            if old:
                lines.append(f"Job {name}: {old['seconds']:.2f} s → {j['seconds']:.2f} s")
    return "\n".join(lines) + "\n"


def _change(old, new):
    if not old:
        return "new"
    return f"{(new - old) / old * 100:+.0f}%"


if __name__ == "__main__":
    main()
