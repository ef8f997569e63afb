"""Capacity: expert teachers, their leave, their allocations, and who is free.

The rules, in the domain's words:

- An expert's **load** on a day is the sum of the ``days_per_week`` of their allocations
  that are not cancelled and cover that day (planned, confirmed and delivered all count),
  plus their whole ``days_per_week`` on a day they are unavailable (leave, a course).
- They are **over-allocated** on any day where that load exceeds their own
  ``days_per_week``. Because the rule is by day, allocations that follow each other
  (one ends on Sunday, the next starts on Monday) never clash, and ones that overlap
  by even one day add up on that day.
- A **week** is an ISO week (``2026-W49``: Monday to Sunday; the year is the ISO year,
  so 2020-12-31 is in ``2020-W53`` and 2021-01-01 too). A week's load is the greatest
  daily load within it: the question a planner asks of a week is "is there a day in it
  when this person is asked for more than they have", not an average that would hide it.
  Ranges asked about are widened to whole weeks.
- A new or changed allocation that makes the load worse on a day that is then over
  the expert's days is refused with ``OverAllocated`` (the weeks, their load and the
  excess), unless it carries an ``override_reason``: that is stored on the allocation
  and logged as an ``override`` event. The central team owns capacity, so they (and
  admins) may override, as they are the ones who allocate. A change that adds no load
  on any over-allocated day (confirming, marking delivered, shortening, cancelling) is
  never refused, so an allocation let through once is not refused again for a status
  change.
- An allocation for more days a week than the expert's contract is over-allocation,
  not invalid input: it gets 409 and can be overridden (extra days agreed and paid).
  More days than a week has is invalid (422).
- A **new** allocation must not end in the past (before the trust's today): planning
  is about weeks to come, and a January booking typed in December is a typo, not a
  plan. It is refused as invalid, naming ``ends_on``. An allocation already stored
  stays editable and cancellable after it ends (marking it delivered, correcting its
  days, cancelling one that never happened), so the record can be put right.
- Leave is a fact, not a request: recording it is never refused, even when it puts the
  expert over their days; the planner and ``over_allocations`` then show it.
- **Expert days** (what a school receives, what a de-implementation frees) are one rule,
  ``expert_days``: an allocation gives its ``days_per_week`` for each five weekdays it
  runs (a Monday-to-Friday week at 2 days a week gives 2; a weekend gives none).
- **Who is free** for so many days a week over a range counts days the same way: in each
  ISO week, the expert's spare is the mean, over the weekdays asked about, of their
  ``days_per_week`` less that day's load (never below nothing). A one-day course takes a
  fifth of that week, not the whole week. (An allocation laid over the course day itself
  is still judged by the load rule above, day by day.)

The package, a floor at a time: ``arithmetic`` (``Span``, ``load_segments``,
``weekly_loads``, ``refused_weeks``, ``expert_days``, ``spare_by_week``) is pure and knows
no tables, so it is tested with plain dates; ``terms`` names the school terms; ``loading``
reads what the arithmetic needs; ``questions`` and ``planner`` answer planners, each in a
fixed number of queries whatever the number of experts or allocations; ``experts`` and
``allocations`` change the records. Everything public is importable from here.
"""
from tracker import clock  # noqa: F401  (tests freeze ``capacity.clock.today``)
from tracker.capacity.allocations import (
    PAST_MESSAGE, allocate, change_allocation, find_allocations, get_allocation)
from tracker.capacity.arithmetic import (
    ONE_DAY, PLACES, Span, WeekLoad, expert_days, iso_week, load_on, load_segments, monday_of,
    mondays, over_weeks, refused_weeks, spare_by_week, weekdays_between, weekly_loads)
from tracker.capacity.experts import (
    MAX_SPECIALISMS, add_unavailability, create_expert, find_experts, get_expert,
    remove_unavailability, unavailability_of, update_expert)
from tracker.capacity.loading import MAX_RANGE_DAYS, normalise_specialism
from tracker.capacity.planner import planner
from tracker.capacity.questions import (
    GOLDEN_RATIO, available_experts, days_received, days_received_by_school, golden_rule,
    initiatives_without_capacity, load_by_week, over_allocations, uncovered_page)
from tracker.capacity.terms import Term, next_term, previous_term, term_of

__all__ = [
    "Span", "WeekLoad", "Term", "iso_week", "monday_of", "mondays", "load_segments", "load_on",
    "weekly_loads", "over_weeks", "refused_weeks", "term_of", "next_term", "previous_term",
    "spare_by_week", "expert_days",
    "load_by_week", "over_allocations", "initiatives_without_capacity", "days_received",
    "days_received_by_school", "available_experts", "golden_rule", "planner",
    "find_experts", "get_expert", "create_expert", "update_expert", "unavailability_of",
    "add_unavailability", "remove_unavailability", "find_allocations", "get_allocation",
    "allocate", "change_allocation", "weekdays_between",
    "ONE_DAY", "PLACES", "MAX_RANGE_DAYS", "MAX_SPECIALISMS", "GOLDEN_RATIO", "PAST_MESSAGE",
    "normalise_specialism", "uncovered_page",
]
