"""Worked examples for tracker.runcharts, derived by hand from RUNCHARTS.md.

Points are weekly from Monday 2026-01-05; spans are given as week indices
(0 = 2026-01-05) so that each expectation can be checked against its list.
"""
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest

from tracker.runcharts import RUNS_TABLE, anhoej, describe, run_chart, xmr

START = date(2026, 1, 5)


def week(i):
    return START + timedelta(weeks=i)


def series(values):
    return [(week(i), v) for i, v in enumerate(values)]


def index(on):
    return (on - START).days // 7


def spans(chart, rule):
    """(first week, last week, direction) of each signal of ``rule``."""
    return [(index(s.start_on), index(s.end_on), s.direction)
            for s in chart.signals if s.rule == rule]


# --------------------------------------------------------------------------- median


@pytest.mark.parametrize("values, median", [
    ([1, 2, 3], 2),            # odd count: the middle value
    ([4, 1, 3, 2], 2.5),       # even count, unsorted: (2 + 3) / 2
    ([1, 2, 3, 100], 2.5),     # an outlier does not move the median
    ([-3, -1, -2, -5], -2.5),  # negatives: sorted -5 -3 -2 -1, (-3 + -2) / 2
    ([0.1, 0.2], 0.15),        # exact decimal arithmetic, not 0.15000000000000002
    ([], None),                # no points, no centre line
])
def test_median_is_the_middle_value_or_the_mean_of_the_middle_two(values, median):
    assert run_chart(series(values)).median == median


def test_points_are_sorted_by_date_before_any_rule_is_applied():
    # Given backwards, 1..5 is a falling series; sorted it is a 5-point rise.
    chart = run_chart(list(reversed(series([1, 2, 3, 4, 5]))))
    assert [p.value for p in chart.points] == [1, 2, 3, 4, 5]
    assert spans(chart, "trend") == [(0, 4, "up")]


# --------------------------------------------------------------------------- IHI shift


@pytest.mark.parametrize("values, expected", [
    # 6 lows and 6 highs, median (1 + 9) / 2 = 5: six on each side is a shift each.
    ([1] * 6 + [9] * 6, [(0, 5, "below"), (6, 11, "above")]),
    # 5 and 5, median 5: five is one short on both sides.
    ([1] * 5 + [9] * 5, []),
    # 13 points, sorted 2 2 2 3 3 3 5 8 8 8 9 9 9: median 5 = the value at week 2.
    # Week 2 is skipped, so weeks 0-6 hold six useful lows: one shift 0-6.
    ([2, 3, 5, 2, 3, 2, 3, 8, 9, 8, 9, 8, 9], [(0, 6, "below"), (7, 12, "above")]),
    # 11 points, median 5 (week 2): five lows + one point on the median is not six.
    ([2, 3, 5, 2, 3, 2, 8, 9, 8, 9, 8], []),
    # 14 points, two 5s in the middle of the sort: median (5 + 5) / 2 = 5. The points
    # on the median at weeks 0 and 7 are left out of the spans.
    ([5, 2, 3, 2, 3, 2, 3, 5, 8, 9, 8, 9, 8, 9], [(1, 6, "below"), (8, 13, "above")]),
    # 12 lows then 12 highs: each run of 12 is one shift, not two.
    ([1] * 12 + [9] * 12, [(0, 11, "below"), (12, 23, "above")]),
    # Negative values: median (-9 + -1) / 2 = -5; -9s below, -1s above.
    ([-9] * 6 + [-1] * 6, [(0, 5, "below"), (6, 11, "above")]),
])
def test_shift_needs_six_useful_points_on_one_side(values, expected):
    assert spans(run_chart(series(values)), "shift") == expected


def test_points_on_the_median_neither_break_nor_extend_a_shift():
    # Same as the third case above, spelled out: week 2 sits on the median.
    chart = run_chart(series([2, 3, 5, 2, 3, 2, 3, 8, 9, 8, 9, 8, 9]))
    assert [p.useful for p in chart.points[:3]] == [True, True, False]
    assert chart.points[2].side == "on"
    assert [s.count for s in chart.signals if s.rule == "shift"] == [6, 6]


