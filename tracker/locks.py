"""Holding a record so that a read-then-write applies to it as it is.

A ``version`` refuses the second of two writes that read the same version: right for an edit a
person made to what they saw, wrong for a write that should apply to the record as it is when
it lands (a replaced point, a policy put without a version). Such a unit of work first holds
the record with ``hold``: a second one waits for the first to commit, then reads what it wrote.
"""


def hold(session, record):
    """Hold ``record`` until the transaction ends and read it afresh (pending changes to it are
    lost: hold before changing it).

    PostgreSQL locks its row (``FOR NO KEY UPDATE``: rows that refer to it can still be
    inserted). SQLite locks the whole file for writing, never a row, and its driver begins a
    transaction only at the first write, after the reads it depends on: so begin one that takes
    the write lock at once (``BEGIN IMMEDIATE``, waiting the busy timeout for it) unless this
    transaction has written already and so holds it.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        if not connection.connection.driver_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    session.refresh(record, with_for_update={"key_share": True})
    return record
