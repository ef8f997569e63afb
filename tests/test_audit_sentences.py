"""The audit log reads as sentences: each kind of entry -> the words an admin reads."""
import pytest

from tracker.audit_sentences import Names, describe, names_for
from tracker.models import AuditEntry

ANN, BEN = 1, 2
NAMES = Names(
    labels={("users", ANN): "Ann Lee", ("users", BEN): "Ben Ode",
            ("initiatives", 8): "Reading for pleasure", ("initiatives", 9): "Homework club",
            ("milestones", 3): "Plan the launch", ("measures", 4): "Attendance",
            ("schools", 5): "Hill Primary", ("schools", 6): "Vale Academy",
            ("experts", 7): "Dee Coach", ("api_tokens", 11): "laptop",
            ("measures", 40): "Attendance %", ("self_evaluations", 3): "2026-11-30"},
    parents={("milestones", 3): ("initiatives", 8), ("measures", 4): ("initiatives", 8),
             ("api_tokens", 11): ("users", ANN)})


def entry(action, record_type, record_id=None, changes=None, actor_id=ANN):
    return AuditEntry(action=action, record_type=record_type, record_id=record_id,
                      changes=changes or {}, actor_id=actor_id)


SENTENCES = [
    (entry("update", "initiatives", 8, {"title": ["Reading", "Reading for pleasure"]}),
     "Ann Lee changed the title of the initiative Reading for pleasure from “Reading” to "
     "“Reading for pleasure”"),
    (entry("update", "initiatives", 8, {"rag": ["amber", "red"], "owner_id": [ANN, BEN]}),
     "Ann Lee changed the RAG of the initiative Reading for pleasure from “amber” to “red”, "
     "and its owner from “Ann Lee” to “Ben Ode”"),
    (entry("update", "initiatives", 8, {"schools": [[5], [5, 6]]}),
     "Ann Lee changed the schools of the initiative Reading for pleasure from “Hill Primary” "
     "to “Hill Primary, Vale Academy”"),
    (entry("create", "milestones", 3, {"title": [None, "Plan the launch"],
                                       "initiative_id": [None, 8], "due_on": [None, "2026-03-05"]}),
     "Ann Lee added the milestone “Plan the launch” (due date “5 Mar 2026”) to the initiative "
     "Reading for pleasure"),
    (entry("update", "milestones", 3, {"done_on": [None, "2026-03-04"]}),
     "Ann Lee changed the done date of the milestone “Plan the launch” of the initiative "
     "Reading for pleasure from “nothing” to “4 Mar 2026”"),
    (entry("delete", "milestones", 30, {"title": [None, "Gone"], "initiative_id": [None, 9]}),
     "Ann Lee deleted the milestone “Gone” from the initiative Homework club"),
    (entry("create", "updates", 12, {"initiative_id": [None, 8], "rag": [None, "green"],
                                     "narrative": [None, "Going well"]}),
     "Ann Lee added the update #12 (RAG “green”, narrative “Going well”) to the initiative "
     "Reading for pleasure"),
    (entry("create", "measure_points", 13, {"measure_id": [None, 4], "value": [None, 12.0],
                                            "on": [None, "2026-01-05"]}),
     "Ann Lee added the data point #13 (value “12”, date “5 Jan 2026”) to the measure "
     "Attendance"),
    (entry("create", "transitions", 14, {"initiative_id": [None, 8], "from_phase": [None, "explore"],
                                         "to_phase": [None, "prepare"]}),
     "Ann Lee moved the initiative Reading for pleasure from “explore” to “prepare”"),
    (entry("create", "measures", 40, {"name": [None, "Attendance %"], "initiative_id": [None, None]}),
     "Ann Lee created the measure Attendance %"),  # a trust KPI belongs to no initiative
    (entry("create", "self_evaluation_ratings", 21, {"pillar": [None, "vision"], "rating": [None, 3],
                                                     "self_evaluation_id": [None, 3]}),
     "Ann Lee added the pillar rating “vision” to the self-evaluation “2026-11-30”"),
    (entry("create", "initiatives", 8, {"title": [None, "Reading for pleasure"]}),
     "Ann Lee created the initiative Reading for pleasure"),
    (entry("update", "schools", 5, {"max_active_initiatives": [None, 3]}),
     "Ann Lee changed the own limit of the school Hill Primary from “nothing” to “3”"),
    (entry("create", "users", BEN, {"name": [None, "Ben Ode"], "role": [None, "viewer"]}),
     "Ann Lee added the person Ben Ode"),
    (entry("login", "users", ANN, {"via": "web"}), "Ann Lee signed in"),
    (entry("logout", "users", ANN), "Ann Lee signed out"),
    (entry("login_failed", "users", ANN, {"email": "ann@trust.example", "via": "web"}, actor_id=None),
     "A sign-in as “ann@trust.example” failed (via web)"),
    (entry("access_refused", "requests", None, {"status": 403, "method": "GET", "path": "/admin/audit"},
           actor_id=BEN),
     "Ben Ode was refused “GET /admin/audit” (403)"),
    (entry("role_changed", "users", BEN, {"role": ["viewer", "school_lead"]}),
     "Ann Lee changed the role of Ben Ode from “viewer” to “school_lead”"),
    (entry("update", "users", BEN, {"password_hash": ["(hidden)", "(changed)"]}),
     "Ann Lee changed the password of Ben Ode"),
    (entry("password_changed", "users", ANN, {"tokens_revoked": 0}), "Ann Lee changed their password"),
    (entry("deactivated", "users", BEN, {"tokens_revoked": 1}), "Ann Lee deactivated Ben Ode"),
    (entry("token_created", "api_tokens", 11), "Ann Lee created the API token “laptop”"),
    (entry("override", "initiatives", 8, {"to": "deliver", "missing": ["named_out", "measure"],
                                          "override_reason": "Board asked"}),
     "Ann Lee moved the initiative Reading for pleasure to “deliver” past unmet gates "
     "(“named_out, measure”), because “Board asked”"),
    (entry("override", "experts", 7, {"reason": "Cover", "weeks": []}),
     "Ann Lee cut the days of the expert Dee Coach below what is allocated, because “Cover”"),
    (entry("update", "initiatives", 99, {"title": ["A", "B"]}, actor_id=None),
     "The system changed the title of the initiative #99 from “A” to “B”"),
    (entry("update", "trust_policy", 1, {"mode": ["cap", "strict"]}),
     "Ann Lee changed the mode of the trust policy from “cap” to “strict”"),
    (entry("update", "initiatives", 8, {"problem": [None, "x" * 200]}),
     "Ann Lee changed the problem of the initiative Reading for pleasure from “nothing” to “"
     + "x" * 79 + "…”"),
]


