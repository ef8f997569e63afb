"""The audit log in words: each entry as a sentence a person can read.

``describe(entry, names)`` is pure: from an entry and the names of the records it mentions it
makes a ``Sentence`` ("Ann Lee changed the title of *Reading* from “A” to “B”"). A sentence
is a tuple of ``Part``s, so a page can set people, records and values apart while a test or
a CSV reads ``str(sentence)``.

``names_for(session, entries)`` gathers those names in at most two queries whatever the
number of entries: the records (with their parent, e.g. a milestone's initiative), then the
parents not yet known. A record since deleted is named from the entry itself when it can be.
"""
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple, Optional

from sqlalchemy import String, cast, literal, null, select, union_all

from tracker.models import Insight, InsightPillar
from tracker.models import (Allocation, ApiToken, DeimplementationReview, Driver, Expert, Goal,
                            Initiative, Measure, MeasurePoint, MeasureRebase, Milestone,
                            PasswordReset, PdsaCycle, School, SelfEvaluation, SelfEvaluationRating,
                            Transition, TrustPolicy, Unavailability, Update, User)

#: Longest value quoted in a sentence; the CSV export keeps the whole of it.
LONGEST_VALUE = 80


class Kind(NamedTuple):
    """How a record type reads: its noun, the column naming one, the column naming its parent."""
    noun: str
    model: type
    label: Optional[str] = None
    parent: Optional[str] = None


KINDS = {
    "initiatives": Kind("initiative", Initiative, "title"),
    "milestones": Kind("milestone", Milestone, "title", "initiative_id"),
    "pdsa_cycles": Kind("PDSA cycle", PdsaCycle, "title", "initiative_id"),
    "updates": Kind("update", Update, None, "initiative_id"),
    "measures": Kind("measure", Measure, "name", "initiative_id"),
    "measure_points": Kind("data point", MeasurePoint, None, "measure_id"),
    "measure_rebases": Kind("new baseline", MeasureRebase, None, "measure_id"),
    "reviews": Kind("review", DeimplementationReview, None, "initiative_id"),
    "transitions": Kind("phase move", Transition, None, "initiative_id"),
    "schools": Kind("school", School, "name"),
    "users": Kind("person", User, "name"),
    "experts": Kind("expert", Expert, "name"),
    "unavailabilities": Kind("leave", Unavailability, None, "expert_id"),
    "allocations": Kind("allocation", Allocation, None, "expert_id"),
    "api_tokens": Kind("API token", ApiToken, "name", "user_id"),
    "password_resets": Kind("password-reset link", PasswordReset, None, "user_id"),
    "trust_policy": Kind("trust policy", TrustPolicy),
    "self_evaluations": Kind("self-evaluation", SelfEvaluation, "on"),
    "self_evaluation_ratings": Kind("pillar rating", SelfEvaluationRating, "pillar",
                                    "self_evaluation_id"),
    "insights": Kind("insight", Insight, "title", "school_id"),
    "insight_pillars": Kind("pillar", InsightPillar, "pillar", "insight_id"),
    "goals": Kind("goal", Goal, "title"),
    "drivers": Kind("driver", Driver, "title", "goal_id"),
}

#: Columns that hold the id of another record, and that record's type.
REFERENCES = {
    "initiative_id": "initiatives", "out_initiative_id": "initiatives", "measure_id": "measures",
    "expert_id": "experts", "school_id": "schools", "home_school_id": "schools",
    "user_id": "users", "owner_id": "users", "author_id": "users", "reviewer_id": "users",
    "decided_by_id": "users", "issued_by_id": "users", "created_by_id": "users",
    "parent_id": "pdsa_cycles", "self_evaluation_id": "self_evaluations",
    "insight_id": "insights", "goal_id": "goals",
}
#: Relationship lists logged as lists of ids.
LIST_REFERENCES = {"schools": "schools", "initiatives": "initiatives", "drivers": "drivers"}

#: Column names as words, where dropping "_id" and underscores is not enough.
FIELD_WORDS = {
    "rag": "RAG", "due_on": "due date", "done_on": "done date", "starts_on": "start date",
    "ends_on": "end date", "days_per_week": "days a week", "phase_since": "phase start",
    "max_active_initiatives": "own limit", "out_due_on": "out due date",
    "out_done_on": "out done date", "out_practice": "practice to stop",
    "out_initiative_id": "initiative to stop", "home_school_id": "home school",
    "urn": "URN", "on": "date", "act_decision": "act decision", "do_ends_on": "end of Do",
    "password_hash": "password", "stage_since": "stage start", "decided_on": "decision date",
}


