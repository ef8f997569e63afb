"""Every model, importable from one place (Alembic reads the metadata from here)."""
from tracker.models.audit import AuditEntry
from tracker.models.base import Base
from tracker.models.capacity import Allocation, Expert, Unavailability
from tracker.models.goal import Driver, Goal, initiative_drivers
from tracker.models.initiative import (Initiative, InitiativeTag, Milestone, Transition, Update,
                                       initiative_schools)
from tracker.models.insight import Insight, InsightPillar, insight_initiatives
from tracker.models.measure import Measure, MeasurePoint, MeasureRebase
from tracker.models.outbox import JobLease, OutboxMessage
from tracker.models.pdsa import PdsaCycle
from tracker.models.policy import TrustPolicy
from tracker.models.review import DeimplementationReview
from tracker.models.school import School
from tracker.models.self_evaluation import SelfEvaluation, SelfEvaluationRating
from tracker.models.throttle import FailedAttempt
from tracker.models.user import ApiToken, PasswordReset, SsoIdentity, User, user_schools

__all__ = [
    "AuditEntry", "Allocation", "ApiToken", "Base", "DeimplementationReview", "Driver", "Expert",
    "FailedAttempt", "Goal", "Initiative", "InitiativeTag", "Insight", "InsightPillar", "JobLease",
    "Measure", "MeasurePoint", "MeasureRebase", "Milestone", "OutboxMessage", "PasswordReset",
    "PdsaCycle", "School", "SelfEvaluation", "SelfEvaluationRating", "SsoIdentity", "Transition",
    "TrustPolicy",
    "Unavailability", "Update", "User", "initiative_drivers", "initiative_schools",
    "insight_initiatives", "user_schools",
]
