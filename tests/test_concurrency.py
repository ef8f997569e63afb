"""Concurrent writes through the real API: creates are all kept, a replaced value is said to be
replaced, and the writes that may carry a ``version`` apply without one (API.md, Conventions).

Each thread is its own client with its own token, as separate people (or browser tabs) would
be; the requests share the one app and reach the database through separate connections, so
the races are the database's own: row locks on PostgreSQL, the write lock of the SQLite file.
"""
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tracker import updates
from tracker.audit import acting_as
from tracker.auth import issue_token
from tracker.extensions import db
from tracker.models import AuditEntry, PdsaCycle, Transition

THREADS = 8


def at_once(calls, threads=THREADS):
    """Run ``calls`` (functions of no argument) on ``threads`` threads released together, call
    ``i`` on thread ``i % threads``; return their results in call order. An exception raised in a
    thread (a 500 propagates in tests, "database is locked" among them) is re-raised here.
    A call must not touch the test's ORM objects (they belong to this thread's session)."""
    barrier = threading.Barrier(threads)
    results, errors = [None] * len(calls), []

    def run(mine):
        barrier.wait(timeout=30)
        for i in mine:
            try:
                results[i] = calls[i]()
            except BaseException as error:  # noqa: BLE001 - handed to the test's thread
                errors.append(error)

    workers = [threading.Thread(target=run, args=(range(t, len(calls), threads),))
               for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(w.is_alive() for w in workers), "a thread did not finish"
    if errors:
        raise errors[0]
    # Requests from this thread share the test's session, which still holds the records as
    # they were before the threads wrote: forget them, as a fresh request would.
    db.session.expire_all()
    return results


def statuses(responses):
    return sorted(r.status_code for r in responses)


@pytest.fixture
def school(make):
    return make.school(name="Oakwood Primary")


class Client:
    """A test client of its own with a token of its own (issued here: eight sign-ins through the
    password hash would only slow the test down)."""

    def __init__(self, app, user):
        raw, _token = issue_token(db.session, user, 1, "concurrency")
        db.session.commit()
        self.client, self.headers = app.test_client(), {"Authorization": f"Bearer {raw}"}

    def get(self, path):
        return self.client.get(path, headers=self.headers)

    def post(self, path, json):
        return self.client.post(path, json=json, headers=self.headers)

    def put(self, path, json):
        return self.client.put(path, json=json, headers=self.headers)


@pytest.fixture
def leads(app, make, school):
    """Eight school leads of Oakwood, each with a client and a token of their own."""
    return [Client(app, make.user("school_lead", schools=[school])) for _ in range(THREADS)]


@pytest.fixture
def initiative(make, school):
    return make.initiative(schools=[school], title="Reading for pleasure")


# --- creates are all kept -------------------------------------------------------------------

def test_fifty_updates_posted_at_once_are_all_kept_and_the_newest_sets_the_rag(leads, initiative):
    url = f"/api/v1/initiatives/{initiative.id}/updates"
    rags = ("green", "amber", "red")
    calls = [lambda i=i: leads[i % THREADS].post(url, json={
        "rag": rags[i % 3], "narrative": f"Update {i} from lead {i % THREADS}."})
        for i in range(50)]
    responses = at_once(calls)
    refused = [r.get_json() for r in responses if r.status_code != 201]
    assert not refused, f"{50 - len(refused)} of 50 kept; refused: {refused[0]}"
    listed = leads[0].get(url + "?per_page=500").get_json()
    assert listed["total"] == 50
    assert sorted(u["narrative"] for u in listed["items"]) == sorted(
        f"Update {i} from lead {i % THREADS}." for i in range(50))
    newest = listed["items"][0]
    shown = leads[0].get(f"/api/v1/initiatives/{initiative.id}").get_json()
    assert shown["rag"] == newest["rag"]
    assert shown["version"] == 1  # logging an update edits no field a client edits


def test_an_update_is_audited_and_the_initiative_in_hand_shows_its_rag(session, initiative):
    acting_as(session, initiative.owner)
    update = updates.log_update(session, initiative.owner, initiative, rag="amber",
                                narrative="Slower than planned.")
    session.commit()
    assert (initiative.rag, initiative.last_update_at) == ("amber", update.created_at)
    entries = session.execute(sa.select(AuditEntry).where(
        AuditEntry.record_type == "updates", AuditEntry.record_id == update.id)).scalars().all()
    assert [(e.action, e.changes["rag"]) for e in entries] == [("create", [None, "amber"])]


def test_an_older_update_committed_late_does_not_overwrite_the_newer_rag(session, initiative):
    now = updates.utcnow()
    updates.log_update(session, initiative.owner, initiative, rag="red", narrative="Newer.",
                       now=now)
    session.commit()
    updates.log_update(session, initiative.owner, initiative, rag="green", narrative="Older.",
                       now=now - timedelta(seconds=1))
    session.commit()
    session.expire_all()
    assert (initiative.rag, initiative.last_update_at) == ("red", now)


@pytest.mark.parametrize("path, body", [
    ("milestones", lambda i: {"title": f"Milestone {i}", "due_on": "2026-09-01"}),
    ("pdsa-cycles", lambda i: {"title": f"Cycle {i}"}),
    ("reviews", lambda i: {"due_on": "2026-09-01"}),
    ("measures", lambda i: {"name": f"Measure {i}"}),
])
def test_other_creates_posted_at_once_are_all_kept(leads, initiative, path, body):
    url = f"/api/v1/initiatives/{initiative.id}/{path}"
    responses = at_once([lambda i=i: leads[i % THREADS].post(url, json=body(i))
                         for i in range(16)])
    assert statuses(responses) == [201] * 16, [r.get_json() for r in responses][:3]
    assert leads[0].get(url + "?per_page=500").get_json()["total"] == 16


def test_points_on_different_dates_posted_at_once_are_all_kept(make, leads, initiative, school):
    measure = make.measure(initiative)
    url, school_id = f"/api/v1/measures/{measure.id}/points", school.id
    start = date(2026, 1, 5)
    responses = at_once([lambda i=i: leads[i % THREADS].post(url, json={
        "on": (start + timedelta(days=i)).isoformat(), "value": i, "school_id": school_id})
        for i in range(16)])
    assert statuses(responses) == [201] * 16
    assert leads[0].get(url + "?per_page=500").get_json()["total"] == 16


# --- one value per date and school: the rest replace it -------------------------------------

def test_sixteen_points_on_one_date_and_school_keep_one_and_the_rest_say_what_they_replaced(
        make, leads, initiative, school):
    measure = make.measure(initiative)
    url, school_id = f"/api/v1/measures/{measure.id}/points", school.id
    sent = [float(60 + i) for i in range(16)]
    responses = at_once([lambda i=i: leads[i % THREADS].post(url, json={
        "on": "2026-03-02", "value": sent[i], "school_id": school_id}) for i in range(16)])
    assert statuses(responses) == [200] * 15 + [201], [r.get_json() for r in responses][:3]
    bodies = [r.get_json() for r in responses]
    assert len({b["id"] for b in bodies}) == 1
    replaced = [b for b in bodies if b["replaced"]]
    assert len(replaced) == 15 and all(b["previous_value"] in sent for b in replaced)
    stored = leads[0].get(url).get_json()
    assert stored["total"] == 1
    # Each write replaced exactly the one before it: every value but the stored one was
    # replaced once, and the stored one by nobody.
    assert sorted(b["previous_value"] for b in replaced) == sorted(
        v for v in sent if v != stored["items"][0]["value"])


def test_points_on_one_date_refused_as_duplicates_when_asked_not_to_replace(
        make, leads, initiative, school):
    measure = make.measure(initiative)
    url, school_id = f"/api/v1/measures/{measure.id}/points", school.id
    responses = at_once([lambda i=i: leads[i % THREADS].post(url, json={
        "on": "2026-03-02", "value": i, "school_id": school_id, "replace": False})
        for i in range(16)])
    assert statuses(responses) == [201] + [409] * 15
    assert {r.get_json()["error"]["code"] for r in responses if r.status_code == 409} == {
        "duplicate_point"}
    assert leads[0].get(url).get_json()["total"] == 1


def test_sixteen_initiative_wide_points_on_one_date_keep_one(make, leads, initiative):
    measure = make.measure(initiative)
    url = f"/api/v1/measures/{measure.id}/points"
    responses = at_once([lambda i=i: leads[i % THREADS].post(url, json={
        "on": "2026-03-02", "value": i}) for i in range(16)])
    assert statuses(responses) == [200] * 15 + [201]
    assert leads[0].get(url).get_json()["total"] == 1


# --- writes that may carry a version ----------------------------------------------------------

POLICY = {"mode": "cap", "max_active_initiatives": 4, "out_grace_days": 14,
          "review_interval_days": 90}


@pytest.fixture
def admins(app, make):
    return [Client(app, make.user("admin")) for _ in range(2)]


def test_the_policy_is_replaced_without_a_version_and_refused_with_a_stale_one(make, admins):
    make.policy()
    api = admins[0]
    plain = api.put("/api/v1/policy", json=POLICY)
    assert plain.status_code == 200, plain.get_json()
    assert plain.get_json() == POLICY | {"version": 2}
    stale = api.put("/api/v1/policy", json=POLICY | {"mode": "strict", "version": 1})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    assert api.get("/api/v1/policy").get_json() == POLICY | {"version": 2}
    current = api.put("/api/v1/policy", json=POLICY | {"mode": "strict", "version": 2})
    assert current.status_code == 200 and current.get_json()["mode"] == "strict"


def test_policies_put_at_once_without_a_version_are_all_applied(make, admins):
    make.policy()
    # Each differs from the stored policy and from the others, so each applied bumps the version.
    bodies = [POLICY | {"max_active_initiatives": n} for n in range(11, 19)]
    responses = at_once([lambda b=b: admins[i % 2].put("/api/v1/policy", json=b)
                         for i, b in enumerate(bodies)])
    assert statuses(responses) == [200] * 8
    final = admins[0].get("/api/v1/policy").get_json()
    assert final["version"] == 9 and final in [b | {"version": 9} for b in bodies]


@pytest.fixture
def cycle(make, initiative):
    return make._save(PdsaCycle(initiative_id=initiative.id, title="Paired reading",
                                stage="plan", question="Does pairing help?",
                                prediction="Fluency rises."))


def test_a_cycle_advances_without_a_version_and_not_with_a_stale_one(leads, cycle):
    url = f"/api/v1/pdsa-cycles/{cycle.id}/advance"
    stale = leads[0].post(url, json={"version": 0})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    plain = leads[0].post(url, json={})
    assert plain.status_code == 200, plain.get_json()
    assert (plain.get_json()["stage"], plain.get_json()["version"]) == ("do", 2)
    versioned = leads[1].post(url, json={"do_notes": "Ran for a fortnight.", "version": 2})
    assert versioned.status_code == 200 and versioned.get_json()["stage"] == "study"


@pytest.fixture
def both_read_before_either_writes(app):
    """Holds each of two requests at its first flush of a PDSA cycle until both have read it:
    the interleaving of two clicks on "advance" that arrive together."""
    barrier = threading.Barrier(2, timeout=10)

    def hold(session, _context, _instances):
        if any(isinstance(o, PdsaCycle) for o in session.dirty) and not barrier.broken:
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass

    sa.event.listen(Session, "before_flush", hold)
    yield
    sa.event.remove(Session, "before_flush", hold)


def test_two_advances_at_once_move_a_cycle_one_stage(leads, cycle, both_read_before_either_writes):
    url = f"/api/v1/pdsa-cycles/{cycle.id}/advance"
    # Each brings the notes for Study too, so a second advance that went through would move
    # the cycle on a second stage.
    body = {"do_notes": "Ran for a fortnight."}
    responses = at_once([lambda i=i: leads[i].post(url, json=body) for i in range(2)], threads=2)
    assert statuses(responses) == [200, 409], [r.get_json() for r in responses]
    refused = next(r for r in responses if r.status_code == 409).get_json()["error"]
    assert refused["code"] == "stale_version"
    shown = leads[0].get(f"/api/v1/pdsa-cycles/{cycle.id}").get_json()
    assert (shown["stage"], shown["version"]) == ("do", 2)


def test_a_move_may_carry_the_initiatives_version(leads, make, school, session):
    initiative = make.initiative(schools=[school], problem="Few read for pleasure.",
                                 evidence="EEF guidance on reading.")
    url = f"/api/v1/initiatives/{initiative.id}/transitions"
    stale = leads[0].post(url, json={"to": "prepare", "version": 0})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "stale_version"
    assert session.scalar(sa.select(sa.func.count()).select_from(Transition)) == 0
    assert leads[0].get(f"/api/v1/initiatives/{initiative.id}").get_json()["phase"] == "explore"
    moved = leads[0].post(url, json={"to": "prepare", "version": 1})
    assert moved.status_code == 201, moved.get_json()
    back = leads[1].post(url, json={"to": "explore", "reason": "Rethink the problem."})
    assert back.status_code == 201 and back.get_json()["initiative"]["version"] == 3


@pytest.mark.parametrize("method, path, body", [
    ("post", "/api/v1/pdsa-cycles/{cycle_id}/advance", {}),
    ("post", "/api/v1/initiatives/{initiative_id}/transitions", {"to": "prepare"}),
    ("put", "/api/v1/policy", POLICY),
])
def test_a_version_that_is_not_a_whole_number_is_refused_by_name(
        leads, admins, cycle, method, path, body):
    client = admins[0] if path.endswith("policy") else leads[0]
    url = path.format(cycle_id=cycle.id, initiative_id=cycle.initiative_id)
    response = getattr(client, method)(url, json=body | {"version": "1"})
    assert response.status_code == 422
    assert "version" in response.get_json()["error"]["fields"]
