"""What every bulk load ends with: fresh planner statistics.

A database that has just taken thousands of rows in one go (the demo seed, a restore, a CSV
import of many points) still has the statistics of the empty tables, and PostgreSQL (run here
with autovacuum off) then plans nested loops over tables it thinks hold a handful of rows. One
``ANALYZE`` fixes that; SQLite's planner reads the ``sqlite_stat1`` table it writes too.
"""
from sqlalchemy import text

#: From how many rows written at once an import ends with ANALYZE.
MANY_ROWS = 1000


def analyze(session, table=None):
    """Refresh the planner's statistics of ``table`` (a table name; None: every table),
    inside the caller's transaction (``session`` may be a Session or a Connection).

    PostgreSQL counts the rows this transaction inserted as live, so it may run before the
    load commits; the caller commits as usual."""
    session.execute(text("ANALYZE" if table is None else f'ANALYZE "{table}"'))
