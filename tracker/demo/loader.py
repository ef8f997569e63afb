"""Writing many rows at once, for the large demo trust: ids handed out here, rows written in
bulk (Core executemany on SQLite, COPY on PostgreSQL), PostgreSQL's sequences moved past the
ids at the end."""
import itertools

from psycopg.types.json import Jsonb
from sqlalchemy import JSON, func, insert, select, text

from tracker.models import (Driver, Expert, Goal, Initiative, Insight, Measure, PdsaCycle, School,
                            SelfEvaluation, User)

CHUNK = 5000
#: Tables whose ids the loader assigns (PostgreSQL's sequences move past them afterwards).
OWN_IDS = (School, User, Expert, Initiative, Measure, PdsaCycle, Insight, SelfEvaluation, Goal, Driver)


class Loader:
    """Hands out ids and writes rows in chunks."""

    def __init__(self, session):
        self.session = session
        self.tables = []
        self._next = {}

    def ids(self, model):
        if model not in self._next:
            start = self.session.scalar(select(func.coalesce(func.max(model.id), 0))) + 1
            self._next[model] = itertools.count(start).__next__
        return self._next[model]

    def write(self, target, rows):
        table = getattr(target, "__table__", target)
        if table.name not in self.tables:
            self.tables.append(table.name)
        if not rows:
            return
        if self.session.get_bind().dialect.name == "postgresql":
            self._copy(table, rows)
            return
        for first in range(0, len(rows), CHUNK):  # Core executemany: no ORM bookkeeping
            self.session.execute(insert(table), rows[first:first + CHUNK])

    def _copy(self, table, rows):
        """PostgreSQL's COPY on the session's own connection and transaction: psycopg's
        executemany is a round trip a row, several times slower. The columns' Python-side
        defaults (version, created_at...) are filled in here, since COPY knows none."""
        given = list(rows[0])
        defaults = {c.name: c.default.arg(None) if c.default.is_callable else c.default.arg
                    for c in table.columns
                    if c.name not in given and c.default is not None and not c.primary_key}
        columns = given + list(defaults)
        as_json = {c.name for c in table.columns if isinstance(c.type, JSON)}
        tail = [Jsonb(v) if name in as_json else v for name, v in defaults.items()]
        wrap = [name in as_json for name in given]
        names = ", ".join(f'"{name}"' for name in columns)
        cursor = self.session.connection().connection.dbapi_connection.cursor()
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                values = [row[name] for name in given]
                copy.write_row([Jsonb(v) if w else v for v, w in zip(values, wrap)] + tail
                               if as_json else values + tail)

    def finish(self):
        if self.session.get_bind().dialect.name == "postgresql":
            for model in OWN_IDS:
                table = model.__tablename__
                self.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"))

    def counts(self):
        return {name: self.session.scalar(text(f'SELECT count(*) FROM "{name}"'))
                for name in self.tables}
