"""Run charts and XmR charts as SVG drawn on the server: no JavaScript, no CDN.

Each function returns a ``<figure>`` (Markup) holding the SVG, the numbered key to
the events marked on its time axis, and the chart in words. Signals are shown by
shape and label as well as colour; the SVG names itself with ``<title>`` and
``<desc>`` (the text alternative) so a screen reader announces one image with its
signals in words, not a hundred shapes.

Input is a ``tracker.measures.MeasureChart``: the points and centre lines come
from its segments (a re-base starts a new centre line; a frozen baseline is
shaded, its centre line extended dashed over the points judged against it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date

from markupsafe import Markup, escape

from tracker.clock import plus_days

FULL = {"width": 760, "height": 360, "left": 58, "right": 108, "top": 16, "bottom": 40}
COMPACT = {"width": 380, "height": 180, "left": 44, "right": 64, "top": 10, "bottom": 26}
BRACKET_ROW = 22
LEGEND_ROW = 20
MAX_BRACKET_ROWS = 6
CHAR_WIDTH = 7.4  # average width of a bold 12px label character, to keep labels apart

RUN_SHAPES = {"astronomical": "diamond", "shift": "square", "trend": "triangle"}
RUN_WORDS = {"astronomical": "Astronomical point", "shift": "Shift", "trend": "Trend",
             "runs": "Runs", "crossings": "Crossings"}
SPC_WORDS = {"beyond_limits": "beyond a limit", "shift": "shift", "trend": "trend",
             "two_of_three": "2 of 3 near a limit"}


@dataclass
class _Frame:
    """Where things go: data coordinates to SVG coordinates."""

    box: dict
    start: date
    end: date
    low: float
    high: float
    plot_top: float

    @property
    def plot_left(self):
        return self.box["left"]

    @property
    def plot_right(self):
        return self.box["width"] - self.box["right"]

    @property
    def plot_bottom(self):
        return self.box["height"] - self.box["bottom"]

    def x(self, on):
        span = max((self.end - self.start).days, 1)
        return self.plot_left + (on - self.start).days / span * (self.plot_right - self.plot_left)

    def y(self, value):
        span = (self.high - self.low) or 1.0
        return self.plot_bottom - (value - self.low) / span * (self.plot_bottom - self.plot_top)


# --------------------------------------------------------------------------- public


def run_chart_figure(chart, *, title, unit="", target=None, higher_is_better=True,
                     annotations=(), chart_id="run-chart", compact=False):
    """A run chart: points, median per segment, target, signals, events on the time axis."""
    return _figure(chart, "run", title=title, unit=unit, target=target,
                   higher_is_better=higher_is_better, annotations=annotations,
                   chart_id=chart_id, compact=compact)


def spc_chart_figure(chart, *, title, unit="", target=None, higher_is_better=True,
                     annotations=(), chart_id="spc-chart", compact=False):
    """An XmR chart: points, mean and limits per segment, target, improvement and concern."""
    return _figure(chart, "spc", title=title, unit=unit, target=target,
                   higher_is_better=higher_is_better, annotations=annotations,
                   chart_id=chart_id, compact=compact)


def fmt(value, unit=""):
    """A number for a person: at most two decimals, the unit after it (``%`` attached)."""
    if value is None:
        return "–"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    text = "0" if text == "-0" else text
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


# --------------------------------------------------------------------------- figure


def _figure(chart, style, *, title, unit, target, higher_is_better, annotations, chart_id,
            compact):
    box = COMPACT if compact else FULL
    words = chart.describe()
    points = chart.points
    head = (f'<figure class="chart{" chart-compact" if compact else ""}" id="{escape(chart_id)}">'
            f'<div class="chart-scroll">')
    svg_open = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {box["width"]} '
                f'{{height}}" role="img" aria-labelledby="{escape(chart_id)}-title '
                f'{escape(chart_id)}-desc" class="chart-svg" focusable="false">'
                f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
                f'<desc id="{escape(chart_id)}-desc">{escape(words)}</desc>')
    if not points:
        height = box["height"] // 2
        body = (f'<text x="{box["width"] / 2}" y="{height / 2}" text-anchor="middle" '
                f'class="chart-empty">No points yet: add the first one to start the chart.</text>')
        svg = svg_open.replace("{height}", str(height)) + body + "</svg>"
        return Markup(head + svg + f'</div><figcaption class="chart-words">{escape(words)}'
                      "</figcaption></figure>")
    events = _events_in_range(annotations, points)
    # The time scale first: where the signal labels go decides how tall the chart is.
    frame = _frame(chart, style, box, box["top"], target)
    brackets = [] if compact else _bracket_rows(chart, style, frame)
    rows = max((row for row, *_ in brackets), default=-1) + 1
    layout = [] if compact else _legend_layout(_legend_items(chart, style, target), box)
    legend_height = (max(row for *_, row in layout) + 1) * LEGEND_ROW + 6 if layout else 0
    height = box["height"] + rows * BRACKET_ROW + legend_height
    frame.box = box | {"height": height - legend_height}
    frame.plot_top = box["top"] + rows * BRACKET_ROW + (14 if events and not compact else 0)
    parts = [svg_open.replace("{height}", str(height))]
    parts += _baseline_shading(chart, frame, compact)
    parts += _grid(frame, unit, compact)
    parts += _rebase_lines(chart, frame, compact)
    parts += _event_lines(events, frame, compact)
    target_lines, target_labels = _target_line(target, frame, unit)
    centre_lines, centre_labels = _centre_lines(chart, style, frame)
    parts += target_lines + centre_lines
    parts += _data_line(points, frame)
    parts += _markers(chart, style, frame, unit, compact)
    parts += _right_labels(target_labels + centre_labels, frame, unit, compact)
    parts += _brackets(brackets, frame, style)
    parts += _legend(layout, height - legend_height) if layout else []
    parts.append("</svg></div>")
    if events and not compact:
        parts.append(_event_key(events))
    parts.append(f'<figcaption class="chart-words">{escape(words)}</figcaption></figure>')
    return Markup(head + "".join(parts))


def _events_in_range(annotations, points):
    first, last = points[0].on, points[-1].on
    for p in points:
        first, last = min(first, p.on), max(last, p.on)
    return [a for a in annotations if first <= a.on <= last]


def _frame(chart, style, box, top, target):
    dates = [p.on for p in chart.points]
    start, end = min(dates), max(dates)
    if start == end:
        start, end = plus_days(start, -7), plus_days(end, 7)
    pad = max(1, round((end - start).days * 0.02))
    values = [p.value for p in chart.points]
    for segment in chart.segments:
        c = segment.chart
        if style == "spc":
            values += [v for v in (c.mean, c.ucl, c.lcl) if v is not None]
        elif c.median is not None:
            values.append(c.median)
    if target is not None:
        values.append(target)
    low, high = min(values), max(values)
    if low == high:
        spread = abs(low) * 0.1 or 1.0
        low, high = low - spread, high + spread
    step = _nice_step((high - low) / (3 if box is COMPACT else 5))
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    if low == min(values):
        low -= step / 2
    if high == max(values):
        high += step / 2
    return _Frame(box, plus_days(start, -pad), plus_days(end, pad), low, high, top)


def _nice_step(rough):
    if rough <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 2.5, 5, 10):
        if rough <= factor * power:
            return factor * power
    return 10 * power


# --------------------------------------------------------------------------- layers


def _grid(frame, unit, compact):
    out = ['<g class="chart-grid">']
    step = _nice_step((frame.high - frame.low) / (3 if compact else 5))
    value = math.ceil(frame.low / step) * step
    while value <= frame.high + step * 1e-9:
        y = frame.y(value)
        out.append(f'<line x1="{frame.plot_left}" x2="{frame.plot_right}" y1="{y:.1f}" y2="{y:.1f}"/>'
                   f'<text x="{frame.plot_left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{escape(fmt(value, "%" if unit == "%" else ""))}</text>')
        value += step
    out.append(f'<line class="chart-axis" x1="{frame.plot_left}" x2="{frame.plot_right}" '
               f'y1="{frame.plot_bottom}" y2="{frame.plot_bottom}"/>')
    for on, label in _time_ticks(frame.start, frame.end, 3 if compact else 8):
        x = frame.x(on)
        out.append(f'<line class="chart-tick" x1="{x:.1f}" x2="{x:.1f}" y1="{frame.plot_bottom}" '
                   f'y2="{frame.plot_bottom + 5}"/>'
                   f'<text x="{x:.1f}" y="{frame.plot_bottom + 18}" text-anchor="middle">'
                   f'{escape(label)}</text>')
    out.append("</g>")
    return out


def _time_ticks(start, end, most):
    """Month starts (every 1, 2, 3, 6 or 12 months) or, for a short chart, Mondays."""
    days = (end - start).days
    if days < 75:
        step = 7 if days <= 7 * most else 14
        first = plus_days(start, (7 - start.weekday()) % 7)
        ticks = []
        on = first
        while on <= end:
            ticks.append((on, f"{on.day} {on:%b}"))
            if on == date.max:  # a point stored at the end of the calendar
                break
            on = plus_days(on, step)
        return ticks
    months = (end.year - start.year) * 12 + end.month - start.month
    every = next(m for m in (1, 2, 3, 6, 12, 24, 60) if months / m <= most)
    ticks, year, month = [], start.year, start.month + 1
    if month > 12:
        year, month = year + 1, 1
    while year <= date.max.year and date(year, month, 1) <= end:
        on = date(year, month, 1)
        if (month - 1) % every == 0 or every == 1:
            ticks.append((on, f"{on:%b %Y}" if month == 1 or not ticks else f"{on:%b}"))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return ticks


def _baseline_shading(chart, frame, compact):
    out = []
    for segment in chart.segments:
        if segment.baseline_until is None or not segment.chart.points:
            continue
        first = segment.starts_on or segment.chart.points[0].on
        x1 = max(frame.plot_left, frame.x(first) - 4)
        x2 = min(frame.plot_right, frame.x(segment.baseline_until) + 4)
        if x2 <= x1:
            continue
        out.append(f'<rect class="chart-baseline" x="{x1:.1f}" y="{frame.plot_top}" '
                   f'width="{x2 - x1:.1f}" height="{frame.plot_bottom - frame.plot_top:.1f}"/>')
        if not compact:
            out.append(f'<text class="chart-baseline-label" x="{x1 + 4:.1f}" '
                       f'y="{frame.plot_bottom - 6}">Baseline (frozen)</text>')
    return out


def _rebase_lines(chart, frame, compact):
    out = []
    for segment in chart.segments[1:]:
        x = frame.x(segment.starts_on)
        if not frame.plot_left <= x <= frame.plot_right:
            continue
        out.append(f'<line class="chart-rebase" x1="{x:.1f}" x2="{x:.1f}" y1="{frame.plot_top}" '
                   f'y2="{frame.plot_bottom}"/>')
        if not compact:
            out.append(f'<text class="chart-rebase-label" x="{x + 4:.1f}" '
                       f'y="{frame.plot_bottom - 20}">Re-based</text>')
    return out


def _event_lines(events, frame, compact):
    out = []
    for number, event in enumerate(events, start=1):
        x = frame.x(event.on)
        out.append(f'<g class="chart-event chart-event-{event.kind}"><title>'
                   f'{escape(event.on.strftime("%-d %b %Y"))}: {escape(event.label)}</title>'
                   f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.plot_top}" y2="{frame.plot_bottom}"/>')
        if not compact:
            cy = frame.plot_top - 8
            shape = (f'<rect x="{x - 7:.1f}" y="{cy - 7:.1f}" width="14" height="14" rx="2"/>'
                     if event.kind == "phase" else f'<circle cx="{x:.1f}" cy="{cy:.1f}" r="7"/>')
            out.append(f'{shape}<text x="{x:.1f}" y="{cy + 4:.1f}" text-anchor="middle">{number}</text>')
        out.append("</g>")
    return out


def _event_key(events):
    items = "".join(
        f'<li><span class="chart-key-mark chart-key-{e.kind}" aria-hidden="true">{n}</span> '
        f'<time datetime="{e.on.isoformat()}">{escape(e.on.strftime("%-d %b %Y"))}</time>: '
        f'{escape(e.label)}</li>' for n, e in enumerate(events, start=1))
    return (f'<div class="chart-key"><p class="chart-key-title">On the time axis: '
            f'phase changes (squares) and PDSA cycles (circles)</p><ol>{items}</ol></div>')


def _target_line(target, frame, unit):
    """The target as a dashed line, and its label for the right-hand margin."""
    if target is None:
        return [], []
    y = frame.y(target)
    return ([f'<line class="chart-target" x1="{frame.plot_left}" x2="{frame.plot_right}" '
             f'y1="{y:.1f}" y2="{y:.1f}"/>'], [(y, "chart-target-label", "Target", target)])


def _centre_lines(chart, style, frame):
    """Each segment's centre line (and limits), and the current segment's labels."""
    lines, labels = [], []
    current = chart.current
    for segment in chart.segments:
        c = segment.chart
        if not c.points:
            continue
        x1, x2 = frame.x(c.points[0].on), frame.x(c.points[-1].on)
        split = frame.x(segment.baseline_until) if segment.baseline_until else None
        named = ([("median", "Median", c.median)] if style == "run" else
                 [("mean", "Mean", c.mean), ("ucl", "UCL", c.ucl), ("lcl", "LCL", c.lcl)])
        for name, word, value in named:
            if value is None:
                continue
            y = frame.y(value)
            lines.append(_hline(f"chart-{name}", x1, x2, y, split))
            if segment is current:
                labels.append((y, f"chart-{name}-label", word, value))
    return lines, labels


def _right_labels(labels, frame, unit, compact):
    """Labels in the right-hand margin, nudged apart where lines sit close together."""
    out, last = [], None
    for y, cls, word, value in sorted(labels):
        y += 4
        if last is not None and y - last < 13:
            y = last + 13
        last = y
        text = fmt(value, unit) if compact else f"{word} {fmt(value, unit)}"
        out.append(f'<text class="{cls}" x="{frame.plot_right + 6}" y="{y:.1f}">{escape(text)}</text>')
    return out


def _hline(cls, x1, x2, y, split):
    """A centre line; after a frozen baseline it continues dashed (judged, not computed)."""
    if split is None or split >= x2:
        return f'<line class="{cls}" x1="{x1:.1f}" x2="{x2:.1f}" y1="{y:.1f}" y2="{y:.1f}"/>'
    split = max(split, x1)
    return (f'<line class="{cls}" x1="{x1:.1f}" x2="{split:.1f}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<line class="{cls} chart-extended" x1="{split:.1f}" x2="{x2:.1f}" y1="{y:.1f}" y2="{y:.1f}"/>')


def _data_line(points, frame):
    coords = " ".join(f"{frame.x(p.on):.1f},{frame.y(p.value):.1f}" for p in points)
    return [f'<polyline class="chart-line" points="{coords}"/>']


def _signal_index(chart, style):
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
        two_sigma = 2 * 2.66 * c.mr_mean / 3
        return (point.value > c.mean + two_sigma) if signal.direction == "above" \
            else (point.value < c.mean - two_sigma)
    return True


def _rank(signal, order):
    # Concerns outrank improvements: a point that is both is one to look at first.
    return (0 if signal.kind == "concern" else 1, order.index(signal.rule))


def _markers(chart, style, frame, unit, compact):
    marks = _signal_index(chart, style)
    size = 3.2 if compact else 4.2
    out = ['<g class="chart-points">']
    for point in chart.points:
        x, y = frame.x(point.on), frame.y(point.value)
        signal = marks.get((point.on, point.value))
        label = f"{point.on.strftime('%-d %b %Y')}: {fmt(point.value, unit)}"
        if signal is None:
            out.append(f'<circle class="chart-point" cx="{x:.1f}" cy="{y:.1f}" r="{size}">'
                       f'<title>{escape(label)}</title></circle>')
            continue
        if style == "spc":
            shape = "square" if signal.kind == "improvement" else "diamond"
            cls = f"chart-{signal.kind}"
            label += f" ({signal.kind}: {SPC_WORDS[signal.rule]})"
        else:
            shape, cls = RUN_SHAPES[signal.rule], f"chart-signal chart-signal-{signal.rule}"
            label += f" ({RUN_WORDS[signal.rule].lower()})"
        out.append(_shape(shape, x, y, size + 1.6, cls, label))
    out.append("</g>")
    return out


def _shape(shape, x, y, r, cls, label):
    title = f"<title>{escape(label)}</title>"
    if shape == "square":
        return (f'<rect class="{cls}" x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" '
                f'height="{2 * r:.1f}">{title}</rect>')
    if shape == "triangle":
        return (f'<polygon class="{cls}" points="{x:.1f},{y - r * 1.2:.1f} {x + r * 1.1:.1f},'
                f'{y + r * 0.8:.1f} {x - r * 1.1:.1f},{y + r * 0.8:.1f}">{title}</polygon>')
    r *= 1.3
    return (f'<polygon class="{cls}" points="{x:.1f},{y - r:.1f} {x + r:.1f},{y:.1f} '
            f'{x:.1f},{y + r:.1f} {x - r:.1f},{y:.1f}">{title}</polygon>')


# --------------------------------------------------------------------------- signal brackets


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


def _display_signals(chart, style):
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


def _bracket_rows(chart, style, frame):
    """Each signal's span and label, in the first row above the plot where the label and
    the span clear every other one: ``(row, signal, label, label_x)``."""
    rows, out = [], []
    for signal, label in _display_signals(chart, style):
        x1, x2 = frame.x(signal.start_on), frame.x(signal.end_on)
        width = len(label) * CHAR_WIDTH
        label_x = max(frame.plot_left, min(x1, frame.box["width"] - 4 - width))
        left, right = min(label_x, x1) - 10, max(label_x + width, x2) + 10
        row = next((i for i, taken in enumerate(rows)
                    if all(right < a or left > b for a, b in taken)), len(rows))
        row = min(row, MAX_BRACKET_ROWS - 1)
        while len(rows) <= row:
            rows.append([])
        rows[row].append((left, right))
        out.append((row, signal, label, label_x))
    return out


def _brackets(brackets, frame, style):
    out = []
    for row, signal, label, label_x in brackets:
        y = frame.box["top"] + row * BRACKET_ROW + 12
        x1, x2 = frame.x(signal.start_on), frame.x(signal.end_on)
        kind = f" chart-bracket-{signal.kind}" if style == "spc" else ""
        out.append(f'<g class="chart-bracket{kind}">'
                   f'<path d="M{x1:.1f},{y + 4:.1f} V{y:.1f} H{max(x2, x1 + 1):.1f} V{y + 4:.1f}"/>'
                   f'<text x="{label_x:.1f}" y="{y - 3:.1f}">{escape(label)}</text></g>')
    return out


# --------------------------------------------------------------------------- legend


def _legend_items(chart, style, target):
    marks = {s.rule if style == "run" else s.kind for s in chart.signals}
    items = [("circle", "chart-point", "Point")]
    if style == "run":
        items += [(RUN_SHAPES[r], f"chart-signal chart-signal-{r}",
                   "Astronomical point" if r == "astronomical" else f"In a {RUN_WORDS[r].lower()}")
                  for r in ("shift", "trend", "astronomical") if r in marks]
        items.append(("line", "chart-median", "Median"))
    else:
        items += [(s, f"chart-{k}", k.capitalize())
                  for s, k in (("square", "improvement"), ("diamond", "concern")) if k in marks]
        items += [("line", "chart-mean", "Mean"), ("line", "chart-ucl", "Limits (UCL, LCL)")]
    if any(s.baseline_until for s in chart.segments):
        items.append(("line", f"chart-{'median' if style == 'run' else 'mean'} chart-extended",
                      "Frozen on the baseline, extended"))
    if target is not None:
        items.append(("line", "chart-target", "Target"))
    return items


def _legend_layout(items, box):
    """(item, x, row) for each legend item, wrapping at the chart's width."""
    x, row, out = box["left"], 0, []
    for item in items:
        width = 24 + len(item[2]) * CHAR_WIDTH + 16
        if x + width > box["width"] and x > box["left"]:
            x, row = box["left"], row + 1
        out.append((item, x, row))
        x += width
    return out