@dataclass(frozen=True)
class Part:
    """A piece of a sentence; ``kind`` is text, person, record or value."""
    text: str
    kind: str = "text"


class Sentence(tuple):
    def __str__(self):
        return "".join(part.text for part in self)


@dataclass
class Names:
    """What the log's entries mention: ``labels[(record_type, id)]`` is a record's name
    (empty when it has none), ``parents[(record_type, id)]`` the record it belongs to."""
    labels: dict = field(default_factory=dict)
    parents: dict = field(default_factory=dict)


# --- reading the names from the database --------------------------------------------------

def names_for(session, entries):
    """The ``Names`` of every person and record ``entries`` mention, in at most two queries."""
    names = Names()
    wanted = set()
    for entry in entries:
        wanted |= _mentioned(entry)
    _load(session, wanted, names)
    _load(session, {parent for parent in names.parents.values()
                    if parent not in names.labels}, names)
    return names


def _mentioned(entry):
    refs = {("users", entry.actor_id)}
    if entry.record_type in KINDS:
        refs.add((entry.record_type, entry.record_id))
    for name, values in (entry.changes or {}).items():
        for value in values if isinstance(values, list) else [values]:
            if name in REFERENCES:
                refs.add((REFERENCES[name], value))
            elif name in LIST_REFERENCES and isinstance(value, list):
                refs |= {(LIST_REFERENCES[name], v) for v in value}
    return {(kind, i) for kind, i in refs if isinstance(i, int) and not isinstance(i, bool)}


def _load(session, refs, names):
    selects = []
    for record_type in sorted({kind for kind, _ in refs}):
        kind = KINDS[record_type]
        model = kind.model
        ids = sorted(i for t, i in refs if t == record_type)
        label = cast(getattr(model, kind.label), String) if kind.label else cast(null(), String)
        parent = getattr(model, kind.parent) if kind.parent else cast(null(), model.id.type)
        selects.append(select(cast(literal(record_type), String).label("record_type"), model.id.label("id"),
                              label.label("label"), parent.label("parent_id"))
                       .where(model.id.in_(ids)))
    if not selects:
        return
    for record_type, record_id, label, parent_id in session.execute(union_all(*selects)):
        names.labels[(record_type, record_id)] = label or ""
        if parent_id is not None:
            names.parents[(record_type, record_id)] = (
                REFERENCES[KINDS[record_type].parent], parent_id)


# --- the sentences ------------------------------------------------------------------------

def describe(entry, names):
    """The entry as a ``Sentence``."""
    writer = EVENTS.get(entry.action, _other_event)
    return Sentence(writer(_Words(entry, names)))


class _Words:
    """The pieces every sentence is made of, for one entry."""

    def __init__(self, entry, names):
        self.entry, self.names = entry, names
        self.changes = entry.changes or {}

    def actor(self):
        if self.entry.actor_id is None:
            return Part("The system", "person")
        return self.person(self.entry.actor_id)

    def person(self, user_id):
        return Part(self.names.labels.get(("users", user_id)) or f"person #{user_id}", "person")

    def detail(self, name):
        """A value the entry recorded: a created record's field, or an event's detail."""
        value = self.changes.get(name)
        if isinstance(value, list) and len(value) == 2 and self.entry.action in (
                "create", "delete"):
            return value[1]
        return value

    def record(self, record_type=None, record_id=None, parent=True):
        """``the milestone “Plan” of *Reading*``; the entry's own record unless named."""
        own = record_type is None
        record_type = self.entry.record_type if own else record_type
        record_id = self.entry.record_id if own else record_id
        kind = KINDS.get(record_type)
        if kind is None:
            return [Part(f"{record_type} #{record_id}", "record")]
        label = self.names.labels.get((record_type, record_id))
        if not label and own and kind.label and isinstance(self.detail(kind.label), str):
            label = self.detail(kind.label)  # a deleted record, named by its last entry
        parts = _named(kind, record_type, record_id, label)
        up = self.names.parents.get((record_type, record_id))
        if up is None and own and kind.parent and isinstance(self.detail(kind.parent), int):
            up = (REFERENCES[kind.parent], self.detail(kind.parent))
        if parent and up is not None:
            parts += [Part(" of ")] + self.record(*up, parent=False)
        return parts

    def value(self, name, value):
        return Part(f"“{_value_text(name, value, self.names)}”", "value")


