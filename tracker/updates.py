"""Progress updates: a RAG judgement and a few sentences, logged in under a minute.

The initiative's ``rag`` is its latest update's, and ``last_update_at`` says when it
was logged (stale-initiative nudges read it). Updates are a record: never edited.

Both fields derive from the updates, so logging one does not edit the initiative: they are
set without bumping its ``version`` (a client editing the initiative is not refused because
someone logged progress), and only by an update newer than the one they show, so of updates
logged at the same moment the newest sets them whichever commits last. The update's own
audit entry records its RAG; the initiative gets none for what derives from it.
"""
from sqlalchemy import or_, select, update as sql_update
from sqlalchemy.orm import joinedload

from tracker import permissions
from tracker.errors import Invalid
from tracker.models import Initiative, Update
from tracker.models.base import utcnow
from tracker.models.initiative import RAGS

MAX_NARRATIVE = 10_000


def updates_of(initiative):
    """A select of an initiative's updates, newest first, with their authors."""
    return (select(Update).where(Update.initiative_id == initiative.id)
            .options(joinedload(Update.author))
            .order_by(Update.created_at.desc(), Update.id.desc()))


def log_update(session, actor, initiative, *, rag, narrative, now=None):
    """Log an update and make its RAG the initiative's. Raises Forbidden, Invalid."""
    permissions.require(actor, permissions.WRITE, initiative)
    problems = {}
    if rag not in RAGS:
        problems["rag"] = ["Choose green, amber or red."]
    narrative = (narrative or "").strip()
    if not narrative:
        problems["narrative"] = ["Say in a sentence or two how it is going."]
    elif "\x00" in narrative or len(narrative) > MAX_NARRATIVE:
        problems["narrative"] = [f"Use at most {MAX_NARRATIVE:,} characters, and no NUL characters."]
    if problems:
        raise Invalid("The update is not complete.", fields=problems)
    update = Update(initiative_id=initiative.id, rag=rag, narrative=narrative,
                    author_id=actor.id, created_at=now or utcnow())
    session.add(update)
    session.flush()
    session.execute(
        sql_update(Initiative).where(Initiative.id == initiative.id, or_(
            Initiative.last_update_at.is_(None), Initiative.last_update_at <= update.created_at))
        .values(rag=rag, last_update_at=update.created_at)
        .execution_options(synchronize_session=False))
    session.expire(initiative, ["rag", "last_update_at"])
    return update