def _legend(layout, top):
    out = ['<g class="chart-legend">']
    for (shape, cls, text), x, row in layout:
        y = top + row * LEGEND_ROW + 14
        if shape == "line":
            out.append(f'<line class="{cls}" x1="{x:.1f}" x2="{x + 18:.1f}" y1="{y - 4}" y2="{y - 4}"/>')
        elif shape == "circle":
            out.append(f'<circle class="{cls}" cx="{x + 9:.1f}" cy="{y - 4}" r="4"/>')
        else:
            out.append(_shape(shape, x + 9, y - 4, 5, cls, text))
        out.append(f'<text x="{x + 24:.1f}" y="{y}">{escape(text)}</text>')
    out.append("</g>")
    return out


def signal_words(chart):
    """Each signal of a chart as ``(tag, sentence)`` for a list a person reads: the tag is
    ``improvement``/``concern`` on an XmR chart and ``signal`` on a run chart."""
    style = "spc" if chart.kind == "xmr" else "run"
    out = []
    for signal, label in _display_signals(chart, style):
        if signal.start_on == signal.end_on:
            when = f"on {signal.start_on.strftime('%-d %b %Y')}"
        else:
            when = f"from {signal.start_on.strftime('%-d %b %Y')} to {signal.end_on.strftime('%-d %b %Y')}"
        tag = signal.kind or "signal"
        text = label.split(": ", 1)[1] if style == "spc" else label
        out.append((tag, f"{text}, {when}."))
    return out


__all__ = ["run_chart_figure", "spc_chart_figure", "fmt", "signal_words"]
