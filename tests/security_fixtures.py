"""A fixture the security tests share: more apps on the suite's database, with other settings."""
import pytest

from tests.conftest import make_app
from tracker.extensions import db


@pytest.fixture
def another_app(database_url, app):
    """``another_app(**settings)``: an app on the same database; its connections are closed after
    the test (an engine left to the garbage collector warns, and warnings are errors)."""
    made = []

    def build(url=None, **overrides):
        built = make_app(url or database_url, **overrides)
        made.append(built)
        return built
    yield build
    for built in made:
        with built.app_context():
            db.engine.dispose()