# --------------------------------------------------------------------------- IHI trend


@pytest.mark.parametrize("values, expected", [
    ([5, 1, 2, 3, 4, 5, 1], [(1, 5, "up")]),     # 5 points = 4 rises (weeks 1-5)
    ([5, 1, 2, 3, 4, 1], []),                    # 4 points = 3 rises: too short
    ([5, 4, 3, 2, 1], [(0, 4, "down")]),         # falling counts the same way
    ([1, 2, 2, 3, 4, 5], [(0, 5, "up")]),        # the repeated 2 is skipped: still 5 points
    ([1, 2, 2, 2, 3, 4], []),                    # ties do not make a trend: 1 2 3 4 is 4 points
    ([1, 1, 2, 3, 4, 5, 5], [(1, 5, "up")]),     # plateaus at either end are left out
    # Turning point at week 4 belongs to both trends.
    ([1, 2, 3, 4, 5, 4, 3, 2, 1], [(0, 4, "up"), (4, 8, "down")]),
    # Turning plateau: the rise ends at its first point, the fall starts at its last.
    ([1, 2, 3, 4, 5, 5, 4, 3, 2, 1], [(0, 4, "up"), (5, 9, "down")]),
    ([-1, -2, -3, -4, -5], [(0, 4, "down")]),    # negatives
    ([4] * 8, []),                               # all equal: no moves at all
])
def test_trend_needs_five_points_rising_or_falling_with_ties_skipped(values, expected):
    assert spans(run_chart(series(values)), "trend") == expected


def test_trend_counts_points_not_steps():
    chart = run_chart(series([1, 2, 2, 3, 4, 5]))
    assert [s.count for s in chart.signals if s.rule == "trend"] == [5]


# --------------------------------------------------------------------------- IHI runs


@pytest.mark.parametrize("values, expected", [
    # 11 points, sorted 1x4 5 5 9x5: median 5, so 9 useful points in 2 runs.
    # With 9 useful points the rule does not apply at all.
    ([1, 1, 1, 1, 5, 5, 9, 9, 9, 9, 9], []),
    # 11 points, 1x5 5 9x5: median 5, 10 useful points in 2 runs < lower limit 3.
    ([1, 1, 1, 1, 1, 5, 9, 9, 9, 9, 9], [(0, 10, "too_few")]),
    # n = 10 (median (1 + 9) / 2 = 5), runs 111|99999|11 = 3 = lower limit: no signal.
    ([1, 1, 1, 9, 9, 9, 9, 9, 1, 1], []),
    # n = 10, runs 11111|99999 = 2, one below the lower limit 3.
    ([1] * 5 + [9] * 5, [(0, 9, "too_few")]),
    # n = 10, runs 1|9|1|9|1|9|1|99|1 = 9 = upper limit: no signal.
    ([1, 9, 1, 9, 1, 9, 1, 9, 9, 1], []),
    # n = 10, fully alternating: 10 runs, one above the upper limit 9.
    ([1, 9] * 5, [(0, 9, "too_many")]),
])
def test_runs_rule_flags_too_few_or_too_many_runs_for_ten_to_sixty_useful_points(values, expected):
    assert spans(run_chart(series(values)), "runs") == expected


@pytest.mark.parametrize("count, expected", [
    # Median frozen at (1 + 9) / 2 = 5 by the first two points; alternating, so
    # runs = n. n = 60: 60 runs > 38, too many. n = 61: outside the table.
    (60, [(0, 59, "too_many")]),
    (61, []),
])
def test_runs_rule_stops_at_sixty_useful_points(count, expected):
    values = ([1, 9] * 31)[:count]
    assert spans(run_chart(series(values), baseline_count=2), "runs") == expected


