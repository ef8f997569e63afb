"""Command-line groups: ``flask --app wsgi users|demo|...``. Each command commits once."""
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from tracker.extensions import db

users_cli = AppGroup("users", help="Manage people.")
demo_cli = AppGroup("demo", help="The demo trust.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True,
              type=click.Choice(["admin", "central_team", "school_lead", "project_lead", "viewer"]))
@click.option("--password", required=True)
@click.option("--school", "schools", multiple=True, help="A school's URN (repeatable).")
def create_user_command(email, name, role, password, schools):
    """Create a person who can sign in."""
    from tracker.errors import Invalid
    from tracker.models import School
    from tracker.people import create_user

    found = db.session.execute(select(School).where(School.urn.in_(schools))).scalars().all()
    unknown = set(schools) - {s.urn for s in found}
    if unknown:
        raise click.BadParameter(f"no school with URN {', '.join(sorted(unknown))}", param_hint="--school")
    try:
        user = create_user(db.session, None, email=email, name=name, role=role, password=password,
                           school_ids=[s.id for s in found])
    except Invalid as error:
        db.session.rollback()
        for field, problems in error.fields.items():
            click.echo(f"{field}: {' '.join(problems)}", err=True)
        raise SystemExit(1)
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@users_cli.command("reset-link")
@click.option("--email", required=True)
def reset_link_command(email):
    """Print a single-use password reset link for a person (and email it once the outbox exists)."""
    from tracker.blueprints.admin import reset_url, send_reset_email
    from tracker.errors import DomainError
    from tracker.people import find_by_email, issue_password_reset

    try:
        user = find_by_email(db.session, email)
        raw, reset = issue_password_reset(db.session, None, user,
                                          current_app.config["PASSWORD_RESET_HOURS"])
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message)
    with current_app.test_request_context():  # url_for builds paths only inside a request
        link = reset_url(raw)
        emailed = send_reset_email(db.session, user, link)
    db.session.commit()
    click.echo(link)
    click.echo(f"Valid once, until {reset.expires_at:%Y-%m-%d %H:%M} UTC"
               + (f"; also queued by email to {user.email}." if emailed else "."), err=True)


@demo_cli.command("seed")
@click.option("--size", type=click.Choice(["normal", "large"]), default="normal")
@click.option("--scale", type=click.FloatRange(0.001, 1.0), default=1.0,
              help="With --size large: a smaller trust of the same shape (0.1 is a tenth).")
def seed_command(size, scale):
    """Load the fictional demo trust (idempotent: a second run changes nothing)."""
    from tracker.demo import seed

    started = time.perf_counter()
    summary = seed(db.session, size=size, scale=scale)
    db.session.commit()
    click.echo(summary)
    if size == "large":
        click.echo(f"Committed; {time.perf_counter() - started:.1f} s in all.")


def register(app):
    for group in (users_cli, demo_cli):
        app.cli.add_command(group)
    # Later capabilities hang their own groups here (jobs, scheduler, backup).
    for name in ("tracker.jobs_cli", "tracker.backup"):
        try:
            module = __import__(name, fromlist=["register"])
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        module.register(app)
