"""The jobs and the scheduler as an operator runs them: ``flask --app wsgi jobs ...`` and
``scheduler run``, with mail going to a real SMTP server on loopback."""
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.mailserver import MailServer
from tracker import jobs, scheduler
from tracker.models import JobLease, OutboxMessage

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-12-01"  # a Tuesday


@pytest.fixture
def smtp(app, monkeypatch):
    """A real SMTP server, and the app's mail settings pointing at it."""
    server = MailServer().start()
    for key, value in {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port,
                       "MAIL_USE_TLS": False, "MAIL_DEFAULT_SENDER": "tracker@trust.example",
                       "BASE_URL": "https://tracker.example"}.items():
        monkeypatch.setitem(app.config, key, value)
    yield server
    server.stop()


def jobs_run(runner, name, today=TODAY):
    result = runner.invoke(args=["jobs", "run", name] + (["--today", today] if today else []))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def overdue_milestone(make, title="Baseline data collected"):
    owner = make.user("project_lead", name="Laura Reid", email="laura@school.example")
    initiative = make.initiative(owner=owner, title="Daily phonics", schools=owner.schools or None,
                                 last_update_at=datetime(2026, 11, 30, tzinfo=timezone.utc))
    make.milestone(initiative, title=title, due_on=date(2026, 11, 20))
    return owner, initiative


def test_jobs_list_names_every_job_with_its_schedule(runner):
    output = runner.invoke(args=["jobs", "list"]).output
    for name, schedule in [("nudges", "0 7 * * *"), ("policy", "15 7 * * *"), ("capacity", "30 7 * * mon"),
                           ("digest", "0 16 * * fri"), ("outbox", "* * * * *")]:
        assert any(line.split()[0] == name and schedule in line for line in output.splitlines())
    assert "Europe/London" in output


@pytest.mark.parametrize("args", [["jobs", "run", "gossip"], ["jobs", "run", "nudges", "--today", "2026-02-30"],
                                  ["jobs", "run", "nudges", "--today", "tomorrow"]])
def test_an_unknown_job_or_impossible_date_is_refused_with_a_usage_error(runner, args):
    result = runner.invoke(args=args)
    assert result.exit_code == 2


