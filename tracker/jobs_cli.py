"""``flask --app wsgi jobs list|run`` and ``flask --app wsgi scheduler run``."""
import logging
import signal
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from tracker.extensions import db
from tracker.jobs import JOBS

jobs_cli = AppGroup("jobs", help="The scheduled jobs: list them, or run one once now.")
scheduler_cli = AppGroup("scheduler", help="The scheduler process (runs the jobs on their schedules).")


@jobs_cli.command("list")
def list_command():
    """Each job, its schedule (crontab, trust time zone) and what it does."""
    schedules = current_app.config.get("JOB_SCHEDULES", {})
    zone = current_app.config["TIMEZONE"]
    for name, job in JOBS.items():
        schedule = schedules.get(name) or "not scheduled"
        click.echo(f"{name:9} {schedule:15} {job.description}")
    click.echo(f"(schedules in {zone}; set JOB_SCHEDULE_<NAME> to change one)")


@jobs_cli.command("run")
@click.argument("name", type=click.Choice(list(JOBS)))
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as if the date were this (YYYY-MM-DD); default: today in the trust's time zone.")
def run_command(name, today):
    """Run job NAME once, now. Running it again for the same date queues no second copy."""
    from tracker import clock
    from tracker.jobs import run_job

    day = today.date() if today else clock.today()
    result = run_job(name, day, session=db.session, config=current_app.config)
    click.echo(str(result))


@scheduler_cli.command("run")
@click.option("--catch-up/--no-catch-up", default=True,
              help="On start, run the daily jobs whose time today has already passed "
                   "(skipped when another scheduler did them).")
def scheduler_command(catch_up):
    """Run the scheduler in the foreground until interrupted (Ctrl-C or SIGTERM)."""
    from tracker.jobs import _now
    from tracker.scheduler import build_scheduler, missed_today, scheduled_run

    _log_to_stderr()
    app = current_app._get_current_object()
    try:
        scheduler = build_scheduler(app)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    zone = app.config["TIMEZONE"]
    for job in scheduler.get_jobs():
        click.echo(f"scheduled {job.id:9} {app.config['JOB_SCHEDULES'][job.id]:15} ({zone})", err=True)
    if catch_up:
        for name in missed_today(app.config, _now()):
            scheduled_run(app, name)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    click.echo("Scheduler started; Ctrl-C stops it.", err=True)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    click.echo("Scheduler stopped.", err=True)


def _log_to_stderr():
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    # The tracker's own lines say what each run did; APScheduler speaks up only when it must.
    for name, level in (("tracker", logging.INFO), ("apscheduler", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(level)


def register(app):
    app.cli.add_command(jobs_cli)
    app.cli.add_command(scheduler_cli)
