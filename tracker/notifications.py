"""What a person can be emailed about (topics) and how often they want each (preferences).

The jobs (``tracker.jobs``) keep only the items of topics a person wants today; the email
settings page (``/account/notifications``) lists the topics offered to each role.
"""
from dataclasses import dataclass

from tracker.errors import Invalid
from tracker.permissions import ADMINISTER, require

DAILY, WEEKLY, NEVER = "daily", "weekly", "never"


@dataclass(frozen=True)
class Topic:
    """One kind of email content a person can switch on, off, or to weekly."""

    code: str
    label: str
    hint: str
    #: The frequencies offered; the first is the default.
    choices: tuple
    #: The roles to whom the settings page offers it (everyone's preference is honoured).
    roles: tuple


TOPICS = (
    Topic("milestones", "Milestones overdue or due soon",
          "Milestones you own, or on initiatives you own, that are late or due within a week.",
          (DAILY, WEEKLY, NEVER), ("admin", "central_team", "school_lead", "project_lead")),
    Topic("stale", "Initiatives with no recent update",
          "Your initiatives that have had no progress update for a month.",
          (DAILY, WEEKLY, NEVER), ("admin", "central_team", "school_lead", "project_lead")),
    Topic("pdsa", "PDSA cycles stuck",
          "Your cycles stuck in Do with no Study, or untouched for weeks.",
          (DAILY, WEEKLY, NEVER), ("admin", "central_team", "school_lead", "project_lead")),
    Topic("reviews", "De-implementation reviews due",
          "Reviews you are to carry out (or, with no reviewer named, in your schools).",
          (DAILY, WEEKLY, NEVER), ("admin", "central_team", "school_lead", "project_lead")),
    Topic("escalations", "Overdue work in your schools",
          "Milestones and reviews in your schools that are more than two weeks late.",
          (DAILY, WEEKLY, NEVER), ("admin", "school_lead")),
    Topic("policy", "One in, one out breaches",
          "Your schools over their limit of initiatives, or late stopping what they named.",
          (DAILY, WEEKLY, NEVER), ("admin", "school_lead")),
    Topic("insights", "Concerns no initiative has taken up",
          "Concerns from QA visits, reviews, surveys and the like in your schools that no "
          "initiative has answered a month after they were raised.",
          (WEEKLY, DAILY, NEVER), ("admin", "school_lead")),
    Topic("capacity", "Capacity problems",
          "Experts allocated beyond their days, and initiatives in Deliver with no capacity.",
          (WEEKLY, NEVER), ("admin", "central_team")),
    Topic("digest", "Weekly digest",
          "Once a week, a summary for your role: a project lead's week ahead, a school's late "
          "and stuck work, the central team's capacity, or the trust's week for the board.",
          (WEEKLY, NEVER), ("admin", "central_team", "school_lead", "project_lead", "viewer")),
)
TOPIC_BY_CODE = {t.code: t for t in TOPICS}
FREQUENCY_LABELS = {DAILY: "Daily", WEEKLY: "Weekly", NEVER: "Never"}


def frequency(prefs, code):
    """The chosen frequency of topic ``code`` in ``prefs``, or the topic's default."""
    topic = TOPIC_BY_CODE[code]
    chosen = (prefs or {}).get(code)
    return chosen if chosen in topic.choices else topic.choices[0]


def wants(prefs, code, today, weekly_day=0):
    """Whether a person with ``prefs`` gets topic ``code`` on ``today``.

    ``weekly`` means: on ``weekly_day`` (0 = Monday) for topics that could come daily;
    on every run for topics that only come weekly (their job runs once a week).
    """
    chosen = frequency(prefs, code)
    if chosen == NEVER:
        return False
    if chosen == WEEKLY and DAILY in TOPIC_BY_CODE[code].choices:
        return today.weekday() == weekly_day
    return True


def topics_for(user):
    """The topics the settings page offers ``user``."""
    return [t for t in TOPICS if user.role in t.roles]


def set_preferences(session, actor, user, values):
    """Save ``user``'s choices: ``values`` maps topic codes to ``daily|weekly|never``.

    A person sets their own preferences (an admin may set anyone's). Topics not named
    keep their choice. Raises Forbidden, or Invalid naming each bad field.
    """
    if actor.id != user.id:
        require(actor, ADMINISTER)
    problems = {}
    for code, chosen in values.items():
        topic = TOPIC_BY_CODE.get(code)
        if topic is None:
            problems[code] = ["Not a kind of email the tracker sends."]
        elif chosen not in topic.choices:
            problems[code] = [f"Choose one of: {', '.join(FREQUENCY_LABELS[c] for c in topic.choices)}."]
    if problems:
        raise Invalid("Some choices are not possible.", fields=problems)
    user.notification_prefs = {**(user.notification_prefs or {}), **values}
    session.flush()
    return user