def test_an_overdue_milestone_nudges_its_owner_once_across_repeated_runs(session, make, runner, smtp):
    owner, initiative = overdue_milestone(make)
    assert "queued 1 email" in jobs_run(runner, "nudges")
    assert "queued 0 emails (1 already queued" in jobs_run(runner, "nudges")
    assert "sent 1" in jobs_run(runner, "outbox")
    jobs_run(runner, "nudges")
    jobs_run(runner, "outbox")
    [message] = smtp.to("laura@school.example")
    assert "overdue milestone" in message["Subject"]
    assert message["Message-ID"] and message["Date"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Baseline data collected" in text and "11 days overdue" in text
    link = f"https://tracker.example/initiatives/{initiative.id}#milestones"
    assert link in text and f'href="{link}"' in html
    assert "https://tracker.example/account/notifications" in text
    assert 'href="https://tracker.example/account/notifications"' in html


def test_a_new_day_brings_a_new_nudge(session, make, runner, smtp):
    overdue_milestone(make)
    jobs_run(runner, "nudges", "2026-12-01")
    jobs_run(runner, "nudges", "2026-12-02")
    jobs_run(runner, "outbox")
    assert len(smtp.to("laura@school.example")) == 2


def test_one_email_per_person_groups_all_their_items(session, make, runner, smtp):
    owner, initiative = overdue_milestone(make, "First")
    make.milestone(initiative, title="Second", due_on=date(2026, 11, 25))
    make.milestone(initiative, title="Third", due_on=date(2026, 12, 3))
    jobs_run(runner, "nudges")
    jobs_run(runner, "outbox")
    [message] = smtp.to("laura@school.example")
    text = message.get_body(("plain",)).get_content()
    assert all(title in text for title in ("First", "Second", "Third"))
    assert message["Subject"].endswith("3 things need your attention: 2 overdue milestones, 1 milestone due soon")


def test_two_schedulers_running_the_job_at_once_send_one_copy(session, make, runner, smtp, database_url):
    overdue_milestone(make)
    env = {**os.environ, "DATABASE_URL": database_url, "MAIL_BACKEND": "console"}
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run", "nudges", "--today", TODAY]
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert sorted(int(out.split("queued ")[1].split()[0]) for out, _ in outputs) == [0, 1]
    jobs_run(runner, "outbox")
    assert len(smtp.to("laura@school.example")) == 1


def test_an_smtp_outage_delays_mail_and_loses_none(session, make, runner, smtp, monkeypatch):
    overdue_milestone(make)
    jobs_run(runner, "nudges")
    smtp.stop()
    assert "will retry 1" in jobs_run(runner, "outbox")
    smtp.start()
    assert "sent 0" in jobs_run(runner, "outbox")  # still waiting out the pause
    assert smtp.inbox == []
    later = datetime.now(timezone.utc) + timedelta(minutes=2)
    monkeypatch.setattr(jobs, "_now", lambda: later)
    assert "sent 1" in jobs_run(runner, "outbox")
    assert "sent 0" in jobs_run(runner, "outbox")
    assert len(smtp.to("laura@school.example")) == 1
    message = session.execute(select(OutboxMessage)).scalar_one()
    assert (message.status, message.attempts) == ("sent", 2)


def test_preferences_are_honoured(session, make, runner, smtp):
    owner, initiative = overdue_milestone(make)
    owner.notification_prefs = {"milestones": "never"}
    weekly = make.user("project_lead", email="weekly@school.example")
    other = make.initiative(owner=weekly, last_update_at=datetime(2026, 11, 30, tzinfo=timezone.utc))
    make.milestone(other, due_on=date(2026, 11, 20))
    weekly.notification_prefs = {"milestones": "weekly"}
    session.commit()
    assert "2 not wanted by preferences" in jobs_run(runner, "nudges", "2026-12-01")  # Tuesday
    jobs_run(runner, "nudges", "2026-12-07")  # Monday
    jobs_run(runner, "outbox")
    assert smtp.to("laura@school.example") == []
    assert len(smtp.to("weekly@school.example")) == 1


def test_the_policy_capacity_and_digest_jobs_mail_their_people(session, make, runner, smtp):
    make.policy(max_active_initiatives=1)
    school = make.school(name="Millbrook")
    make.user("school_lead", schools=[school], email="head@school.example")
    make.user("central_team", email="central@trust.example")
    make.user("viewer", schools=[school], email="governor@school.example")
    make.initiative(schools=[school], phase="deliver")
    late = make.initiative(schools=[school], phase="prepare")
    make.milestone(late, due_on=date(2026, 11, 2))
    for name in ("policy", "capacity", "digest"):
        jobs_run(runner, name)
    jobs_run(runner, "outbox")
    subjects = {m["To"].addresses[0].addr_spec: [] for m in smtp.inbox}
    for m in smtp.inbox:
        subjects[m["To"].addresses[0].addr_spec].append(str(m["Subject"]))
    assert any("One in, one out: 1 breach" in s for s in subjects["head@school.example"])
    assert any("Capacity" in s for s in subjects["central@trust.example"])
    assert any("Your schools' week" in s for s in subjects["governor@school.example"])


# --- leases and the scheduler -------------------------------------------------------------------

def test_a_scheduler_slot_is_run_by_only_one_process(session, make, app):
    overdue_milestone(make)
    day = date(2026, 12, 1)
    first = jobs.run_job("nudges", day, session=session, config=app.config, lease=True, holder="a")
    second = jobs.run_job("nudges", day, session=session, config=app.config, lease=True, holder="b")
    assert not first.skipped and second.skipped
    lease = session.execute(select(JobLease)).scalar_one()
    assert (lease.job, lease.slot, lease.holder) == ("nudges", "2026-12-01", "a")
    assert lease.finished_at is not None


def test_a_job_that_fails_frees_its_slot(session, app, monkeypatch):
    def broken(*args):
        raise RuntimeError("database went away")
    monkeypatch.setitem(jobs.JOBS, "nudges", jobs.Job("nudges", "x", broken))
    with pytest.raises(RuntimeError):
        jobs.run_job("nudges", date(2026, 12, 1), session=session, config=app.config, lease=True)
    assert session.execute(select(JobLease)).first() is None


def test_the_schedule_runs_in_the_trusts_time_zone(app):
    triggers = scheduler.triggers(app.config)
    assert set(triggers) == {"nudges", "policy", "capacity", "digest", "outbox"}
    london = ZoneInfo("Europe/London")
    after = datetime(2026, 7, 1, 8, 0, tzinfo=london)  # summer time: 07:00 London is 06:00 UTC
    fire = triggers["nudges"].get_next_fire_time(None, after)
    assert fire == datetime(2026, 7, 2, 7, 0, tzinfo=london)
    assert fire.utcoffset() == timedelta(hours=1)
    digest = triggers["digest"].get_next_fire_time(None, after)
    assert (digest.weekday(), digest.hour) == (4, 16)


def test_a_scheduler_started_after_a_jobs_time_catches_up_today(app):
    london = ZoneInfo("Europe/London")
    tuesday_9am = datetime(2026, 12, 1, 9, 0, tzinfo=london)
    assert scheduler.missed_today(app.config, tuesday_9am) == ["nudges", "policy"]
    assert scheduler.missed_today(app.config, datetime(2026, 12, 1, 6, 0, tzinfo=london)) == []
    monday_8am = datetime(2026, 11, 30, 8, 0, tzinfo=london)
    assert scheduler.missed_today(app.config, monday_8am) == ["nudges", "policy", "capacity"]


def test_a_bad_schedule_is_refused_naming_the_job(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOB_SCHEDULES", {**app.config["JOB_SCHEDULES"], "digest": "every friday"})
    with pytest.raises(ValueError, match="digest"):
        scheduler.triggers(app.config)


def test_scheduler_run_starts_catches_up_and_stops_on_sigterm(session, make, database_url):
    overdue_milestone(make)
    env = {**os.environ, "DATABASE_URL": database_url, "MAIL_BACKEND": "console"}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run"],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if session.execute(select(JobLease.job)).first() or process.poll() is not None:
                break
            time.sleep(0.2)
            session.rollback()
        time.sleep(1)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "scheduled nudges" in err and "Scheduler started" in err and "Scheduler stopped" in err
    # A run that starts after 07:15 has done today's nudges at once (before 07:00 it has not).
    local = datetime.now(ZoneInfo("Europe/London"))
    if local.hour >= 8:
        assert session.execute(select(JobLease.job).where(JobLease.job == "nudges")).first()
