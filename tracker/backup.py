"""Backups: ``flask --app wsgi backup create PATH`` and ``backup restore PATH``.

A backup is taken while the app keeps running and is consistent as of one moment:
SQLite's online backup API copies the database page by page under a read lock (a
writer's uncommitted changes are not in it); ``pg_dump -Fc`` reads from one snapshot.
A restore goes only into an empty database (no rows in any table), so it can never
overwrite a trust's data; restore into a fresh database, then point the app at it.
"""
import os
import sqlite3
import subprocess
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from tracker import bulk

backup_cli = AppGroup("backup", help="Back up the database, or restore a backup into an empty one.")

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore cannot go ahead; the message says why and what to do."""


def create_backup(url, path):
    """Write a consistent backup of the database at ``url`` to ``path``; returns the format.

    The file is made owner-only (0600) before a byte of the trust's data goes in, and never
    overwrites an existing one; a backup that fails leaves no file behind.
    """
    url = sa.engine.make_url(url)
    path = Path(path)
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups of {backend} databases are not supported.")
    source = _sqlite_file(url) if backend == "sqlite" else None
    if source is not None and not source.is_file():
        raise BackupError(f"No SQLite database at {source}.")
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    _create_owner_only(path, f"{path} already exists; choose a new file so no backup is overwritten.")
    try:
        if source is not None:
            _copy_sqlite(source, path)
            return "sqlite"
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}",
              *_pg_args(url)], url)
        return "pg_dump"
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _create_owner_only(path, exists_message):
    """Create ``path`` empty with mode 0600 from its first moment (O_EXCL: never an existing
    file). SQLite gives its journal the database file's mode; pg_dump writes into it as is."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise BackupError(exists_message) from None


def restore_backup(url, path):
    """Restore the backup at ``path`` into the empty database at ``url``.

    Raises BackupError when the file is missing, of the other database's kind, or when
    the database already holds data.
    """
    url = sa.engine.make_url(url)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    with path.open("rb") as f:
        head = f.read(16)
    backend = url.get_backend_name()
    if backend == "sqlite" and not head.startswith(SQLITE_MAGIC) or \
            backend == "postgresql" and not head.startswith(PG_DUMP_MAGIC):
        kind = "an SQLite" if head.startswith(SQLITE_MAGIC) else \
            "a pg_dump" if head.startswith(PG_DUMP_MAGIC) else "an unknown"
        raise BackupError(f"{path} is {kind} file; it cannot be restored into a {backend} database.")
    if backend == "sqlite":
        # Before anything opens it: even the emptiness check would create a missing file.
        _owner_only_target(_sqlite_file(url))
    _refuse_unless_empty(url)
    if backend == "sqlite":
        _copy_sqlite(path, _sqlite_file(url))
    elif backend == "postgresql":
        # --clean drops the empty tables a `db upgrade` may have made, so the dump's own
        # schema and data go in whole, in one transaction.
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", *_pg_args(url, dbname_flag=True),
              str(path)], url)
    else:
        raise BackupError(f"Restoring into {backend} databases is not supported.")


def row_counts(url):
    """``{table: rows}`` for every table of the database at ``url`` (to check a restore)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            return {name: conn.execute(sa.select(sa.func.count()).select_from(sa.table(name)))
                    .scalar_one() for name in sorted(names)}
    finally:
        engine.dispose()


def _refuse_unless_empty(url):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            for name in sorted(sa.inspect(conn).get_table_names()):
                if name == "alembic_version":
                    continue
                if conn.execute(sa.select(sa.literal(1)).select_from(sa.table(name)).limit(1)).first():
                    raise BackupError(
                        f"The database {url.render_as_string(hide_password=True)} is not empty "
                        f"(table {name} has rows). Restore only into an empty database: create a "
                        "new one, restore into it, then point DATABASE_URL at it.")
    finally:
        engine.dispose()


def _sqlite_file(url):
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def _owner_only_target(target):
    """The SQLite file a restore writes: a new one is owner-only from the start; an existing
    (empty) one, made by ``db upgrade``, is narrowed to 0600 before the trust's data goes in."""
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if target.exists():
        os.chmod(target, 0o600)
    else:
        _create_owner_only(target, f"{target} appeared while the restore began; try again.")


def _copy_sqlite(source, target):
    """Copy page by page with SQLite's online backup API: consistent while others write."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _pg_args(url, dbname_flag=False):
    args = []
    if url.host:
        args.append(f"--host={url.host}")
    if url.port:
        args.append(f"--port={url.port}")
    if url.username:
        args.append(f"--username={url.username}")
    args.append("--no-password")
    args.append(f"--dbname={url.database}" if dbname_flag else url.database)
    return args


def _run(command, url):
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password  # never on the command line, where ps shows it
    try:
        # umask: anything the client creates itself is owner-only too.
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False,
                                umask=0o077)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client).")
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")


def _database_url():
    return current_app.config["SQLALCHEMY_DATABASE_URI"]


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False))
def create_command(path):
    """Write a consistent backup of the database to PATH while the app runs."""
    try:
        kind = create_backup(_database_url(), path)
    except BackupError as error:
        raise click.ClickException(str(error))
    click.echo(f"Backed up to {path} ({kind}).")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
def restore_command(path):
    """Restore the backup at PATH into the (empty) database DATABASE_URL names."""
    from tracker.extensions import db

    db.engine.dispose()  # no pooled connection of ours holds the database while it is replaced
    try:
        restore_backup(_database_url(), path)
    except BackupError as error:
        raise click.ClickException(str(error))
    with db.engine.begin() as connection:  # pg_restore brings no planner statistics
        bulk.analyze(connection)
    click.echo(f"Restored {path}.")


def register(app):
    app.cli.add_command(backup_cli)