@pytest.mark.parametrize("audit_entry, sentence", SENTENCES)
def test_each_entry_reads_as_a_sentence(audit_entry, sentence):
    assert str(describe(audit_entry, NAMES)) == sentence


def test_people_records_and_values_are_marked_for_the_page():
    parts = describe(SENTENCES[0][0], NAMES)
    assert [(p.kind, p.text) for p in parts if p.kind != "text"] == [
        ("person", "Ann Lee"), ("record", "Reading for pleasure"),
        ("value", "“Reading”"), ("value", "“Reading for pleasure”")]


def test_names_come_from_the_database_with_each_records_parent(session, make, count_queries):
    ann = make.user("admin", name="Ann Lee")
    initiative = make.initiative(title="Reading for pleasure")
    milestone = make.milestone(initiative, title="Plan the launch")
    session.commit()
    entries = [entry("update", "milestones", milestone.id, {"done_on": [None, "2026-03-04"]},
                     actor_id=ann.id),
               entry("update", "initiatives", 10**6, {"owner_id": [ann.id, None]}, actor_id=ann.id)]
    with count_queries() as queries:
        names = names_for(session, entries)
    assert queries.count == 2
    assert str(describe(entries[0], names)) == (
        "Ann Lee changed the done date of the milestone “Plan the launch” of the initiative "
        "Reading for pleasure from “nothing” to “4 Mar 2026”")
    assert str(describe(entries[1], names)) == (
        "Ann Lee changed the owner of the initiative #1000000 from “Ann Lee” to “nothing”")
