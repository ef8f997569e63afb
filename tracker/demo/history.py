"""The large trust's initiatives and everything that happened to them, as rows to bulk insert.

Each initiative gets a life first (``Life``): when it started, each phase it passed through and
how it ended, drawn from one seeded random stream. The rows then follow from that life, so they
keep the domain's rules: a move is a Transition on the day it happened; rejected only from
Explore, completed only from Sustain, de-implemented by a deciding review; whoever entered
Deliver has problem, evidence, active ingredients, a milestone and a measure; whoever entered
Sustain has a cycle that reached Study; per-school updates, milestones and points only for the
initiative's own schools; nothing dated after today.
"""
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone

from tracker.demo.names import (ACT_NOTES, CYCLE_TITLES, MEASURE_EXTRAS, MILESTONES,
                                OUT_PRACTICES, REVIEW_RATIONALES, UPDATE_NOTES)
from tracker.models.initiative import HELIX_COMPONENTS, PHASES, PILLARS

#: Days each phase lasts at least and at most, before the initiative moves on.
DURATIONS = {"explore": (20, 80), "prepare": (30, 110), "deliver": (90, 300), "sustain": (90, 330)}
REVIEW_DAYS = 90
#: The shape of a long-history initiative, whatever the scale.
LONG = {"updates": 120, "milestones": 50, "cycles": 20, "measures": 4}


@dataclass
class Life:
    id: int
    theme: tuple
    school_ids: list
    owner_id: int
    mover_id: int
    created: object
    #: (date, from, to, reason): every move, oldest first.
    moves: list = field(default_factory=list)
    phase: str = "explore"
    status: str = "active"
    ended_on: object = None
    long: bool = False
    #: The first day in Deliver, and the day it left Deliver and Sustain (None: still there).
    deliver_from: object = None
    delivering_until: object = None

    @property
    def phase_since(self):
        """The day it entered the phase it is in (or ended in)."""
        entered = [day for day, _from, to, _reason in self.moves if to in PHASES]
        return entered[-1] if entered else self.created

    def reached(self, phase):
        return PHASES.index(self.phase) >= PHASES.index(phase)


def at(day, hour=9, minute=0):
    return datetime.combine(day, time(hour, minute), timezone.utc)


def live(rng, life, today, horizon):
    """Walk ``life`` through its phases from its start until ``today``."""
    day, phase, went_back = life.created, "explore", False
    while True:
        low, high = DURATIONS[phase]
        if life.long and phase == "deliver":
            low, high = 500, 600
        end = day + timedelta(days=rng.randint(low, high))
        if end >= today or (life.long and phase == "sustain"):
            break
        roll = rng.random()
        if phase == "explore":
            if roll < 0.12 and not life.long:
                return _end(life, end, "rejected", phase)
            nxt = "prepare"
        elif phase == "prepare":
            nxt = "deliver"
        elif phase == "deliver":
            if roll < 0.14 and not life.long:
                return _end(life, end, "deimplemented", phase)
            if roll < 0.2 and not went_back:
                went_back, nxt = True, "prepare"
            else:
                nxt = "sustain"
        else:  # sustain
            if roll < 0.55:
                return _end(life, end, "completed", phase)
            if roll < 0.65:
                return _end(life, end, "deimplemented", phase)
            break  # kept going: still in Sustain
        _move(life, end, phase, nxt, "The pilot showed the plan needs rework." if nxt == "prepare" else None)
        day, phase = end, nxt
    life.phase = phase
    life.ended_on = None
    if life.deliver_from is not None and life.delivering_until is None:
        life.delivering_until = horizon


def _move(life, day, frm, to, reason):
    life.moves.append((day, frm, to, reason))
    life.phase = to
    if to == "deliver" and life.deliver_from is None:
        life.deliver_from = day
    if to == "prepare" and frm == "deliver":
        life.delivering_until = None


def _end(life, day, status, phase):
    life.moves.append((day, phase, status, None))
    life.phase, life.status, life.ended_on = phase, status, day
    if life.deliver_from is not None:
        life.delivering_until = day


