"""The scheduled jobs: a registry, and ``run_job`` that runs one of them for one day.

A job that mails people builds ``{user_id: [Item]}`` with ``tracker.nudges``, keeps the
items each person wants (``tracker.notifications``), writes one email per person
(``tracker.nudge_mail``) and
queues it in the outbox with the key ``job:summary:user:date``, then commits once. The
key's unique index makes a second run for the same day, or a second scheduler running
at the same moment, queue nothing more. The scheduler also takes a lease row
(``JobLease(job, slot=date)``) so that only one process does the work of a slot; the
lease saves work, the key is the guarantee.
"""
import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from tracker import digests, notifications, nudge_mail, nudges, outbox
from tracker.models import JobLease, User

log = logging.getLogger("tracker.jobs")


def _now():
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    run: Callable
    #: Whether a slot is one day (a lease per date); the outbox runs every minute instead.
    daily: bool = True


@dataclass
class JobResult:
    job: str
    today: object
    summary: str
    skipped: bool = False

    def __str__(self):
        return f"{self.job} for {self.today.isoformat()}: {self.summary}"


# --- the jobs ----------------------------------------------------------------------------

def _mail_job(name, build):
    def run(session, today, config, now):
        grouped = build(session, today, config)
        users = session.execute(select(User).where(
            User.id.in_(list(grouped) or [-1]), User.active.is_(True),
            User.anonymised_at.is_(None)).options(selectinload(User.schools))  # the digest's reader
            .order_by(User.id)).scalars().all()
        weekly_day = config.get("NUDGE_WEEKLY_DAY", 0)
        drafts, unwanted = [], 0
        for user in users:
            wanted = [i for i in grouped[user.id]
                      if notifications.wants(user.notification_prefs, i.topic, today, weekly_day)]
            if not wanted:
                unwanted += 1
                continue
            subject, text, html = nudge_mail.compose(name, user, wanted, today, config)
            drafts.append(dict(kind=name, recipient=user, subject=subject, text=text, html=html,
                               key_date=today, subject_key="summary"))
        queued = outbox.queue_messages(session, drafts)
        session.commit()
        return (f"queued {queued} email{'s' if queued != 1 else ''}"
                f" ({len(drafts) - queued} already queued, {unwanted} not wanted by preferences)")
    return run


def _nudge_items(session, today, config):
    return nudges.nudges(
        session, today, due_soon_days=config.get("NUDGE_DUE_SOON_DAYS", 7),
        stale_days=config.get("NUDGE_STALE_DAYS", 30),
        escalate_after_days=config.get("NUDGE_ESCALATE_AFTER_DAYS", 14),
        pdsa_do_days=config.get("NUDGE_PDSA_DO_DAYS", 14),
        pdsa_idle_days=config.get("NUDGE_PDSA_IDLE_DAYS", 30),
        zone=config.get("TIMEZONE", "Europe/London"))


def _policy_items(session, today, config):
    return nudges.policy_nudges(session, today)


def _capacity_items(session, today, config):
    return nudges.capacity_nudges(session, today)


def _digest_items(session, today, config):
    return digests.digest(session, today, zone=config.get("TIMEZONE", "Europe/London"))


def _send_outbox(session, today, config, now):
    return str(outbox.send_queued(session, now, config))


JOBS = {job.name: job for job in (
    Job("nudges", "Overdue or due-soon milestones, stale initiatives, stuck PDSA cycles and "
                  "reviews due, to their owners; long-overdue work also to school leads.",
        _mail_job("nudges", _nudge_items)),
    Job("policy", "One in, one out breaches, to each school's leads.",
        _mail_job("policy", _policy_items)),
    Job("capacity", "Over-allocated experts and initiatives in Deliver with no capacity, "
                    "to the central team.", _mail_job("capacity", _capacity_items)),
    Job("digest", "The weekly digest, one per role: a project lead's week ahead, a school "
                  "lead's schools, the central team's capacity, the board's trust summary.",
        _mail_job("digest", _digest_items)),
    Job("outbox", "Sends the queued mail (retrying with backoff).", _send_outbox, daily=False),
)}


def run_job(name, today, *, session, config, now=None, lease=False, holder=None):
    """Run job ``name`` once as if the date were ``today``. Commits.

    With ``lease`` (what the scheduler does), a daily job first takes the lease row for
    ``(name, today)``; when another process holds it the run is skipped. Raises KeyError
    for an unknown job.
    """
    job = JOBS[name]
    now = now or _now()
    use_lease = lease and job.daily
    if use_lease and not take_lease(session, name, today.isoformat(), holder or default_holder(), now):
        return JobResult(name, today, "skipped: another scheduler has run or is running this slot",
                         skipped=True)
    try:
        summary = job.run(session, today, config, now)
    except BaseException:
        session.rollback()
        if use_lease:  # free the slot, so a later run can do the work this one could not
            session.execute(delete(JobLease).where(JobLease.job == name,
                                                   JobLease.slot == today.isoformat()))
            session.commit()
        raise
    if use_lease:
        session.execute(update(JobLease).where(JobLease.job == name, JobLease.slot == today.isoformat())
                        .values(finished_at=_now()))
        session.commit()
    return JobResult(name, today, summary)


def default_holder():
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def take_lease(session, job, slot, holder, now):
    """Claim ``(job, slot)`` for ``holder``; False when someone has it. Commits the claim,
    so the row is visible to every other scheduler at once."""
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[session.get_bind().dialect.name]
    taken = session.execute(
        insert(JobLease).values(job=job, slot=slot, holder=holder, acquired_at=now)
        .on_conflict_do_nothing(index_elements=[JobLease.job, JobLease.slot])
        .returning(JobLease.job)).first()
    session.commit()
    return taken is not None
