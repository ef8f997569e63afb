"""Progress updates: a RAG judgement and a few sentences, logged in under a minute.

The initiative's ``rag`` is its latest update's, and ``last_update_at`` says when it
was logged (stale-initiative nudges read it). Updates are a record: never edited.

An update of a shared initiative may be for one of its schools (``school_id``) or for all of
them (None). Each school keeps its own RAG of the initiative (``initiative_schools.rag``): the
RAG of the newest update for that school or for all. The initiative's own ``rag`` stays the
newest update's, whichever school it was for. An update for a school later taken out of the
initiative is kept (it is a record) and shown as for a school no longer part of it.

These fields derive from the updates, so logging one does not edit the initiative: they are
set without bumping its ``version`` (a client editing the initiative is not refused because
someone logged progress), and only by an update newer than the one they show, so of updates
logged at the same moment the newest sets them whichever commits last. Per school the same
rule holds: the schools' rows are held first, then each RAG is read afresh from the updates.
The update's own audit entry records its RAG; the initiative gets none for what derives from it.
"""
from sqlalchemy import func, or_, select, update as sql_update
from sqlalchemy.orm import joinedload

from tracker import permissions
from tracker.errors import Invalid
from tracker.models import Initiative, Update, initiative_schools
from tracker.models.base import utcnow
from tracker.models.initiative import RAGS

MAX_NARRATIVE = 10_000


def updates_of(initiative):
    """A select of an initiative's updates, newest first, with their authors."""
    return (select(Update).where(Update.initiative_id == initiative.id)
            .options(joinedload(Update.author))
            .order_by(Update.created_at.desc(), Update.id.desc()))


def school_problem(actor, initiative, school_id, what="update"):
    """Why ``actor`` may not log a ``what`` of ``initiative`` for ``school_id`` alone, or None
    (None is fine: for all the initiative's schools)."""
    if school_id is None or permissions.may_report_for(actor, initiative, school_id):
        return None
    return (f"Choose one of the initiative's schools that you can see, or leave the {what} "
            "for all its schools.")


def log_update(session, actor, initiative, *, rag, narrative, school_id=None, now=None):
    """Log an update, for one of the initiative's schools or (``school_id`` None) for all, and
    make its RAG the initiative's and that school's (or every school's).
    Raises Forbidden, Invalid (naming ``rag``, ``narrative`` or ``school_id``)."""
    permissions.require(actor, permissions.WRITE, initiative)
    problems = {}
    if rag not in RAGS:
        problems["rag"] = ["Choose green, amber or red."]
    narrative = (narrative or "").strip()
    if not narrative:
        problems["narrative"] = ["Say in a sentence or two how it is going."]
    elif "\x00" in narrative or len(narrative) > MAX_NARRATIVE:
        problems["narrative"] = [f"Use at most {MAX_NARRATIVE:,} characters, and no NUL characters."]
    wrong_school = school_problem(actor, initiative, school_id)
    if wrong_school:
        problems["school_id"] = [wrong_school]
    if problems:
        raise Invalid("The update is not complete.", fields=problems)
    update = Update(initiative_id=initiative.id, school_id=school_id, rag=rag,
                    narrative=narrative, author_id=actor.id, created_at=now or utcnow())
    session.add(update)
    session.flush()
    session.execute(
        sql_update(Initiative).where(Initiative.id == initiative.id, or_(
            Initiative.last_update_at.is_(None), Initiative.last_update_at <= update.created_at))
        .values(rag=rag, last_update_at=update.created_at)
        .execution_options(synchronize_session=False))
    session.expire(initiative, ["rag", "last_update_at"])
    refresh_school_rags(session, initiative.id, None if school_id is None else [school_id])
    return update


def refresh_school_rags(session, initiative_id, school_ids=None):
    """Set each school's RAG of the initiative (``school_ids``, None: all of them) to that of
    the newest update for that school or for all, or leave it as it was when there is none.

    The schools' rows are held first (on PostgreSQL, in school order so two writers never
    deadlock), so a second writer waits for the first to commit and then reads its update:
    the newest update wins whichever commits last. SQLite holds the whole file already, from
    the update's insert on."""
    link = initiative_schools.c
    mine = [link.initiative_id == initiative_id]
    if school_ids is not None:
        mine.append(link.school_id.in_(list(school_ids) or [-1]))
    session.execute(select(link.school_id).where(*mine).order_by(link.school_id)
                    .with_for_update(key_share=True)).all()
    newest = (select(Update.rag)
              .where(Update.initiative_id == initiative_id,
                     or_(Update.school_id.is_(None), Update.school_id == link.school_id))
              .order_by(Update.created_at.desc(), Update.id.desc()).limit(1).scalar_subquery())
    session.execute(sql_update(initiative_schools).where(*mine)
                    .values(rag=func.coalesce(newest, link.rag))
                    .execution_options(synchronize_session=False))