def test_runs_signal_spans_the_whole_chart_including_points_on_the_median():
    # Week 0 and week 11 are on the median 5 (1x5, 5 5, 9x5 -> (5 + 5) / 2);
    # 10 useful points in 2 runs: too few, spanning weeks 0-11.
    chart = run_chart(series([5, 1, 1, 1, 1, 1, 9, 9, 9, 9, 9, 5]))
    assert spans(chart, "runs") == [(0, 11, "too_few")]


PUBLISHED_RUNS_TABLE = """
10: 3–9, 11: 3–10, 12: 3–11, 13: 4–11, 14: 4–12, 15: 5–12, 16: 5–13, 17: 5–13, 18: 6–14,
19: 6–15, 20: 6–16, 21: 7–16, 22: 7–17, 23: 7–17, 24: 8–18, 25: 8–18, 26: 9–19, 27: 10–19,
28: 10–20, 29: 10–20, 30: 11–21, 31: 11–22, 32: 11–23, 33: 12–23, 34: 12–24, 35: 12–24,
36: 13–25, 37: 13–25, 38: 14–26, 39: 14–26, 40: 15–27, 41: 15–27, 42: 16–28, 43: 16–28,
44: 17–29, 45: 17–30, 46: 17–31, 47: 18–31, 48: 18–32, 49: 19–32, 50: 19–33, 51: 20–33,
52: 20–34, 53: 21–34, 54: 21–35, 55: 22–35, 56: 22–35, 57: 23–36, 58: 23–37, 59: 24–38,
60: 24–38.
"""


def test_runs_table_is_the_published_table_verbatim():
    # Copied from RUNCHARTS.md (Perla et al. 2011, Table 1); irregular on purpose.
    published = {int(n): (int(lo), int(hi))
                 for n, lo, hi in re.findall(r"(\d+): (\d+)–(\d+)", PUBLISHED_RUNS_TABLE)}
    assert RUNS_TABLE == published
    assert sorted(RUNS_TABLE) == list(range(10, 61))


# --------------------------------------------------------------------------- astronomical


def test_astronomical_point_is_strictly_beyond_the_xmr_limits_of_the_same_points():
    # 1x9 then 10: mean 1.9, moving ranges 0x8 and 9, MR-bar 1, UCL 4.56.
    chart = run_chart(series([1] * 9 + [10]))
    assert spans(chart, "astronomical") == [(9, 9, "above")]


def test_astronomical_limits_come_from_the_frozen_baseline():
    # Baseline 2 4 3 5 6: mean 4, MR-bar 1.5, UCL 7.99, so 8 is beyond. Over all six
    # points: mean 28/6, MR-bar 8/5, UCL 4.667 + 4.256 = 8.92, so 8 is not.
    values = [2, 4, 3, 5, 6, 8]
    assert spans(run_chart(series(values), baseline_count=5), "astronomical") == [(5, 5, "above")]
    assert spans(run_chart(series(values)), "astronomical") == []


# --------------------------------------------------------------------------- baseline


def test_baseline_freezes_the_median_on_the_leading_points():
    # Baseline 1 2 3 -> median 2: week 1 on it, weeks 2-8 above = 7 useful, a shift.
    # Unfrozen, the median of all nine is 8 and there is no shift.
    values = [1, 2, 3, 7, 8, 9, 10, 11, 12]
    frozen = run_chart(series(values), baseline_count=3)
    assert frozen.median == 2
    assert [p.in_baseline for p in frozen.points] == [True] * 3 + [False] * 6
    assert spans(frozen, "shift") == [(2, 8, "above")]
    assert spans(run_chart(series(values)), "shift") == []


def test_baseline_longer_than_the_data_uses_all_points():
    assert run_chart(series([1, 2, 3]), baseline_count=10).median == 2


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-1, ValueError),
                                        (2.5, TypeError), (True, TypeError)])
def test_baseline_count_must_be_a_positive_whole_number(bad, error):
    # A float is refused: it is most likely a measure's baseline value.
    with pytest.raises(error):
        run_chart(series([1, 2, 3]), baseline_count=bad)