def spread(total, weights, floors=None):
    """``total`` split over ``weights`` as whole numbers, largest remainders first: the same
    split every run. ``floors`` (each a minimum) are given first."""
    floors = floors or [0] * len(weights)
    rest = max(0, total - sum(floors))
    weight_sum = sum(weights) or 1
    shares = [rest * w / weight_sum for w in weights]
    counts = [f + int(s) for f, s in zip(floors, shares)]
    order = sorted(range(len(weights)), key=lambda k: (int(shares[k]) - shares[k], k))
    for k in order[:total - sum(counts)] if total > sum(counts) else []:
        counts[k] += 1
    return counts


def initiative_row(life, school_names, rng):
    theme = life.theme
    reached_prepare, entered_deliver = life.reached("prepare"), life.deliver_from is not None
    scope = "school" if len(life.school_ids) == 1 else ("trust" if len(life.school_ids) == len(school_names) else "schools")
    where = school_names[life.school_ids[0]] if scope == "school" else f"{len(life.school_ids)} schools"
    unit = theme[4] if theme[4] == "%" else " " + theme[4]
    return {
        "id": life.id, "title": f"{theme[0]} ({where})", "problem": theme[1],
        "evidence": theme[2] if reached_prepare or rng.random() < 0.5 else "",
        "intended_outcomes": f"{theme[3]} moves from {theme[6]} to {theme[7]}{unit}.",
        "active_ingredients": ("Short daily sessions; fidelity checks by the lead; coaching every fortnight."
                               if entered_deliver or rng.random() < 0.3 else ""),
        "implementation_strategies": ("Two training days, then fortnightly coaching and a shared planning bank."
                                      if reached_prepare else ""),
        "owner_id": life.owner_id, "phase": life.phase, "status": life.status,
        "scope": scope, "phase_since": life.phase_since,
        "created_at": at(life.created, 8), "ended_on": life.ended_on,
        "rag": None, "last_update_at": None,
        "out_initiative_id": None, "out_practice": None, "out_due_on": None, "out_done_on": None,
    }


def links_and_tags(life, rng):
    links = [{"initiative_id": life.id, "school_id": s, "rag": None} for s in life.school_ids]
    tags = ([{"initiative_id": life.id, "framework": "pillar", "code": c} for c in rng.sample(PILLARS, 2)]
            + [{"initiative_id": life.id, "framework": "helix", "code": c}
               for c in rng.sample(HELIX_COMPONENTS, 2)])
    return links, tags


def transitions(life, rng):
    return [{"initiative_id": life.id, "from_phase": frm, "to_phase": to, "reason": reason,
             "user_id": life.mover_id, "at": at(day, rng.randint(8, 16), rng.randint(0, 59)),
             "override_reason": None}
            for day, frm, to, reason in life.moves]


def _days(first, last, n, rng):
    """``n`` days from ``first`` to ``last``, spread evenly with a little jitter, sorted."""
    if n <= 0:
        return []
    span = max(0, (last - first).days)
    step = span / n
    return sorted(first + timedelta(days=min(span, int(step * k + rng.random() * max(step, 1))))
                  for k in range(n))


def updates(life, n, today, rng, row, link_rags):
    """``n`` updates over the initiative's life; a shared one's half about one school each.
    Sets the initiative's RAG and last update, and each school's RAG, from the newest."""
    last = (life.ended_on or today) - timedelta(days=1)
    rows, rag = [], "green"
    for k, day in enumerate(_days(life.created + timedelta(days=3), last, n, rng)):
        roll = rng.random()
        rag = {"green": "amber" if roll < 0.2 else "green",
               "amber": "green" if roll < 0.4 else ("red" if roll < 0.55 else "amber"),
               "red": "amber" if roll < 0.5 else "red"}[rag]
        school_id = rng.choice(life.school_ids) if len(life.school_ids) > 1 and roll < 0.5 else None
        rows.append({"initiative_id": life.id, "school_id": school_id, "rag": rag,
                     "narrative": rng.choice(UPDATE_NOTES[rag]), "author_id": life.owner_id,
                     "created_at": at(day, 10 + k % 7, (k * 7) % 60)})
    for update in rows:  # oldest first: the newest wins
        row["rag"], row["last_update_at"] = update["rag"], update["created_at"]
        for school_id in ([update["school_id"]] if update["school_id"] else life.school_ids):
            link_rags[(life.id, school_id)] = update["rag"]
    return rows