def _named(kind, record_type, record_id, label):
    if record_type in ("users", "initiatives", "schools", "experts", "measures"):
        if label:
            return [Part(label, "record")] if record_type == "users" else [
                Part(f"the {kind.noun} "), Part(label, "record")]
    elif label:
        return [Part(f"the {kind.noun} "), Part(f"“{_short(label)}”", "value")]
    if record_type == "trust_policy":
        return [Part("the trust policy")]
    return [Part(f"the {kind.noun} "), Part(f"#{record_id}", "record")]


def _value_text(name, value, names):
    if value is None or value == "" or value == []:
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name in REFERENCES and isinstance(value, int):
        return names.labels.get((REFERENCES[name], value)) or f"#{value}"
    if name in LIST_REFERENCES and isinstance(value, list):
        return ", ".join(names.labels.get((LIST_REFERENCES[name], v)) or f"#{v}" for v in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str) and (name.endswith("_on") or name in ("on", "phase_since")):
        return _date_text(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _short(str(value))


def _date_text(text):
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return _short(text)
    return f"{day.day} {day:%b %Y}"


def _short(text):
    text = " ".join(text.split())
    return text if len(text) <= LONGEST_VALUE else text[:LONGEST_VALUE - 1] + "…"


def field_words(name):
    if name in FIELD_WORDS:
        return FIELD_WORDS[name]
    return name.removesuffix("_id").replace("_", " ")


def _created(w):
    kind = KINDS.get(w.entry.record_type)
    if w.entry.record_type == "transitions":
        return [w.actor(), Part(" moved "), *w.record("initiatives", w.detail("initiative_id")),
                Part(" from "), w.value("phase", w.detail("from_phase")), Part(" to "),
                w.value("phase", w.detail("to_phase"))]
    # A trust KPI is a measure with no initiative: it is added to nothing.
    if (kind is not None and kind.parent and w.entry.record_type != "api_tokens"
            and isinstance(w.detail(kind.parent), int)):
        parent = (REFERENCES[kind.parent], w.detail(kind.parent))
        own = w.record(parent=False)
        return [w.actor(), Part(" added "), *own, *_created_details(w), Part(" to "),
                *w.record(*parent, parent=False)]
    if w.entry.record_type == "users":
        return [w.actor(), Part(" added the person "), *w.record()]
    return [w.actor(), Part(" created "), *w.record(), *_created_details(w)]


#: What a new record of these types is best told by.
CREATED_DETAILS = {
    "updates": ("rag", "narrative"), "measure_points": ("value", "on"),
    "allocations": ("days_per_week", "starts_on", "ends_on"),
    "unavailabilities": ("starts_on", "ends_on"), "reviews": ("due_on",),
    "milestones": ("due_on",),
}


def _created_details(w):
    names = CREATED_DETAILS.get(w.entry.record_type, ())
    shown = [(n, w.detail(n)) for n in names if w.detail(n) not in (None, "")]
    if not shown:
        return []
    parts = [Part(" (")]
    for n, (name, value) in enumerate(shown):
        parts += [Part(", " if n else ""), Part(f"{field_words(name)} "), w.value(name, value)]
    return parts + [Part(")")]


def _updated(w):
    if not w.changes:
        return [w.actor(), Part(" changed "), *w.record()]
    parts = [w.actor(), Part(" changed ")]
    for n, (name, values) in enumerate(w.changes.items()):
        before, after = values if isinstance(values, list) and len(values) == 2 else (None, values)
        if n == 0:
            parts += [Part(f"the {field_words(name)} of "), *w.record()]
        else:
            parts += [Part(f", and its {field_words(name)}")]
        if name == "password_hash":
            continue
        parts += [Part(" from "), w.value(name, before), Part(" to "), w.value(name, after)]
    return parts


def _deleted(w):
    kind = KINDS.get(w.entry.record_type)
    if kind is not None and kind.parent and isinstance(w.detail(kind.parent), int):
        parent = (REFERENCES[kind.parent], w.detail(kind.parent))
        return [w.actor(), Part(" deleted "), *w.record(parent=False), Part(" from "),
                *w.record(*parent, parent=False)]
    return [w.actor(), Part(" deleted "), *w.record()]


def _refused(w):
    return [w.actor(), Part(" was refused "),
            w.value("path", f"{w.detail('method') or ''} {w.detail('path') or ''}".strip()),
            Part(f" ({w.detail('status')})")]


def _override(w):
    reason = w.detail("override_reason") or w.detail("reason")
    if w.entry.record_type == "initiatives":
        parts = [w.actor(), Part(" moved "), *w.record(), Part(" to "),
                 w.value("phase", w.detail("to")), Part(" past unmet gates ("),
                 w.value("missing", w.detail("missing")), Part(")")]
    elif w.entry.record_type == "experts":
        parts = [w.actor(), Part(" cut the days of "), *w.record(),
                 Part(" below what is allocated")]
    else:
        parts = [w.actor(), Part(" over-allocated with "), *w.record()]
    return parts + [Part(", because "), w.value("reason", reason)]


def _about_self_or(w, own, other):
    if w.entry.actor_id is not None and w.entry.actor_id == w.entry.record_id:
        return [w.actor(), Part(own)]
    return [w.actor(), Part(other), *w.record()]


def _failed_sign_in(w):
    return [Part("A sign-in as "), w.value("email", w.detail("email")),
            Part(f" failed (via {w.detail('via') or 'web'})")]


#: Why a single sign-on was refused, in words (the reasons of ``tracker.sso.REASONS``).
SSO_REFUSALS = {
    "invalid": "the provider's answer did not check out", "unverified": "email not verified",
    "unknown": "no account has this email", "domain": "not an email domain of the trust",
    "deactivated": "account deactivated", "waiting": "waiting for approval",
    "conflict": "the account is linked to another identity at this provider",
}


def _sso_refused(w):
    reason = w.detail("reason")
    return [Part("A single sign-on as "), w.value("email", w.detail("email") or "someone unknown"),
            Part(" through "), w.value("provider", w.detail("provider")),
            Part(f" was refused: {SSO_REFUSALS.get(reason, reason or 'no reason recorded')}")]


def _other_event(w):
    return [w.actor(), Part(f" {field_words(w.entry.action)}: "), *w.record()]


#: Each action's sentence; row changes first, then the events ``record_event`` writes.
EVENTS = {
    "create": _created,
    "update": _updated,
    "delete": _deleted,
    "login": lambda w: [w.actor(), Part(" signed in")],
    "logout": lambda w: [w.actor(), Part(" signed out")],
    "login_failed": _failed_sign_in,
    "access_refused": _refused,
    "override": _override,
    "role_changed": lambda w: [
        w.actor(), Part(" changed the role of "), *w.record(), Part(" from "),
        w.value("role", (w.detail("role") or [None, None])[0]), Part(" to "),
        w.value("role", (w.detail("role") or [None, None])[-1])],
    "deactivated": lambda w: [w.actor(), Part(" deactivated "), *w.record()],
    "anonymised": lambda w: [w.actor(), Part(" anonymised "), *w.record()],
    "password_changed": lambda w: _about_self_or(
        w, " changed their password", " changed the password of "),
    "password_reset_issued": lambda w: [
        w.actor(), Part(" issued a password-reset link for "), *w.record()],
    "password_reset_used": lambda w: _about_self_or(
        w, " chose a new password with a reset link", " used a reset link for "),
    "token_created": lambda w: [w.actor(), Part(" created "), *w.record(parent=False)],
    "token_revoked": lambda w: [w.actor(), Part(" revoked "), *w.record(parent=False)],
    "sso_login": lambda w: [w.actor(), Part(" signed in through single sign-on ("),
                            w.value("provider", w.detail("provider")), Part(")")],
    "sso_refused": _sso_refused,
    "sso_account_requested": lambda w: [
        *w.record(), Part(" asked for an account through single sign-on ("),
        w.value("provider", w.detail("provider")), Part(")")],
    "sso_approved": lambda w: [w.actor(), Part(" approved "), *w.record(), Part(" as "),
                               w.value("role", w.detail("role"))],
}


# --- words for the log's filters ------------------------------------------------------------

#: Each action the log holds, as the filter offers it.
ACTION_WORDS = {
    "create": "Created or added", "update": "Changed", "delete": "Deleted", "login": "Signed in",
    "logout": "Signed out", "login_failed": "Failed sign-in", "access_refused": "Refused request",
    "override": "Rule overridden", "role_changed": "Role changed", "deactivated": "Deactivated",
    "anonymised": "Anonymised", "password_changed": "Password changed",
    "password_reset_issued": "Reset link issued", "password_reset_used": "Reset link used",
    "token_created": "API token created", "token_revoked": "API token revoked",
    "sso_login": "Signed in through single sign-on", "sso_refused": "Single sign-on refused",
    "sso_account_requested": "Account asked for (single sign-on)",
    "sso_approved": "Approved (single sign-on)",
}
_TYPE_WORDS = {"requests": "refused request", "failed_attempts": "failed sign-in count"}


def record_type_words(record_type):
    """What the filter calls a record type: ``milestones`` -> ``Milestone``."""
    kind = KINDS.get(record_type)
    words = kind.noun if kind else _TYPE_WORDS.get(record_type, record_type.replace("_", " "))
    return words[0].upper() + words[1:]