# --------------------------------------------------------------------------- all equal


def test_all_equal_values_give_no_signal_under_any_rule():
    # Every point is on the median and the mean; MR-bar 0 so UCL = LCL = 4, and
    # no point is strictly beyond them.
    points = series([4] * 12)
    chart, anh, spc = run_chart(points), anhoej(points), xmr(points, True)
    assert chart.signals == anh.signals == spc.signals == []
    assert chart.useful_observations == 0
    assert (anh.longest_run_limit, anh.crossings_limit) == (None, None)
    assert (spc.mean, spc.mr_mean, spc.ucl, spc.lcl) == (4, 0, 4, 4)


# --------------------------------------------------------------------------- Anhøj


@pytest.mark.parametrize("values, crossings, longest_run", [
    ([9, 5, 1], 1, 1),        # + 0 -: median 5; one crossing through the median point
    ([9, 5, 9, 1, 1], 1, 2),  # + 0 + - -: median 5; + 0 + is no crossing, the run is 2
    ([9, 5, 1, 1, 9], 2, 2),  # + 0 - - +: two crossings
])
def test_anhoej_drops_points_on_the_median(values, crossings, longest_run):
    chart = anhoej(series(values))
    assert (chart.crossings, chart.longest_run) == (crossings, longest_run)


@pytest.mark.parametrize("n, run_limit, crossings_limit", [
    # round(log2 n) + 3 and qbinom(0.05, n - 1, 0.5), the smallest k with P(X <= k) >= .05:
    (2, 4, 0),    # log2 2 = 1; Bin(1): P(X<=0) = 1/2
    (5, 5, 0),    # log2 5 = 2.32; Bin(4): P(X<=0) = 1/16 = .0625
    (6, 6, 1),    # log2 6 = 2.58; Bin(5): P(X<=0) = 1/32 = .031, P(X<=1) = 6/32 = .19
    (10, 6, 2),   # log2 10 = 3.32; Bin(9): P(X<=1) = 10/512 = .020, P(X<=2) = 46/512 = .090
    (16, 7, 4),   # log2 16 = 4; Bin(15): P(X<=3) = 576/32768 = .018, P(X<=4) = 1941/32768 = .059
    (20, 7, 6),   # log2 20 = 4.32; Bin(19): P(X<=5) = 16664/2^19 = .032, P(X<=6) = 43796/2^19 = .084
    (30, 8, 10),  # log2 30 = 4.91; Bin(29): P(X<=9) = .031, P(X<=10) = 36519556/2^29 = .068
])
def test_anhoej_limits_follow_log2_and_the_binomial_fifth_percentile(n, run_limit, crossings_limit):
    # Median frozen at 5 by the first two points; alternating 1 9 gives n useful points.
    chart = anhoej(series(([1, 9] * 15)[:n]), baseline_count=2)
    assert (chart.longest_run_limit, chart.crossings_limit) == (run_limit, crossings_limit)
    assert chart.crossings == n - 1 and chart.signals == []


def test_anhoej_flags_a_run_longer_than_its_limit_and_too_few_crossings():
    # n = 16, median 5: longest run 8 > 7 (log2 16 + 3), crossings 1 < 4.
    chart = anhoej(series([1] * 8 + [9] * 8))
    assert (chart.longest_run, chart.crossings) == (8, 1)
    assert spans(chart, "shift") == [(0, 7, "below")]  # the earliest of the two longest
    assert spans(chart, "crossings") == [(0, 15, "too_few")]


def test_anhoej_run_equal_to_its_limit_is_not_a_shift():
    # n = 16 (8 lows, 8 highs, median 5): longest run 7 = limit 7.
    chart = anhoej(series([1] * 7 + [9] * 7 + [1, 9]))
    assert chart.longest_run == 7 and spans(chart, "shift") == []


