"""The migrations build the models' schema, tear it down, and build it again, on the test
backend (SQLite or PostgreSQL), in a database of their own."""
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.conftest import BACKEND, _TMP, _drop_postgres, _postgres_url, make_app
from tracker.extensions import db
from tracker.models.base import Base


@pytest.fixture(scope="module")
def _throwaway_app():
    """An app on a database of its own (made once: creating a PostgreSQL one is slow)."""
    if BACKEND == "postgresql":
        url, name = _postgres_url()
    else:
        url, name = f"sqlite:///{_TMP}/migrations-{uuid.uuid4().hex[:8]}.db", None
    app = make_app(url)
    yield app
    with app.app_context():
        db.engine.dispose()
    if name:
        _drop_postgres(name)


@pytest.fixture
def blank_app(_throwaway_app):
    """That app, its database empty: no tables, no revision."""
    with _throwaway_app.app_context():
        _empty_database()
        yield _throwaway_app
        db.session.remove()
        _empty_database()


def _empty_database():
    metadata = sa.MetaData()
    metadata.reflect(bind=db.engine)
    metadata.drop_all(bind=db.engine)


def _tables():
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def _revision():
    with db.engine.connect() as conn:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def test_migrations_go_up_down_and_up_again_to_the_models_schema(blank_app):
    models = set(Base.metadata.tables)

    upgrade()
    assert _tables() == models
    head = _revision()

    downgrade(revision="base")
    assert _tables() == set()

    upgrade()
    assert _tables() == models
    assert _revision() == head


def test_db_check_finds_no_drift_between_models_and_migrations(blank_app):
    upgrade()
    # ``db check`` exits non-zero when autogenerate would write any operation.
    result = blank_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_db_check_notices_drift(blank_app):
    upgrade()
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE stray (id INTEGER PRIMARY KEY)"))
    result = blank_app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code != 0


def test_every_foreign_key_column_leads_an_index(blank_app):
    upgrade()
    inspector = sa.inspect(db.engine)
    unindexed = []
    for table in sorted(_tables()):
        leading = {tuple(i["column_names"][:1]) for i in inspector.get_indexes(table)}
        leading |= {tuple(c["column_names"][:1]) for c in inspector.get_unique_constraints(table)}
        leading.add(tuple(inspector.get_pk_constraint(table)["constrained_columns"][:1]))
        for fk in inspector.get_foreign_keys(table):
            if tuple(fk["constrained_columns"][:1]) not in leading:
                unindexed.append(f"{table}.{fk['constrained_columns'][0]}")
    assert not unindexed, "foreign keys without an index: " + ", ".join(unindexed)


def _an_admin_owning_an_initiative(conn):
    """User 1, an admin, owning initiative 1 ('Reading', in Deliver, amber), in plain SQL."""
    conn.execute(sa.text("INSERT INTO users (id, email, name, role, password_hash, active, "
                         "session_generation, notification_prefs, version, created_at) VALUES "
                         "(1, 'a@x.org', 'A', 'admin', 'x', true, 0, '{}', 1, CURRENT_TIMESTAMP)"))
    conn.execute(sa.text(
        "INSERT INTO initiatives (id, title, problem, evidence, intended_outcomes, "
        "active_ingredients, implementation_strategies, owner_id, phase, status, rag, scope, "
        "phase_since, created_at, version) VALUES (1, 'Reading', '', '', '', '', '', 1, "
        "'deliver', 'active', 'amber', 'schools', '2026-09-01', CURRENT_TIMESTAMP, 1)"))


def test_progress_per_school_keeps_each_schools_rag_of_existing_initiatives(blank_app):
    """0007 gives every school of an initiative the RAG it showed until then: the initiative's."""
    upgrade(revision="0006")
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO schools (id, name, urn, phase, support_status, version) "
                             "VALUES (1, 'Hill', '100001', 'primary', 'stable', 1), "
                             "(2, 'Vale', '100002', 'primary', 'stable', 1)"))
        _an_admin_owning_an_initiative(conn)
        conn.execute(sa.text("INSERT INTO initiative_schools (initiative_id, school_id) "
                             "VALUES (1, 1), (1, 2)"))
    upgrade()
    with db.engine.connect() as conn:
        rags = conn.execute(sa.text("SELECT school_id, rag FROM initiative_schools "
                                    "ORDER BY school_id")).all()
    assert [tuple(r) for r in rags] == [(1, "amber"), (2, "amber")]


def test_sso_migration_keeps_people_and_what_points_at_them(blank_app):
    """0008 makes a role optional (people waiting for approval). On SQLite that copies the users
    table; the people, their roles and every row that points at them must come through."""
    upgrade(revision="0007")
    with db.engine.begin() as conn:
        _an_admin_owning_an_initiative(conn)
    upgrade()
    with db.engine.begin() as conn:
        assert conn.execute(sa.text("SELECT role FROM users WHERE id = 1")).scalar() == "admin"
        assert conn.execute(sa.text("SELECT owner_id FROM initiatives WHERE id = 1")).scalar() == 1
        conn.execute(sa.text("INSERT INTO users (id, email, name, role, password_hash, active, "
                             "session_generation, notification_prefs, version, created_at) VALUES "
                             "(2, 'new@x.org', 'New', NULL, '!', true, 0, '{}', 1, CURRENT_TIMESTAMP)"))
        conn.execute(sa.text("INSERT INTO sso_identities (user_id, provider, subject, email, "
                             "created_at) VALUES (2, 'google', 'sub-2', 'new@x.org', CURRENT_TIMESTAMP)"))
    # Going down, the waiting account cannot keep a NULL role: it goes, with its link.
    downgrade(revision="0007")
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id FROM users ORDER BY id")).scalars().all() == [1]
        assert conn.execute(sa.text("SELECT owner_id FROM initiatives")).scalar() == 1
