"""A chart's signals for a reader: which mark each point gets, the label over each
signal's span, and each signal as a sentence."""
from __future__ import annotations

from dataclasses import replace

from tracker.runcharts import XMR_FACTOR

RUN_SHAPES = {"astronomical": "diamond", "shift": "square", "trend": "triangle"}
RUN_WORDS = {"astronomical": "Astronomical point", "shift": "Shift", "trend": "Trend",
             "runs": "Runs", "crossings": "Crossings"}
SPC_WORDS = {"beyond_limits": "beyond a limit", "shift": "shift", "trend": "trend",
             "two_of_three": "2 of 3 near a limit"}


def signal_index(chart, style):
    """For each point's position, the signal that marks it (the most telling one)."""
    marks = {}
    order = (["beyond_limits", "two_of_three", "shift", "trend"] if style == "spc"
             else ["astronomical", "shift", "trend"])
    for segment in chart.segments:
        for signal in segment.chart.signals:
            if signal.rule not in order:
                continue
            for point in segment.chart.points:
                if signal.start_on <= point.on <= signal.end_on and _on_signal(point, signal, segment):
                    key = (point.on, point.value)
                    current = marks.get(key)
                    if current is None or _rank(signal, order) < _rank(current, order):
                        marks[key] = signal
    return marks


def _on_signal(point, signal, segment):
    """Whether a point inside a signal's span is part of it (a shift skips points on the
    centre line; a beyond-limits signal is its one point)."""
    side = getattr(point, "side", None)
    if signal.rule == "shift":
        return side == signal.direction
    if signal.rule == "two_of_three":
        c = segment.chart
        # The two-sigma band of runcharts.xmr's two-of-three rule, from the same factor.
        two_sigma = 2 * float(XMR_FACTOR) * c.mr_mean / 3
        return (point.value > c.mean + two_sigma) if signal.direction == "above" \
            else (point.value < c.mean - two_sigma)
    return True


def _rank(signal, order):
    # Concerns outrank improvements: a point that is both is one to look at first.
    return (0 if signal.kind == "concern" else 1, order.index(signal.rule))


def _bracket_label(signal, style):
    if style == "spc":
        what = {"beyond_limits": f"beyond the {'upper' if signal.direction == 'above' else 'lower'} limit",
                "shift": f"{signal.count} points {signal.direction} the mean",
                "trend": f"{signal.count} points {'rising' if signal.direction == 'up' else 'falling'}",
                "two_of_three": f"2 of 3 points near the {'upper' if signal.direction == 'above' else 'lower'} limit",
                }[signal.rule]
        return f"{signal.kind.capitalize()}: {what}"
    if signal.rule == "shift":
        return f"Shift: {signal.count} points {signal.direction} the median"
    if signal.rule == "trend":
        return f"Trend: {signal.count} points going {signal.direction}"
    if signal.rule == "runs":
        return f"{'Too few' if signal.direction == 'too_few' else 'Too many'} runs ({signal.count})"
    if signal.rule == "crossings":
        return f"Too few crossings ({signal.count})"
    return f"Astronomical point: unusually {'high' if signal.direction == 'above' else 'low'}"


def display_signals(chart, style):
    """The signals with their labels, single points beyond a limit next to each other
    drawn as one bracket ("3 points above the upper limit") rather than a pile."""
    out = []
    for segment in chart.segments:
        order = {p.on: i for i, p in enumerate(segment.chart.points)}
        group = []
        for signal in segment.chart.signals + [None]:
            single = signal is not None and signal.rule in ("astronomical", "beyond_limits")
            if single and group and signal.direction == group[-1].direction \
                    and order[signal.start_on] == order[group[-1].start_on] + 1:
                group.append(signal)
                continue
            if group:
                first = group[0]
                merged = replace(first, end_on=group[-1].end_on, count=len(group))
                label = _bracket_label(first, style)
                if len(group) > 1:
                    where = "upper" if first.direction == "above" else "lower"
                    label = (f"Astronomical: {len(group)} points unusually "
                             f"{'high' if first.direction == 'above' else 'low'}" if style == "run" else
                             f"{first.kind.capitalize()}: {len(group)} points beyond the {where} limit")
                out.append((merged, label))
                group = []
            if single:
                group = [signal]
            elif signal is not None:
                out.append((signal, _bracket_label(signal, style)))
    return out


def short_label(signal, style):
    if style == "spc":
        return f"{signal.kind.capitalize()}: {SPC_WORDS[signal.rule]}"
    return RUN_WORDS[signal.rule]


def signal_words(chart):
    """Each signal of a chart as ``(tag, sentence)`` for a list a person reads: the tag is
    ``improvement``/``concern`` on an XmR chart and ``signal`` on a run chart."""
    style = "spc" if chart.kind == "xmr" else "run"
    out = []
    for signal, label in display_signals(chart, style):
        if signal.start_on == signal.end_on:
            when = f"on {signal.start_on.strftime('%-d %b %Y')}"
        else:
            when = f"from {signal.start_on.strftime('%-d %b %Y')} to {signal.end_on.strftime('%-d %b %Y')}"
        tag = signal.kind or "signal"
        text = label.split(": ", 1)[1] if style == "spc" else label
        out.append((tag, f"{text}, {when}."))
    return out
