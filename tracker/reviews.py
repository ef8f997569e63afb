"""De-implementation reviews: when they fall due, and what their decisions do."""
from datetime import timedelta

from tracker.models import DeimplementationReview
from tracker.policy import current_policy


def schedule_next_review(session, initiative, from_date):
    """Put the next review ``review_interval_days`` after ``from_date`` (entering Deliver,
    or a decided review). Returns the new review."""
    interval = current_policy(session).review_interval_days
    review = DeimplementationReview(initiative_id=initiative.id,
                                    due_on=from_date + timedelta(days=interval))
    session.add(review)
    session.flush()
    return review
