"""Fixtures every test shares: a real database (SQLite or PostgreSQL, built by the real
migrations), the app, clients signed in as any role, and factories with sensible defaults.

``TEST_DATABASE=postgresql`` runs the suite on a throwaway PostgreSQL database;
the default is a SQLite file. With ``CI=true`` a PostgreSQL that does not answer is
an error, never a skip.
"""
import os
import tempfile
import uuid
import weakref
from contextlib import contextmanager
from datetime import date, timedelta

import pytest

_TMP = tempfile.mkdtemp(prefix="tracker-tests-")
os.environ.setdefault("TRACKER_INSTANCE", _TMP)
os.environ.setdefault("SECRET_KEY", "tests-only-" + uuid.uuid4().hex)

import sqlalchemy as sa  # noqa: E402
from flask import g, has_app_context  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from tracker import create_app  # noqa: E402
from tracker.extensions import db  # noqa: E402
from tracker import models as m  # noqa: E402
from tracker.passwords import hash_password  # noqa: E402

#: The real OpenID Connect provider for the single sign-on tests (``oidc_provider``, ``use_sso``).
pytest_plugins = ["tests.oidc_fixtures"]

BACKEND = os.environ.get("TEST_DATABASE", "sqlite")
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "correct-horse-battery-staple-7"
_PASSWORD_HASH = hash_password(PASSWORD)


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_without_fsync(dbapi_connection, _record):
    # A test database need not survive a power cut: skipping fsync makes each commit cheap.
    if type(dbapi_connection).__module__ == "sqlite3":
        dbapi_connection.execute("PRAGMA synchronous = OFF")


def _postgres_url():
    name = f"tracker_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        message = f"PostgreSQL does not answer at {PG_ADMIN_URL}: {error.orig}"
        if os.environ.get("CI") == "true":
            pytest.exit(message, returncode=3)
        pytest.skip(message, allow_module_level=True)
    finally:
        admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, name


def _drop_postgres(name):
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url():
    if BACKEND == "postgresql":
        url, name = _postgres_url()
        yield url
        _drop_postgres(name)
    else:
        yield f"sqlite:///{_TMP}/test-{uuid.uuid4().hex[:8]}.db"


def make_app(database_url, **overrides):
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
              "WTF_CSRF_ENABLED": False,
              "SERVER_NAME": None, "MAIL_BACKEND": "console"}
    config.update(overrides)
    app = create_app(config)
    # Close the app's pooled connections when the app goes away, so no PostgreSQL
    # connection is left for the garbage collector to find open in a later test.
    with app.app_context():
        engines = list(db.engines.values())
    weakref.finalize(app, _dispose_all, engines)
    return app


def _dispose_all(engines):
    for engine in engines:
        engine.dispose()