def test_anhoej_with_no_points_has_no_limits_and_no_signal():
    chart = anhoej([])
    assert (chart.median, chart.longest_run, chart.longest_run_limit,
            chart.crossings, chart.crossings_limit, chart.signals) == (None, 0, None, 0, None, [])


# --------------------------------------------------------------------------- XmR


def test_xmr_limits_are_mean_plus_or_minus_2_66_mean_moving_ranges():
    # Mean 20/5 = 4; moving ranges 2 1 2 1, MR-bar 1.5; 2.66 x 1.5 = 3.99.
    chart = xmr(series([2, 4, 3, 5, 6]), True)
    assert (chart.mean, chart.mr_mean) == (4, 1.5)
    assert (chart.ucl, chart.lcl) == (pytest.approx(7.99), pytest.approx(0.01))
    assert [p.moving_range for p in chart.points] == [None, 2, 1, 2, 1]


def test_xmr_limits_with_negative_values():
    # The example above negated: mean -4, MR-bar 1.5, limits -7.99 and -0.01.
    chart = xmr(series([-2, -4, -3, -5, -6]), True)
    assert (chart.mean, chart.mr_mean) == (-4, 1.5)
    assert (chart.lcl, chart.ucl) == (pytest.approx(-7.99), pytest.approx(-0.01))


@pytest.mark.parametrize("last, expected", [
    (7.99, []),                     # exactly on the UCL: not beyond
    (7.991, [(5, 5, "above")]),     # just past it
    (0.01, []),                     # exactly on the LCL
    (0, [(5, 5, "below")]),
])
def test_beyond_limits_means_strictly_beyond(last, expected):
    # Limits frozen on 2 4 3 5 6: 0.01 and 7.99 exactly (decimal arithmetic).
    chart = xmr(series([2, 4, 3, 5, 6, last]), True, baseline_count=5)
    assert spans(chart, "beyond_limits") == expected


@pytest.mark.parametrize("last, expected", [
    (1.79, []), (1.791, [(5, 5, "above")]),           # UCL 1.125 + 2.66 x 0.25 = 1.79
    (-1.79, []), (-1.791, [(5, 5, "below")]),         # the same negated: LCL -1.79
])
def test_exactly_on_a_limit_holds_whatever_the_decimals_and_sign(last, expected):
    """Values of different decimals (1, 1.25, 1.791) and negative limits are compared exactly:
    on the limit is not beyond it, a thousandth past it is."""
    sign = -1 if last < 0 else 1
    chart = xmr(series([sign * v for v in (1, 1.25, 1, 1.25, 1)][:4] + [sign * 1.25, last]), True,
                baseline_count=4)
    assert spans(chart, "beyond_limits") == expected


@pytest.mark.parametrize("values", [[], [5]])
def test_xmr_with_fewer_than_two_points_has_no_limits_and_no_signals(values):
    chart = xmr(series(values), True, target=5)
    assert (chart.mr_mean, chart.ucl, chart.lcl, chart.signals) == (None, None, None, [])
    assert chart.target_within_limits is None
    assert chart.mean == (values[0] if values else None)


@pytest.mark.parametrize("values, expected", [
    # Mean (10 + 32) / 14 = 3; 7 below, then 7 above. MR-bar 16/13, so the limits
    # (-0.27, 6.27) and two-sigma lines (0.82, 5.18) are never crossed.
    ([1, 2, 1, 2, 1, 2, 1, 5, 4, 5, 4, 5, 4, 5], [(0, 6, "below"), (7, 13, "above")]),
    # Six and six, mean 36/12 = 3: too short.
    ([1, 2, 1, 2, 1, 2, 5, 4, 5, 4, 5, 4], []),
    # Mean 54/18 = 3 and weeks 4 and 13 are exactly 3: a point on the mean breaks
    # the runs of 8 into 4 + 4.
    ([1, 2, 1, 2, 3, 1, 2, 1, 2, 4, 5, 4, 5, 3, 4, 5, 4, 5], []),
])
def test_xmr_shift_needs_seven_points_on_one_side_and_the_mean_breaks_it(values, expected):
    assert spans(xmr(series(values), True), "shift") == expected


