"""gunicorn's settings for the tracker: ``gunicorn -c gunicorn.conf.py wsgi:app`` (scripts/run).

The worker model was chosen by measuring (bench/bench_web.py; the comparison is in
bench/README.md): sync workers, two per core. The app is CPU-bound Python (templates, the ORM),
so threads in one process only queue behind the GIL and add switching; a sync worker per
request in flight is what keeps p95 down. Command-line options override these
(``--workers 4``), and so does ``WEB_CONCURRENCY`` for the number of workers.

The garbage collector (Python's, not PostgreSQL's): the app is loaded once in the master
(``preload_app``) and its long-lived objects (modules, the SQLAlchemy mappers, compiled
templates) frozen before each fork, so a worker's collections no longer walk them all again
and their memory pages stay shared with the master; and collections start after more
allocations than Python's default 700, as a page's request makes and frees tens of thousands
of objects. Measured in bench/README.md.
"""
import gc
import os

bind = os.environ.get("BIND", "127.0.0.1:5000")
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))
threads = 1
#: The board pack is made while its reader waits: 120 schools take ~15 s on a quiet 2-core
#: machine, more on a busy one. A worker is only killed after this long without answering.
timeout = 120
graceful_timeout = 30

preload_app = True

#: Collections of the youngest generation start after this many more allocations than frees
#: (Python's default is 700); the older generations keep Python's ratios.
GC_THRESHOLD = (50_000, 20, 20)


def pre_fork(server, worker):
    # Everything the master has made so far lives as long as the worker: leave it out of
    # every collection (and its pages unwritten, so shared).
    gc.freeze()


def post_fork(server, worker):
    gc.set_threshold(*GC_THRESHOLD)
    # A connection opened in the master must not be shared by workers: each opens its own.
    from tracker.extensions import db
    from wsgi import app
    with app.app_context():
        db.engine.dispose(close=False)
