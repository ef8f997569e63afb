"""The scheduler process: APScheduler 3 running each job on its crontab line, in the trust's
time zone. It runs in its own process (``flask --app wsgi scheduler run``), never inside
the web workers, and several may run at once: leases and idempotency keys keep them from
doing a slot twice (see ``tracker.jobs``).
"""
import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from tracker.jobs import JOBS, default_holder, run_job

log = logging.getLogger("tracker.scheduler")


def triggers(config):
    """``{job name: CronTrigger}`` from ``JOB_SCHEDULES``, in the trust's time zone.

    Raises ValueError naming the job when a schedule is not a valid crontab line, or
    when ``JOB_SCHEDULES`` names a job that does not exist.
    """
    zone = ZoneInfo(config["TIMEZONE"])
    found = {}
    for name, line in config["JOB_SCHEDULES"].items():
        if name not in JOBS:
            raise ValueError(f"JOB_SCHEDULES names an unknown job {name!r}")
        if not line:
            continue  # an empty line switches the job off
        try:
            found[name] = CronTrigger.from_crontab(line, timezone=zone)
        except ValueError as error:
            raise ValueError(f"schedule of job {name!r} ({line!r}): {error}") from error
    return found


def build_scheduler(app):
    """A BlockingScheduler with one entry per scheduled job, each run in an app context."""
    zone = ZoneInfo(app.config["TIMEZONE"])
    scheduler = BlockingScheduler(timezone=zone)
    for name, trigger in triggers(app.config).items():
        scheduler.add_job(scheduled_run, trigger, args=(app, name), id=name, name=name,
                          max_instances=1, coalesce=True,
                          misfire_grace_time=60 if not JOBS[name].daily else 3600)
    return scheduler


def scheduled_run(app, name):
    """What the scheduler calls: the job for the trust's today, under a lease."""
    from tracker import clock
    from tracker.extensions import db

    with app.app_context():
        try:
            result = run_job(name, clock.today(), session=db.session, config=app.config,
                             lease=True, holder=default_holder())
        except Exception:
            log.exception("job %s failed", name)
            return None
        finally:
            db.session.remove()
        level = logging.DEBUG if name == "outbox" and result.summary.startswith("sent 0,") \
            else logging.INFO
        log.log(level, "%s", result)
        return result


def missed_today(config, now):
    """The daily jobs whose time today has already passed at ``now`` (aware): a scheduler
    started at 09:00 still does the 07:00 nudges; the lease stops a second copy."""
    zone = ZoneInfo(config["TIMEZONE"])
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date(), time.min, tzinfo=zone)
    missed = []
    for name, trigger in triggers(config).items():
        if not JOBS[name].daily:
            continue
        fire = trigger.get_next_fire_time(None, midnight - timedelta(microseconds=1))
        if fire is not None and fire.date() == local.date() and fire <= local:
            missed.append(name)
    return missed
