"""The extensions, instantiated once; ``create_app`` binds them to an app."""
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tracker.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


@event.listens_for(Engine, "connect")
def _enforce_sqlite_foreign_keys(dbapi_connection, _record):
    """SQLite ignores foreign keys unless asked; PostgreSQL always enforces them. Ask, so
    both databases keep the same rules (and ``ON DELETE CASCADE`` works on both)."""
    if type(dbapi_connection).__module__ == "sqlite3":
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


#: How long a SQLite write waits for another's to commit before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 10_000


@event.listens_for(Engine, "connect")
def _sqlite_waits_for_the_write_lock(dbapi_connection, _record):
    """SQLite lets one writer at a time; another waits this long for it (set here, not left
    to the driver's default, so every deployment and every tool waits the same)."""
    if type(dbapi_connection).__module__ == "sqlite3":
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