def milestones(life, n, today, rng):
    """``n`` milestones from its start to a term ahead (to its end, once ended): most past
    ones done near their date, some overdue; the future ones open."""
    last = life.ended_on or today + timedelta(days=120)
    rows = []
    for k, due in enumerate(_days(life.created + timedelta(days=14), last, n, rng)):
        done = None
        # Old ones were nearly all done; the overdue ones are mostly the last few weeks'.
        if due <= today and rng.random() < (0.7 if (today - due).days < 60 and life.status == "active" else 0.97):
            done = min(today, max(life.created, due - timedelta(days=rng.randint(-6, 10))))
        school_id = rng.choice(life.school_ids) if len(life.school_ids) > 1 and rng.random() < 0.4 else None
        rows.append({"initiative_id": life.id, "title": MILESTONES[k % len(MILESTONES)],
                     "school_id": school_id, "due_on": due, "owner_id": life.owner_id,
                     "done_on": done, "created_at": at(life.created, 11)})
    return rows


def cycles(life, n, today, rng, next_id):
    """``n`` PDSA cycles one after another from Deliver on, each following the last's Act;
    the last of an active initiative still running (some stuck in Do)."""
    first = life.deliver_from
    last = life.ended_on or today
    starts = _days(first, last - timedelta(days=7), n, rng)
    rows, parent = [], None
    for k, start in enumerate(starts):
        running = k == n - 1 and life.status == "active"
        do_ends = start + timedelta(days=rng.randint(14, 28))
        if running:
            stage = rng.choice(("plan", "do", "do", "study", "act"))
            if life.phase == "sustain" and stage in ("plan", "do"):
                stage = "study"
            stuck = stage == "do" and rng.random() < 0.35
            since = start if stage in ("plan", "do") else min(today, do_ends)
            if stuck:  # Do planned to end weeks ago, and still no Study
                do_ends = min(do_ends, today - timedelta(days=rng.randint(20, 60)))
                since = min(since, do_ends - timedelta(days=14))
            decision = None
        else:
            stage, decision = "closed", rng.choice(("adopt", "adapt", "adapt", "abandon"))
            since = min(today, (starts[k + 1] if k + 1 < n else last) - timedelta(days=1))
        since = max(since, start)
        row_id = next_id()
        rows.append({
            "id": row_id, "initiative_id": life.id, "parent_id": parent,
            "title": f"Cycle {k + 1}: {CYCLE_TITLES[(life.id + k) % len(CYCLE_TITLES)].lower()}",
            "stage": stage, "question": "Will the change work for this group?",
            "prediction": "At least 80% of sessions happen as planned.",
            "plan_notes": "Two classes, four weeks; the lead collects the session log.",
            "do_notes": "Ran as planned apart from one week of trips." if stage != "plan" else "",
            "study_notes": "84% of sessions happened; Friday slots missed." if stage in ("study", "act", "closed") else "",
            "act_decision": decision, "act_notes": ACT_NOTES[decision] if decision else "",
            "stage_since": since, "do_ends_on": do_ends, "owner_id": life.owner_id,
            "created_at": at(start, 9)})
        parent = row_id if decision in ("adopt", "adapt") else None
    return rows


def measures(life, rng, next_id):
    """The initiative's measures from Prepare on: its theme's outcome, then implementation,
    balancing and process ones."""
    theme, count = life.theme, LONG["measures"] if life.long else 1 + (life.id % 3)
    specs = [(theme[3], theme[4], theme[5], float(theme[6]), float(theme[7]), "outcome")]
    specs += list(MEASURE_EXTRAS[:count - 1])
    baseline_until = life.deliver_from + timedelta(weeks=8) if life.deliver_from else None
    return [{"id": next_id(), "initiative_id": life.id, "name": name, "unit": unit, "kind": kind,
             "higher_is_better": higher, "baseline": baseline, "target": target,
             "baseline_until": baseline_until}
            for name, unit, higher, baseline, target, kind in specs]