def test_point_on_the_centre_line_breaks_an_xmr_shift_but_not_an_ihi_shift():
    # The last case above: the IHI median is (3 + 3) / 2 = 3 too, but the IHI rule
    # skips the 3s, leaving 8 useful points on each side.
    points = series([1, 2, 1, 2, 3, 1, 2, 1, 2, 4, 5, 4, 5, 3, 4, 5, 4, 5])
    assert spans(run_chart(points), "shift") == [(0, 8, "below"), (9, 17, "above")]
    assert spans(xmr(points, True), "shift") == []


@pytest.mark.parametrize("values, expected", [
    ([1, 2, 3, 4, 5, 6, 7], [(0, 6, "up")]),             # 7 points = 6 rises
    ([1, 2, 3, 4, 5, 6], []),                            # 6 points: too short
    ([1, 2, 3, 4, 4, 5, 6, 7], []),                      # the tie breaks it into 4 + 4
    # Turning point at week 6 belongs to both trends.
    ([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1], [(0, 6, "up"), (6, 12, "down")]),
])
def test_xmr_trend_needs_seven_strictly_moving_points_and_a_tie_breaks_it(values, expected):
    assert spans(xmr(series(values), True), "trend") == expected


# Baseline 4 6 4 6 4 6: mean 5, MR-bar 2, UCL 10.32, LCL -0.32, sigma 2.66 x 2 / 3
# = 1.773, so the two-sigma lines are 8.547 and 1.453.
TWO_SIGMA_BASELINE = [4, 6, 4, 6, 4, 6]


@pytest.mark.parametrize("tail, expected", [
    ([9, 5, 9], [(6, 8, "above", 2)]),        # two of three above 8.547, inside the UCL
    ([9, 5, 5, 9], []),                       # two beyond, but never within three points
    ([9, 9, 9], [(6, 8, "above", 3)]),        # overlapping windows: one signal
    ([1, 5, 1], [(6, 8, "below", 2)]),        # below 1.453, inside the LCL
    ([9, 5, 1], []),                          # one each side: not the same side
])
def test_two_of_three_beyond_two_sigma_on_the_same_side(tail, expected):
    chart = xmr(series(TWO_SIGMA_BASELINE + tail), True, baseline_count=6)
    found = [(index(s.start_on), index(s.end_on), s.direction, s.count)
             for s in chart.signals if s.rule == "two_of_three"]
    assert found == expected
    assert spans(chart, "beyond_limits") == []


@pytest.mark.parametrize("higher_is_better, beyond_kind, shift_kind", [
    (True, "improvement", "concern"),
    (False, "concern", "improvement"),
    (None, "concern", "concern"),  # direction unknown: every signal is one to look into
])
def test_signal_kind_follows_the_measures_direction(higher_is_better, beyond_kind, shift_kind):
    # 5x9 then 14: mean 5.9, MR-bar 1, UCL 8.56. 14 is beyond (upwards); the nine
    # 5s are below the mean (downwards shift).
    chart = xmr(series([5] * 9 + [14]), higher_is_better)
    kinds = {s.rule: s.kind for s in chart.signals}
    assert kinds == {"beyond_limits": beyond_kind, "shift": shift_kind}


def test_a_falling_trend_is_an_improvement_when_lower_is_better():
    chart = xmr(series([7, 6, 5, 4, 3, 2, 1]), False)
    assert [s.kind for s in chart.signals if s.rule == "trend"] == ["improvement"]


@pytest.mark.parametrize("target, within", [
    (4, True), (7.99, True), (0.01, True),  # limits are inclusive
    (8, False), (0, False),
    (None, None),                           # no target, no answer
])
def test_target_within_limits_is_lcl_le_target_le_ucl(target, within):
    # Limits 0.01 and 7.99 as computed above.
    assert xmr(series([2, 4, 3, 5, 6]), True, target=target).target_within_limits is within


