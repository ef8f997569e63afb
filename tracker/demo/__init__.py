"""The demo trust: a realistic fictional multi-academy trust that makes every page worth a look.

``seed`` is idempotent: it does nothing when the demo trust is already there.
``size="normal"``: eleven schools and 36 initiatives with a story each (tracker.demo.normal).
``size="large"``: a realistic large trust of 120 schools, 6,000 initiatives and three years of
history, written with bulk inserts for the benchmarks (tracker.demo.large); ``scale`` shrinks
it for tests, keeping its shape.
"""
from sqlalchemy import select

from tracker import bulk
from tracker.demo import large, normal
from tracker.demo.content import DEMO_PASSWORD, PEOPLE, SCHOOLS, UNANSWERED_AT
from tracker.models import School

SIZES = ("normal", "large")


def seed(session, size="normal", scale=1.0):
    """Create the demo trust unless it exists; end with ANALYZE (tracker.bulk). Returns what
    it did, and the demo sign-ins. The caller commits."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}")
    if session.execute(select(School.id).where(School.urn == "DEMO01")).first():
        return "The demo trust is already loaded; nothing changed.\n" + sign_ins()
    summary = normal.seed(session) if size == "normal" else large.seed(session, scale=scale)
    bulk.analyze(session)
    return summary + "\n" + sign_ins()


def sign_ins():
    """The demo sign-ins, one line each, for the run command to print."""
    lines = "\n".join(f"  {role:13} {local.lower()}@demo.trust" for local, _, role, _ in PEOPLE)
    return f"Sign in with any of these (password {DEMO_PASSWORD}):\n{lines}"


__all__ = ["seed", "sign_ins", "DEMO_PASSWORD", "PEOPLE", "SCHOOLS", "UNANSWERED_AT"]
