"""Backups taken while the app runs restore into an empty database with every record.

Runs on the suite's database (TEST_DATABASE): SQLite's online backup API, or pg_dump -Fc.
ASVS 4.0.3: V8.1.5 (regular backups), V8.1.6 (backups stored securely: owner-only file)."""
import os
import stat
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from tests.conftest import BACKEND, PG_ADMIN_URL, make_app
from tracker import backup
from tracker.backup import BackupError, create_backup, restore_backup, row_counts
from tracker.demo import seed
from tracker.extensions import db
from tracker.models import School


@pytest.fixture
def empty_database(tmp_path):
    """A URL for a new, empty database of the suite's kind (dropped afterwards)."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path}/restored.db"
        return
    name = f"tracker_restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _restore(target_url, path):
    """``backup restore PATH`` run by an app whose DATABASE_URL is ``target_url``."""
    target = make_app(target_url)
    with target.app_context():  # the CLI acts on the innermost app's database
        result = target.test_cli_runner().invoke(args=["backup", "restore", str(path)])
        db.engine.dispose()
    return result


@pytest.fixture
def demo_trust(app, session):
    seed(session)
    session.commit()
    return row_counts(app.config["SQLALCHEMY_DATABASE_URI"])


def test_a_backup_of_the_demo_trust_restores_every_record(app, runner, demo_trust, empty_database, tmp_path):
    path = tmp_path / "tracker.backup"
    result = runner.invoke(args=["backup", "create", str(path)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # the trust's data: owner only

    restored = _restore(empty_database, path)
    assert restored.exit_code == 0, restored.output
    counts = row_counts(empty_database)
    assert counts == demo_trust
    assert counts["initiatives"] > 0 and counts["users"] > 0 and counts["audit_entries"] >= 0


def test_a_restore_into_a_database_built_by_db_upgrade_but_empty_works(app, runner, demo_trust,
                                                                       empty_database, tmp_path):
    path = tmp_path / "tracker.backup"
    runner.invoke(args=["backup", "create", str(path)])
    target = make_app(empty_database)
    with target.app_context():
        upgrade()
        db.engine.dispose()
    assert _restore(empty_database, path).exit_code == 0
    assert row_counts(empty_database) == demo_trust


def test_a_restore_refuses_a_database_that_holds_data(app, runner, demo_trust, tmp_path):
    path = tmp_path / "tracker.backup"
    runner.invoke(args=["backup", "create", str(path)])
    result = runner.invoke(args=["backup", "restore", str(path)])
    assert result.exit_code == 1
    assert "is not empty" in result.output and "Restore only into an empty database" in result.output
    assert row_counts(app.config["SQLALCHEMY_DATABASE_URI"]) == demo_trust


def test_a_backup_never_overwrites_an_earlier_one(app, runner, tmp_path):
    path = tmp_path / "tracker.backup"
    path.write_bytes(b"last week's backup")
    result = runner.invoke(args=["backup", "create", str(path)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert path.read_bytes() == b"last week's backup"


def test_a_file_that_is_not_a_backup_is_refused(app, empty_database, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a backup")
    result = _restore(empty_database, path)
    assert result.exit_code == 1 and "cannot be restored" in result.output


def test_a_backup_taken_during_a_write_holds_only_committed_data(app, runner, session, make,
                                                                 empty_database, tmp_path):
    make.school(name="Committed School")
    writer = db.engine.connect()
    transaction = writer.begin()
    writer.execute(sa.insert(School).values(name="Half-written School", urn="999999", phase="primary",
                                            support_status="stable", version=1))
    try:
        path = tmp_path / "during-write.backup"
        result = runner.invoke(args=["backup", "create", str(path)])
        assert result.exit_code == 0, result.output
    finally:
        transaction.commit()
        writer.close()
    assert _restore(empty_database, path).exit_code == 0
    engine = sa.create_engine(empty_database)
    with engine.connect() as conn:
        names = conn.execute(sa.select(School.name)).scalars().all()
    engine.dispose()
    assert names == ["Committed School"]


@pytest.fixture
def careless_umask(monkeypatch):
    """A umask that hides nothing (0), and no chmod allowed: a file the backup code creates with
    a wider mode would stay wide, so 0600 can only come from creating it owner-only."""
    def refuse(*_args, **_kwargs):
        raise AssertionError("a file is made owner-only after it was created")
    monkeypatch.setattr(os, "chmod", refuse)
    monkeypatch.setattr(Path, "chmod", refuse)
    old = os.umask(0)
    yield
    os.umask(old)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_backup_is_owner_only_from_its_first_moment(app, demo_trust, tmp_path, careless_umask):
    path = tmp_path / "backups" / "tracker.backup"
    kind = create_backup(app.config["SQLALCHEMY_DATABASE_URI"], path)
    assert kind in ("sqlite", "pg_dump")
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700  # a folder the backup made is the owner's alone too
    assert row_counts(app.config["SQLALCHEMY_DATABASE_URI"]) == demo_trust


@pytest.mark.skipif(BACKEND != "sqlite", reason="a restore writes a file only into SQLite")
def test_a_restored_sqlite_file_is_owner_only_from_its_first_moment(app, demo_trust, tmp_path,
                                                                    careless_umask):
    path = tmp_path / "tracker.backup"
    create_backup(app.config["SQLALCHEMY_DATABASE_URI"], path)
    restored = tmp_path / "restored" / "tracker.db"
    restore_backup(f"sqlite:///{restored}", path)
    assert _mode(restored) == 0o600
    assert row_counts(f"sqlite:///{restored}") == demo_trust


@pytest.mark.skipif(BACKEND != "sqlite", reason="a restore writes a file only into SQLite")
def test_a_restore_into_a_file_made_by_db_upgrade_narrows_it_before_the_data_goes_in(
        app, runner, demo_trust, tmp_path):
    path = tmp_path / "tracker.backup"
    runner.invoke(args=["backup", "create", str(path)])
    restored = tmp_path / "restored.db"
    target = make_app(f"sqlite:///{restored}")
    with target.app_context():
        upgrade()
        db.engine.dispose()
    os.chmod(restored, 0o644)
    assert _restore(f"sqlite:///{restored}", path).exit_code == 0
    assert _mode(restored) == 0o600


def test_a_failed_backup_leaves_no_file_behind(app, tmp_path, monkeypatch):
    def broken(*_args):
        raise BackupError("the disk is full")
    monkeypatch.setattr(backup, "_copy_sqlite", broken)
    monkeypatch.setattr(backup, "_run", broken)
    path = tmp_path / "tracker.backup"
    with pytest.raises(BackupError):
        create_backup(app.config["SQLALCHEMY_DATABASE_URI"], path)
    assert not path.exists()
