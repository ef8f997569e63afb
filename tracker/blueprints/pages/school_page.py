from tracker.blueprints.pages import bp  # noqa: F401