def measure_weeks(life, today):
    """The weeks a measure of ``life`` can have a point: from Prepare (or 8 weeks before
    Deliver) to its end or today, so none is in the future."""
    entered = next((day for day, _f, to, _r in life.moves if to == "prepare"), None)
    if entered is None:
        return 0, None
    last = life.ended_on or today
    return max(0, (last - entered).days // 7), last


def points(measure, schools, n, last, deliver_from, rng):
    """``n`` weekly points ending on ``last``, split over ``schools`` (None: the whole): the
    baseline's common-cause noise, then a move towards the target once in Deliver."""
    base, target = measure["baseline"], measure["target"]
    noise, rows = abs(target - base) / 6 or 1.0, []
    shares = spread(n, [1] * len(schools))
    for school_id, count in zip(schools, shares):
        level = base + rng.uniform(-noise, noise)
        for week in range(count - 1, -1, -1):
            on = last - timedelta(weeks=week)
            value = level + rng.gauss(0, noise)
            if deliver_from is not None and on > deliver_from + timedelta(weeks=8):
                weeks_in = (on - deliver_from).days / 7 - 8
                value += (target - base) * min(1.0, weeks_in / 40)
            if measure["unit"] == "%":
                value = min(100.0, max(0.0, value))
            rows.append({"measure_id": measure["id"], "school_id": school_id, "on": on,
                         "value": round(max(0.0, value), 1)})
    return rows


def reviews(life, today, rng):
    """De-implementation reviews every 90 days from entering Deliver: the past ones decided
    (a stopped initiative's last one decides to stop it), and one waiting while it runs."""
    if life.deliver_from is None:
        return []
    rows, due = [], life.deliver_from + timedelta(days=REVIEW_DAYS)
    end = life.ended_on or today
    while due <= end:
        decision = "adapt" if rng.random() < 0.2 else "continue"
        decided = min(today, due + timedelta(days=rng.randint(0, 12)))
        if life.ended_on and decided >= life.ended_on:
            break
        rows.append(_review(life, due, decision, decided))
        due = decided + timedelta(days=REVIEW_DAYS)
    if life.status == "deimplemented":
        rows.append(_review(life, life.ended_on, "deimplement", life.ended_on,
                            freed=float(rng.randint(2, 30))))
    elif life.status == "active" and life.phase in ("deliver", "sustain"):
        # Now and then a review falls overdue; otherwise the next waits its date.
        rows.append(_review(life, due if rng.random() < 0.9 else today - timedelta(days=rng.randint(5, 40)),
                            None, None))
    return rows


def _review(life, due, decision, decided, freed=None):
    return {"initiative_id": life.id, "due_on": due, "decision": decision, "decided_on": decided,
            "decided_by_id": life.mover_id if decision else None, "reviewer_id": life.owner_id,
            "rationale": REVIEW_RATIONALES[decision] if decision else "",
            "impact_evidence": "Run chart read at the review." if decision else "",
            "opportunity_cost": "", "workload": "Reported as manageable in the staff survey." if decision else "",
            "would_stop": "Two after-school sessions a week." if decision == "deimplement" else "",
            "freed_expert_days": freed}


def one_out(life, row, earlier, today, rng):
    """What it stops to make room, from entering Deliver: mostly a named practice (most
    stopped on time), sometimes an older initiative of its school."""
    if life.deliver_from is None or rng.random() < 0.3:
        return
    due = life.deliver_from + timedelta(days=rng.randint(30, 90))
    row["out_due_on"] = due
    if earlier and rng.random() < 0.25:
        row["out_initiative_id"] = rng.choice(earlier)
        return
    row["out_practice"] = OUT_PRACTICES[life.id % len(OUT_PRACTICES)]
    if due - timedelta(days=10) <= today and rng.random() < 0.85:
        row["out_done_on"] = min(today, due - timedelta(days=rng.randint(-10, 10)))

