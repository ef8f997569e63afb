"""Run charts and XmR (SPC) charts for the tracker's measures.

Pure functions over points ``(on, value)``: no database, no Flask. The rules are
those of /work/shared/RUNCHARTS.md (IHI run-chart rules, Anhøj rules, NHS
"Making Data Count" XmR rules), including every convention marked "(ours)".

Public API:
    run_chart(points, baseline_count=None) -> RunChart
    anhoej(points, baseline_count=None) -> AnhoejChart
    xmr(points, higher_is_better, target=None, baseline_count=None) -> SpcChart
    describe(chart) -> str

Points may be ``(on, value)`` pairs, mappings with "on"/"value" keys, or objects
with ``on``/``value`` attributes; ``on`` is a ``datetime.date`` (a datetime is
cut to its date) and ``value`` a finite number. They are sorted by date (stably,
so points sharing a date keep their given order).

``baseline_count`` freezes the centre line (and, for XmR, the limits) on the
first ``baseline_count`` points after sorting; later points are judged against
it. A count larger than the data uses all points, so a baseline can be frozen
before all of its points have arrived.

Arithmetic is exact (a float is read as the decimal it prints as, so 0.1 + 0.2
== 0.3) so that "on the median" and "strictly beyond a limit" are decided
exactly, as RUNCHARTS.md asks ("compare exactly"); numbers are reported as
floats. For speed (a trust's dashboard judges hundreds of series a request) the
values are whole numbers in units of their common denominator (``_prepare``),
centre lines and limits are ``Fraction`` of those units, and a whole number is
compared with a limit through the limit's floor or ceiling (``_above``/``_below``).
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from itertools import groupby
from typing import Any

__all__ = [
    "Signal", "RunPoint", "RunChart", "AnhoejChart", "SpcPoint", "SpcChart",
    "run_chart", "anhoej", "xmr", "describe", "RUNS_TABLE",
]

ABOVE, BELOW, ON = "above", "below", "on"
UP, DOWN = "up", "down"
TOO_FEW, TOO_MANY = "too_few", "too_many"
IMPROVEMENT, CONCERN = "improvement", "concern"

IHI_SHIFT_POINTS = 6
IHI_TREND_POINTS = 5
XMR_SHIFT_POINTS = 7
XMR_TREND_POINTS = 7
# 3 / d2 with d2 = 1.128 for moving ranges of two; exact so limits compare exactly.
XMR_FACTOR = Fraction("2.66")

# Perla, Provost & Murray (2011) Table 1: n useful observations -> (lower, upper)
# limits for the number of runs. Hard-coded as published: it is irregular and
# must not be recomputed.
RUNS_TABLE: dict[int, tuple[int, int]] = {
    10: (3, 9), 11: (3, 10), 12: (3, 11), 13: (4, 11), 14: (4, 12), 15: (5, 12),
    16: (5, 13), 17: (5, 13), 18: (6, 14), 19: (6, 15), 20: (6, 16), 21: (7, 16),
    22: (7, 17), 23: (7, 17), 24: (8, 18), 25: (8, 18), 26: (9, 19), 27: (10, 19),
    28: (10, 20), 29: (10, 20), 30: (11, 21), 31: (11, 22), 32: (11, 23), 33: (12, 23),
    34: (12, 24), 35: (12, 24), 36: (13, 25), 37: (13, 25), 38: (14, 26), 39: (14, 26),
    40: (15, 27), 41: (15, 27), 42: (16, 28), 43: (16, 28), 44: (17, 29), 45: (17, 30),
    46: (17, 31), 47: (18, 31), 48: (18, 32), 49: (19, 32), 50: (19, 33), 51: (20, 33),
    52: (20, 34), 53: (21, 34), 54: (21, 35), 55: (22, 35), 56: (22, 35), 57: (23, 36),
    58: (23, 37), 59: (24, 38), 60: (24, 38),
}


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Signal:
    """One signal of non-random variation.

    ``rule``: run chart ``shift|trend|runs|astronomical``; Anhøj ``shift|crossings``;
    XmR ``beyond_limits|shift|trend|two_of_three``.
    ``start_on``/``end_on``: the dates the signal spans (inclusive).
    ``direction``: ``above|below`` (side of the centre line or limit), ``up|down``
    (trends), ``too_few|too_many`` (runs, crossings).
    ``count``: what the rule counted: points for shift/trend/astronomical/
    beyond_limits/two_of_three (points beyond two sigma), runs for ``runs``,
    crossings for ``crossings``.
    ``kind``: ``improvement|concern`` on XmR signals only, else None.
    """

    rule: str
    start_on: dt.date
    end_on: dt.date
    direction: str | None = None
    count: int | None = None
    kind: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "rule": self.rule,
            "start_on": self.start_on.isoformat(),
            "end_on": self.end_on.isoformat(),
            "direction": self.direction,
            "count": self.count,
        }
        if self.kind is not None:  # the run-chart contract has no "kind"
            out["kind"] = self.kind
        return out


@dataclass(frozen=True)
class RunPoint:
    """A charted point; ``side`` is ``above|below|on`` relative to the median."""

    on: dt.date
    value: float
    side: str
    in_baseline: bool

    @property
    def useful(self) -> bool:
        """A useful observation is a point not exactly on the median."""
        return self.side != ON

    def to_dict(self) -> dict[str, Any]:
        return {"on": self.on.isoformat(), "value": self.value, "useful": self.useful,
                "side": self.side, "in_baseline": self.in_baseline}


@dataclass(frozen=True)
class RunChart:
    """IHI run chart: ``median`` is None when there are no points."""

    median: float | None
    points: list[RunPoint]
    signals: list[Signal]

    @property
    def useful_observations(self) -> int:
        return sum(p.useful for p in self.points)

    def to_dict(self) -> dict[str, Any]:
        return {
            "median": self.median,
            "useful_observations": self.useful_observations,
            "points": [p.to_dict() for p in self.points],
            "signals": [s.to_dict() for s in self.signals],
        }


@dataclass(frozen=True)
class AnhoejChart(RunChart):
    """Run chart under the Anhøj rules; both limits are None when n = 0."""

    longest_run: int
    longest_run_limit: int | None
    crossings: int
    crossings_limit: int | None

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out.update(longest_run=self.longest_run, longest_run_limit=self.longest_run_limit,
                   crossings=self.crossings, crossings_limit=self.crossings_limit)
        return out


@dataclass(frozen=True)
class SpcPoint:
    """An XmR point; ``moving_range`` is None for the first point, ``side`` is
    ``above|below|on`` relative to the mean (None when there is no mean)."""

    on: dt.date
    value: float
    moving_range: float | None
    side: str | None
    in_baseline: bool

    def to_dict(self) -> dict[str, Any]:
        return {"on": self.on.isoformat(), "value": self.value,
                "moving_range": self.moving_range, "side": self.side,
                "in_baseline": self.in_baseline}


@dataclass(frozen=True)
class SpcChart:
    """XmR chart. ``mr_mean``, ``ucl``, ``lcl`` are None with fewer than two
    (baseline) points; ``target_within_limits`` is None without a target or limits."""

    mean: float | None
    mr_mean: float | None
    ucl: float | None
    lcl: float | None
    points: list[SpcPoint]
    signals: list[Signal]
    target_within_limits: bool | None
    target: float | None = None
    higher_is_better: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": self.mean, "mr_mean": self.mr_mean, "ucl": self.ucl, "lcl": self.lcl,
            "points": [p.to_dict() for p in self.points],
            "signals": [s.to_dict() for s in self.signals],
            "target_within_limits": self.target_within_limits,
        }


# --------------------------------------------------------------------------- public


def run_chart(points: Iterable[Any], baseline_count: int | None = None) -> RunChart:
    """Apply the IHI run-chart rules (RUNCHARTS.md) to ``points``.

    Centre line: the median of all points, or of the first ``baseline_count``.
    Signals, in this order (each rule's signals in date order):
    ``shift`` 6+ consecutive useful points on one side (points on the median
    skipped; spans first to last useful point; a longer run is one shift);
    ``trend`` 5+ points strictly rising or falling (equal successive values
    skipped; spans the strict moves; a turning point belongs to both trends);
    ``runs`` too few or too many runs for n useful points, 10 <= n <= 60 only
    (spans the whole chart); ``astronomical`` a point strictly beyond the XmR
    limits computed from the same points as the centre line (the baseline when
    frozen), spanning that point.
    """
    dates, values, unit = _prepare(points)
    size = _baseline_size(baseline_count, len(values))
    median = _median(values[:size])
    sides = _sides(values, median)
    signals = [
        *_ihi_shifts(dates, sides),
        *_trends(dates, values, IHI_TREND_POINTS, skip_ties=True),
        *_ihi_runs(dates, sides),
        *_astronomical(dates, values, size),
    ]
    return RunChart(_float(median, unit), _run_points(dates, values, sides, size, unit), signals)


def anhoej(points: Iterable[Any], baseline_count: int | None = None) -> AnhoejChart:
    """Apply the Anhøj rules (qicharts2 ``runs.analysis``) to ``points``.

    n = useful observations (points on the median dropped). ``longest_run_limit``
    = round(log2(n)) + 3 (Python's round; log2 of a whole number is never exactly
    x.5, so half-to-even vs half-up never matters). ``crossings_limit`` =
    qbinom(0.05, n - 1, 0.5), the smallest k with P(X <= k) >= 0.05.
    Signals: ``shift`` when the longest run exceeds its limit, spanning that run
    (the earliest if several tie); ``crossings`` when crossings fall below their
    limit, spanning the whole chart. With n = 0 both limits are None and there
    is no signal.
    """
    dates, values, unit = _prepare(points)
    size = _baseline_size(baseline_count, len(values))
    median = _median(values[:size])
    sides = _sides(values, median)
    runs = _side_runs(sides)
    n = len(values) - sides.count(ON)
    longest = max(runs, key=lambda run: len(run[1]), default=(None, []))
    crossings = max(len(runs) - 1, 0)
    run_limit = round(math.log2(n)) + 3 if n else None
    cross_limit = _qbinom_05(n - 1) if n else None
    signals = []
    if run_limit is not None and len(longest[1]) > run_limit:
        signals.append(_span_signal("shift", dates, longest[1], longest[0]))
    if cross_limit is not None and crossings < cross_limit:
        signals.append(Signal("crossings", dates[0], dates[-1], TOO_FEW, crossings))
    return AnhoejChart(_float(median, unit), _run_points(dates, values, sides, size, unit), signals,
                       len(longest[1]), run_limit, crossings, cross_limit)


def xmr(points: Iterable[Any], higher_is_better: bool | None, target: float | None = None,
        baseline_count: int | None = None) -> SpcChart:
    """Build an XmR (individuals) chart with the NHS "Making Data Count" rules.

    Mean and MR̄ (mean moving range) come from all points or the first
    ``baseline_count``; limits = mean ± 2.66·MR̄, unscreened; sigma = 2.66·MR̄/3.
    Signals, in this order (each rule's in date order): ``beyond_limits`` a point
    strictly beyond a limit; ``shift`` 7+ consecutive points on one side of the
    mean (a point on the mean breaks it); ``trend`` 7+ consecutive points
    strictly rising or falling (a tie breaks it); ``two_of_three`` 2 of 3
    consecutive points strictly beyond two sigma on the same side (overlapping
    windows on one side merge into one signal spanning their beyond points).

    ``kind``: a signal upwards (above, rising) is an improvement when
    ``higher_is_better`` is True and a concern when it is False. When the
    direction is unknown (None) every signal is a "concern": the API has no
    "neither", and a special cause of unknown meaning is one to investigate,
    not to celebrate.

    With fewer than two (baseline) points ``mr_mean``, ``ucl``, ``lcl`` are None
    and the limit-based rules are not applied. ``target_within_limits`` is
    ``lcl <= target <= ucl``, or None without a target or limits.
    """
    dates, values, unit = _prepare(points)
    size = _baseline_size(baseline_count, len(values))
    mean, mr_mean = _xmr_centre(values[:size])
    ucl, lcl = _limits(mean, mr_mean)
    sides = _sides(values, mean) if mean is not None else [None] * len(values)
    raw = [*_beyond_limits(dates, values, ucl, lcl),
           *_xmr_shifts(dates, sides),
           *_trends(dates, values, XMR_TREND_POINTS, skip_ties=False),
           *_two_of_three(dates, values, mean, mr_mean)]
    signals = [_with_kind(s, higher_is_better) for s in raw]
    within = None
    if target is not None and ucl is not None:
        within = lcl <= _exact(target) * unit <= ucl
    return SpcChart(_float(mean, unit), _float(mr_mean, unit), _float(ucl, unit),
                    _float(lcl, unit), _spc_points(dates, values, sides, size, unit), signals, within,
                    None if target is None else float(target), higher_is_better)


def describe(chart: RunChart | SpcChart) -> str:
    """Say what a chart shows in plain English, for screen readers.

    One sentence for the centre line, one per signal in the chart's order, and
    for XmR charts one on the target; "No signals ..." when there are none.
    """
    if isinstance(chart, SpcChart):
        return _describe_spc(chart)
    if not chart.points:
        return "No points yet."
    lines = [f"Run chart of {_plural(len(chart.points), 'point')}; "
             f"median {_fmt(chart.median)}."]
    for signal in chart.signals:
        lines.append(_describe_run_signal(signal, chart))
    if not chart.signals:
        lines.append("No signals: the variation is consistent with chance.")
    return " ".join(lines)


# --------------------------------------------------------------------------- input


def _prepare(points: Iterable[Any]) -> tuple[list[dt.date], list[int], int]:
    """Coerce the points and sort them by date (stably): (dates, values, unit), each value
    a whole number of ``1/unit`` (the values' least common denominator), exactly."""
    pairs = sorted((_coerce(p) for p in points), key=lambda pair: pair[0])
    unit = math.lcm(*(value.denominator for _, value in pairs)) if pairs else 1
    return ([on for on, _ in pairs],
            [value.numerator * (unit // value.denominator) for _, value in pairs], unit)


def _exact(value: Any) -> Fraction:
    """The number as written: a float is read as its shortest decimal (0.1 is 1/10),
    so that 7.99 typed by a user equals a limit of exactly 7.99."""
    if not math.isfinite(float(value)):
        raise ValueError(f"values must be finite, not {value!r}")
    if isinstance(value, float):
        text = repr(value)
        whole, dot, decimals = text.partition(".")
        if "e" in text or "E" in text or not dot:
            return Fraction(text)
        # The same as Fraction(text), without its parsing: "95.25" is 9525/100.
        return Fraction(int(whole + decimals), 10 ** len(decimals))
    return Fraction(value)


def _coerce(point: Any) -> tuple[dt.date, Fraction]:
    if isinstance(point, Mapping):
        on, value = point["on"], point["value"]
    elif hasattr(point, "on") and hasattr(point, "value"):
        on, value = point.on, point.value
    else:
        on, value = point
    if isinstance(on, dt.datetime):
        on = on.date()
    if not isinstance(on, dt.date):
        raise TypeError(f"point date must be a datetime.date, not {type(on).__name__}")
    return on, _exact(value)


def _baseline_size(baseline_count: int | None, n: int) -> int:
    """How many leading points set the centre line: all of them without a baseline."""
    if baseline_count is None:
        return n
    # A float here is most likely a measure's baseline *value* passed by mistake.
    if isinstance(baseline_count, bool) or not isinstance(baseline_count, int):
        raise TypeError("baseline_count must be a whole number of points")
    if baseline_count < 1:
        raise ValueError("baseline_count must be at least 1")
    return min(baseline_count, n)


# --------------------------------------------------------------------------- arithmetic


def _median(values: list[int]) -> Fraction | None:
    """Median; the mean of the two middle values for an even count."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[mid])
    return Fraction(ordered[mid - 1] + ordered[mid], 2)


def _xmr_centre(values: list[int]) -> tuple[Fraction | None, Fraction | None]:
    """(mean, mean moving range) of ``values``; None where undefined."""
    if not values:
        return None, None
    mean = Fraction(sum(values), len(values))
    ranges = _moving_ranges(values)[1:]
    return mean, (Fraction(sum(ranges), len(ranges)) if ranges else None)


def _moving_ranges(values: list[int]) -> list[int | None]:
    return [None] + [abs(b - a) for a, b in zip(values, values[1:])]


def _limits(mean: Fraction | None, mr_mean: Fraction | None):
    if mean is None or mr_mean is None:
        return None, None
    return mean + XMR_FACTOR * mr_mean, mean - XMR_FACTOR * mr_mean


def _qbinom_05(size: int) -> int:
    """R's qbinom(0.05, size, 0.5): smallest k with P(X <= k) >= 0.05, exactly.

    P(X <= k) = sum(C(size, i), i <= k) / 2**size, so the test is 20·sum >= 2**size
    in integers (a tie is impossible: 5 never divides a power of two).
    """
    total, cumulative = 2 ** size, 0
    for k in range(size + 1):
        cumulative += math.comb(size, k)
        if 20 * cumulative >= total:
            return k
    return size  # unreachable: the full sum equals total


def _above(line: Fraction) -> int:
    """For a whole number v: v > line exactly when v > _above(line)."""
    return math.floor(line)


def _below(line: Fraction) -> int:
    """For a whole number v: v < line exactly when v < _below(line)."""
    return math.ceil(line)


def _sides(values: list[int], centre: Fraction | None) -> list[str]:
    if not values:  # (no points, no centre line)
        return []
    above, below = _above(centre), _below(centre)
    return [ABOVE if v > above else BELOW if v < below else ON for v in values]


def _float(x: Fraction | int | None, unit: int) -> float | None:
    """A number in units of ``1/unit`` as a float (correctly rounded)."""
    return None if x is None else float(Fraction(x, unit))


# --------------------------------------------------------------------------- rules


def _side_runs(sides: list[str | None], skip_on: bool = True) -> list[tuple[str, list[int]]]:
    """Maximal runs of consecutive points on one side, as (side, indices).

    With ``skip_on`` points on the centre line are dropped first, so they neither
    break nor extend a run (IHI, Anhøj); without it they form their own runs,
    which breaks the runs either side (XmR).
    """
    kept = [(i, s) for i, s in enumerate(sides) if not (skip_on and s == ON)]
    return [(side, [i for i, _ in group]) for side, group in groupby(kept, key=lambda t: t[1])]


def _monotone_runs(values: list[int], skip_ties: bool) -> list[tuple[str, int, int, int]]:
    """Maximal runs of strict moves in one direction, as (direction, first, last, points).

    A move is a step between successive points. With ``skip_ties`` equal steps
    are dropped, so a plateau neither makes nor breaks a run and the span starts
    at the last point of a leading plateau and ends at the first point of a
    trailing one. Without it an equal step breaks the run. Points = moves + 1;
    neighbouring runs share their turning point.
    """
    moves = [(i - 1, i, (values[i] > values[i - 1]) - (values[i] < values[i - 1]))
             for i in range(1, len(values))]
    if skip_ties:
        moves = [m for m in moves if m[2]]
    out = []
    for sign, group in groupby(moves, key=lambda m: m[2]):
        group = list(group)
        if sign:
            out.append((UP if sign > 0 else DOWN, group[0][0], group[-1][1], len(group) + 1))
    return out


def _span_signal(rule: str, dates: list[dt.date], indices: list[int], direction: str) -> Signal:
    return Signal(rule, dates[indices[0]], dates[indices[-1]], direction, len(indices))


def _ihi_shifts(dates, sides) -> list[Signal]:
    return [_span_signal("shift", dates, idx, side) for side, idx in _side_runs(sides)
            if len(idx) >= IHI_SHIFT_POINTS]


def _xmr_shifts(dates, sides) -> list[Signal]:
    return [_span_signal("shift", dates, idx, side)
            for side, idx in _side_runs(sides, skip_on=False)
            if side in (ABOVE, BELOW) and len(idx) >= XMR_SHIFT_POINTS]


def _trends(dates, values, minimum: int, skip_ties: bool) -> list[Signal]:
    return [Signal("trend", dates[first], dates[last], direction, count)
            for direction, first, last, count in _monotone_runs(values, skip_ties)
            if count >= minimum]


def _ihi_runs(dates, sides) -> list[Signal]:
    """Too few or too many runs for n useful observations (10 <= n <= 60 only)."""
    n = len(sides) - sides.count(ON)
    if n not in RUNS_TABLE:
        return []
    runs = len(_side_runs(sides))
    lower, upper = RUNS_TABLE[n]
    if lower <= runs <= upper:  # equal to a limit is not a signal
        return []
    return [Signal("runs", dates[0], dates[-1], TOO_FEW if runs < lower else TOO_MANY, runs)]


def _astronomical(dates, values, size: int) -> list[Signal]:
    ucl, lcl = _limits(*_xmr_centre(values[:size]))
    return [replace(s, rule="astronomical")
            for s in _beyond_limits(dates, values, ucl, lcl)]


def _beyond_limits(dates, values, ucl, lcl) -> list[Signal]:
    if ucl is None:
        return []
    above, below = _above(ucl), _below(lcl)
    return [Signal("beyond_limits", on, on, ABOVE if v > above else BELOW, 1)
            for on, v in zip(dates, values) if v > above or v < below]


def _two_of_three(dates, values, mean, mr_mean) -> list[Signal]:
    """2 of 3 consecutive points strictly beyond two sigma on one side.

    Each qualifying window gives a span from its first to its last beyond point;
    spans on one side that share a point merge, so one episode is one signal.
    """
    if mr_mean is None:
        return []
    two_sigma = 2 * XMR_FACTOR * mr_mean / 3
    above, below = _above(mean + two_sigma), _below(mean - two_sigma)
    flags = [ABOVE if v > above else BELOW if v < below else None for v in values]
    signals = []
    for side in (ABOVE, BELOW):
        spans = []
        for start in range(len(values) - 2):
            hits = [i for i in range(start, start + 3) if flags[i] == side]
            if len(hits) >= 2:
                spans.append([hits[0], hits[-1]])
        for first, last in _merge(spans):
            count = sum(flags[i] == side for i in range(first, last + 1))
            signals.append(Signal("two_of_three", dates[first], dates[last], side, count))
    return sorted(signals, key=lambda s: s.start_on)


def _merge(spans: list[list[int]]) -> list[list[int]]:
    merged: list[list[int]] = []
    for first, last in spans:  # already in start order
        if merged and first <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], last)
        else:
            merged.append([first, last])
    return merged


def _with_kind(signal: Signal, higher_is_better: bool | None) -> Signal:
    if higher_is_better is None:
        return replace(signal, kind=CONCERN)
    upward = signal.direction in (ABOVE, UP)
    return replace(signal, kind=IMPROVEMENT if upward == higher_is_better else CONCERN)


# --------------------------------------------------------------------------- points


# int / int is correctly rounded, as float(Fraction(v, unit)) is, and much quicker.
def _run_points(dates, values, sides, size, unit) -> list[RunPoint]:
    return [RunPoint(on, v / unit, side, i < size)
            for i, (on, v, side) in enumerate(zip(dates, values, sides))]


def _spc_points(dates, values, sides, size, unit) -> list[SpcPoint]:
    ranges = _moving_ranges(values)
    return [SpcPoint(on, v / unit, None if mr is None else mr / unit, side, i < size)
            for i, (on, v, mr, side) in enumerate(zip(dates, values, ranges, sides))]


# --------------------------------------------------------------------------- describe


def _fmt(x: float | None) -> str:
    """A number as a screen reader should say it: at most three decimals."""
    if x is None:
        return "unknown"
    text = f"{x:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _dates(signal: Signal) -> str:
    if signal.start_on == signal.end_on:
        return f"on {signal.start_on.isoformat()}"
    return f"from {signal.start_on.isoformat()} to {signal.end_on.isoformat()}"


def _describe_run_signal(signal: Signal, chart: RunChart) -> str:
    span = _dates(signal)
    if signal.rule == "shift" and isinstance(chart, AnhoejChart):
        return (f"A shift: the longest run is {_plural(signal.count, 'point')} "
                f"{signal.direction} the median, more than the limit of "
                f"{chart.longest_run_limit}, {span}.")
    if signal.rule == "shift":
        return f"A shift: {_plural(signal.count, 'point')} {signal.direction} the median {span}."
    if signal.rule == "trend":
        return f"A trend: {_plural(signal.count, 'point')} going {signal.direction} {span}."
    if signal.rule == "runs":
        lower, upper = RUNS_TABLE[chart.useful_observations]
        amount = "Too few" if signal.direction == TOO_FEW else "Too many"
        return (f"{amount} runs: {_plural(signal.count, 'run')} in "
                f"{chart.useful_observations} useful points, where {lower} to {upper} "
                f"are expected, {span}.")
    if signal.rule == "crossings":
        return (f"Too few crossings: the points cross the median "
                f"{_plural(signal.count, 'time')}, fewer than the limit of "
                f"{chart.crossings_limit}, {span}.")
    limit = "upper" if signal.direction == ABOVE else "lower"
    return f"An astronomical point: {signal.direction} the {limit} limit {span}."


def _describe_spc(chart: SpcChart) -> str:
    if not chart.points:
        return "No points yet."
    head = f"XmR chart of {_plural(len(chart.points), 'point')}; mean {_fmt(chart.mean)}"
    if chart.ucl is None:
        lines = [head + "; too few points for limits."]
    else:
        lines = [head + f"; limits {_fmt(chart.lcl)} to {_fmt(chart.ucl)}."]
    lines += [_describe_spc_signal(s, chart) for s in chart.signals]
    if not chart.signals:
        lines.append("No signals: common-cause variation only.")
    if chart.target_within_limits is True:
        lines.append(f"The target {_fmt(chart.target)} is within the limits.")
    elif chart.target_within_limits is False:
        lines.append(f"The target {_fmt(chart.target)} is outside the limits: "
                     "the process will not meet it without change.")
    return " ".join(lines)


def _describe_spc_signal(signal: Signal, chart: SpcChart) -> str:
    span, kind = _dates(signal), signal.kind
    if signal.rule == "beyond_limits":
        limit = (f"upper limit {_fmt(chart.ucl)}" if signal.direction == ABOVE
                 else f"lower limit {_fmt(chart.lcl)}")
        return f"A point beyond the limits ({kind}): {signal.direction} the {limit} {span}."
    if signal.rule == "shift":
        return (f"A shift ({kind}): {_plural(signal.count, 'point')} "
                f"{signal.direction} the mean {span}.")
    if signal.rule == "trend":
        verb = "rising" if signal.direction == UP else "falling"
        return f"A trend ({kind}): {_plural(signal.count, 'point')} {verb} {span}."
    return (f"Two of three points beyond two sigma ({kind}): "
            f"{signal.count} points {signal.direction} the mean {span}.")
