"""The trust's notion of "today". Jobs and tests pass a date explicitly instead."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def today() -> date:
    zone = current_app.config["TIMEZONE"] if has_app_context() else "Europe/London"
    return datetime.now(ZoneInfo(zone)).date()