# --------------------------------------------------------------------------- input


@dataclass
class Row:
    on: object
    value: object


def test_points_may_be_pairs_mappings_or_objects_and_datetimes_become_dates():
    pairs = series([1, 2, 3])
    mappings = [{"on": on, "value": v} for on, v in pairs]
    objects = [Row(datetime(on.year, on.month, on.day, 9, 30), v) for on, v in pairs]
    dicts = [run_chart(p).to_dict() for p in (pairs, mappings, objects)]
    assert dicts[0] == dicts[1] == dicts[2]


@pytest.mark.parametrize("bad, error", [((week(0), float("nan")), ValueError),
                                        (("2026-01-05", 1), TypeError)])
def test_values_must_be_finite_and_dates_must_be_dates(bad, error):
    with pytest.raises(error):
        run_chart([bad])


# --------------------------------------------------------------------------- to_dict


def test_run_chart_to_dict_matches_the_api_shape():
    data = run_chart(series([1] * 6 + [9] * 6)).to_dict()
    json.dumps(data)  # JSON-ready
    assert {"median", "points", "signals"} <= data.keys()
    assert data["median"] == 5
    assert data["points"][0] == {"on": "2026-01-05", "value": 1.0, "useful": True,
                                 "side": "below", "in_baseline": True}
    assert {"rule": "shift", "start_on": "2026-01-05", "end_on": "2026-02-09",
            "direction": "below", "count": 6} in data["signals"]
    assert all("kind" not in s for s in data["signals"])


def test_anhoej_to_dict_adds_run_and_crossing_counts_and_limits():
    data = anhoej(series([1] * 8 + [9] * 8)).to_dict()
    json.dumps(data)
    assert {k: data[k] for k in ("longest_run", "longest_run_limit", "crossings",
                                 "crossings_limit")} == {"longest_run": 8, "longest_run_limit": 7,
                                                         "crossings": 1, "crossings_limit": 4}


def test_spc_to_dict_matches_the_api_shape():
    data = xmr(series([5] * 9 + [14]), True, target=6).to_dict()
    json.dumps(data)
    assert {"mean", "mr_mean", "ucl", "lcl", "points", "signals",
            "target_within_limits"} <= data.keys()
    assert data["signals"][0] == {"rule": "beyond_limits", "start_on": "2026-03-09",
                                  "end_on": "2026-03-09", "direction": "above", "count": 1,
                                  "kind": "improvement"}
    assert data["points"][0]["moving_range"] is None
    assert data["target_within_limits"] is True


# --------------------------------------------------------------------------- describe


def test_describe_says_each_run_chart_signal_in_plain_english():
    text = describe(run_chart(series([9] * 7 + [1] * 7)))
    assert "median 5." in text
    assert "A shift: 7 points above the median from 2026-01-05 to 2026-02-16." in text
    assert "Too few runs: 2 runs in 14 useful points, where 4 to 12 are expected" in text


def test_describe_says_when_there_is_nothing_to_see():
    assert "No signals" in describe(run_chart(series([4] * 12)))
    assert describe(run_chart([])) == "No points yet."
    assert describe(xmr([], True)) == "No points yet."


def test_describe_anhoej_names_the_limits():
    text = describe(anhoej(series([1] * 8 + [9] * 8)))
    assert "longest run is 8 points below the median, more than the limit of 7" in text
    assert "cross the median 1 time, fewer than the limit of 4" in text


def test_describe_spc_gives_kind_and_target():
    text = describe(xmr(series([5] * 9 + [14]), True, target=10))
    assert "limits 3.24 to 8.56." in text
    assert ("A point beyond the limits (improvement): above the upper limit 8.56 "
            "on 2026-03-09.") in text
    assert "A shift (concern): 9 points below the mean from 2026-01-05 to 2026-03-02." in text
    assert "The target 10 is outside the limits" in text