class RequestIsolatingClient(FlaskClient):
    """A test client whose requests do not share the signed-in user.

    The ``app`` fixture keeps one app context open for the whole test, and Flask reuses it
    for each request, so ``g`` would carry Flask-Login's cached user from one request (and
    client) to the next. Production has a fresh context per request; so does this client.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def _migrated_app(database_url):
    from flask_migrate import upgrade

    app = make_app(database_url)
    app.test_client_class = RequestIsolatingClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()  # before the database is dropped under its pooled connections


def _empty_all_tables():
    tables = [t.name for t in reversed(m.Base.metadata.sorted_tables)] + ["alembic_version"]
    tables.remove("alembic_version")
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                                 + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(sa.text(f'DELETE FROM "{table}"'))


@pytest.fixture
def app(_migrated_app):
    """The app with an empty database (built once by the real migrations)."""
    with _migrated_app.app_context():
        _empty_all_tables()  # sign-in failures too: they are counted in the database
        yield _migrated_app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    return db.session


# --- factories -----------------------------------------------------------------------

class Factory:
    """Builds records with sensible defaults; every keyword overrides one. Commits each."""

    def __init__(self):
        self.n = 0

    def _next(self):
        self.n += 1
        return self.n

    def school(self, **kw):
        n = self._next()
        values = {"name": f"School {n}", "urn": f"{100000 + n}", "phase": "primary",
                  "support_status": "stable"}
        values.update(kw)
        return self._save(m.School(**values))

    def user(self, role="project_lead", schools=(), **kw):
        n = self._next()
        values = {"email": f"{role}{n}@example.org", "name": f"{role.replace('_', ' ').title()} {n}",
                  "role": role, "password_hash": _PASSWORD_HASH, "schools": list(schools)}
        values.update(kw)
        return self._save(m.User(**values))

    def initiative(self, schools=None, owner=None, **kw):
        schools = schools or [self.school()]
        owner = owner or self.user("project_lead", schools=schools)
        n = self._next()
        tags = [m.InitiativeTag(framework="pillar", code=c) for c in kw.pop("pillars", [])]
        tags += [m.InitiativeTag(framework="helix", code=c) for c in kw.pop("helix_components", [])]
        values = {"title": f"Initiative {n}", "owner": owner, "schools": list(schools),
                  "phase": "explore", "status": "active", "tags": tags}
        values.update(kw)
        initiative = self._save(m.Initiative(**values))
        if initiative.rag is not None:
            # As if its updates had been for all its schools: each school's RAG is the initiative's.
            db.session.execute(m.initiative_schools.update().where(
                m.initiative_schools.c.initiative_id == initiative.id).values(rag=initiative.rag))
            db.session.commit()
        return initiative

    def milestone(self, initiative, **kw):
        values = {"initiative_id": initiative.id, "title": "A milestone",
                  "due_on": date.today() + timedelta(days=14), "owner_id": initiative.owner_id}
        values.update(kw)
        return self._save(m.Milestone(**values))

    def measure(self, initiative, **kw):
        values = {"initiative_id": initiative.id, "name": "Attendance", "unit": "%",
                  "higher_is_better": True, "kind": "outcome"}
        values.update(kw)
        return self._save(m.Measure(**values))

    def review(self, initiative, **kw):
        """A de-implementation review of ``initiative``, due today unless told otherwise."""
        from tracker.clock import today

        values = {"initiative_id": initiative.id, "due_on": today()}
        values.update(kw)
        return self._save(m.DeimplementationReview(**values))

    def expert(self, **kw):
        n = self._next()
        values = {"name": f"Expert {n}", "email": f"expert{n}@example.org", "specialisms": ["maths"],
                  "days_per_week": 2.0}
        values.update(kw)
        return self._save(m.Expert(**values))

    def policy(self, **kw):
        policy = db.session.get(m.TrustPolicy, 1) or m.TrustPolicy(id=1)
        for key, value in kw.items():
            setattr(policy, key, value)
        return self._save(policy)

    def _save(self, record):
        db.session.add(record)
        db.session.commit()
        return record


@pytest.fixture
def make(app):
    """Factories: ``make.school()``, ``make.user("school_lead", schools=[s])``, ``make.initiative()``…"""
    return Factory()


# --- signed-in clients -------------------------------------------------------------

class ApiClient:
    """A test client that sends a bearer token and JSON; ``.user`` is who it acts as."""

    def __init__(self, app, user, token):
        self.client, self.user, self.token = app.test_client(), user, token

    def _call(self, method, path, json=None, **kw):
        headers = kw.pop("headers", {})
        headers.setdefault("Authorization", f"Bearer {self.token}")
        return self.client.open(path, method=method, json=json, headers=headers, **kw)

    def get(self, path, **kw):
        return self._call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self._call("POST", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self._call("PATCH", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self._call("PUT", path, json=json, **kw)

    def delete(self, path, **kw):
        return self._call("DELETE", path, **kw)


@pytest.fixture
def api_as(app):
    """``api_as(user)``: an API client signed in as ``user`` through POST /api/v1/tokens."""
    def sign_in(user):
        response = app.test_client().post("/api/v1/tokens",
                                          json={"email": user.email, "password": PASSWORD})
        assert response.status_code == 201, response.get_json()
        return ApiClient(app, user, response.get_json()["token"])
    return sign_in


@pytest.fixture
def login_as(app):
    """``login_as(user)``: a page client with a signed-in session."""
    def sign_in(user):
        client = app.test_client()
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client
    return sign_in


# --- query counting ----------------------------------------------------------------

class QueryCounter:
    def __init__(self):
        self.statements = []

    @property
    def count(self):
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as q: ...``; then ``q.count`` is the SQL statements run."""
    @contextmanager
    def counting():
        counter = QueryCounter()

        def before(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
                counter.statements.append(statement)
        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)
    return counting
