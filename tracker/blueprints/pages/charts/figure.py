"""The figure: one SVG per layout, drawn layer by layer, with the event key, the
points left out and the chart in words."""
from __future__ import annotations

from markupsafe import Markup, escape

from tracker.blueprints.pages.charts.layout import (BOLD_CHAR, BRACKET_ROW, COMPACT, NARROW,
                                                    PLAIN_CHAR, WIDE, fmt, frame_for, time_ticks,
                                                    value_ticks)
from tracker.blueprints.pages.charts.signals import (RUN_SHAPES, RUN_WORDS, SPC_WORDS,
                                                     display_signals, short_label, signal_index)

MOST_LEFT_OUT_NAMED = 5


def run_chart_figure(chart, *, title, unit="", target=None, higher_is_better=True,
                     annotations=(), chart_id="run-chart", compact=False, scale=None):
    """A run chart: points, median per segment, target, signals, events on the time axis."""
    return _figure(chart, "run", title=title, unit=unit, target=target,
                   higher_is_better=higher_is_better, annotations=annotations,
                   chart_id=chart_id, compact=compact, scale=scale)


def spc_chart_figure(chart, *, title, unit="", target=None, higher_is_better=True,
                     annotations=(), chart_id="spc-chart", compact=False, scale=None):
    """An XmR chart: points, mean and limits per segment, target, improvement and concern.
    ``scale`` puts small multiples on one axis (``layout.frame_for``)."""
    return _figure(chart, "spc", title=title, unit=unit, target=target,
                   higher_is_better=higher_is_better, annotations=annotations,
                   chart_id=chart_id, compact=compact, scale=scale)


def _figure(chart, style, *, title, unit, target, higher_is_better, annotations, chart_id,
            compact, scale=None):
    """The figure: one SVG per layout, the event key, the points left out, the words.

    ``chart.left_out`` (dates, optional) are points the chart was built without: they
    are named beside it, never dropped in silence.
    """
    words = chart.describe()
    events = _events_in_range(annotations, chart.points) if chart.points else []
    layouts = [COMPACT] if compact else [WIDE, NARROW]
    parts = [f'<figure class="chart{" chart-compact" if compact else ""}" id="{escape(chart_id)}">']
    for box in layouts:
        ids = chart_id if box is WIDE or compact else f"{chart_id}-{box['name']}"
        parts.append(_svg(chart, style, box, ids, title, words, unit, target, events, scale))
    parts.append(_left_out_note(chart.left_out))
    if events and not compact:
        parts.append(_event_key(events))
    if not compact:
        # The words are the SVG's description for a screen reader; a sighted reader opens them.
        parts.append(f'<details class="chart-describe"><summary>Describe this chart'
                     f'<span class="visually-hidden">: {escape(title)}</span></summary>'
                     f"<p>{escape(words)}</p></details>")
    parts.append("</figure>")
    return Markup("".join(parts))


def _svg(chart, style, box, ids, title, words, unit, target, events, scale=None):
    """One layout of the chart as an ``<svg>`` that scales to its container."""
    ids = escape(ids)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {box["width"]} {{height}}" '
            f'role="img" aria-labelledby="{ids}-title" aria-describedby="{ids}-desc" '
            f'class="chart-svg chart-svg-{box["name"]}" focusable="false">'
            f'<title id="{ids}-title">{escape(title)}</title>'
            f'<desc id="{ids}-desc">{escape(words)}</desc>')
    if not chart.points:
        height = box["height"] // 2
        return (head.replace("{height}", str(height)) +
                f'<text x="{box["width"] / 2}" y="{height / 2}" text-anchor="middle" '
                f'class="chart-empty">No points yet.</text></svg>')
    detail = box["detail"]
    # The time scale first: where the signal labels go decides how tall the chart is.
    frame = frame_for(chart, style, box, target, unit, scale)
    brackets = _bracket_rows(chart, style, frame) if detail else []
    rows = max((row for row, *_ in brackets), default=-1) + 1
    layout = _legend_layout(_legend_items(chart, style, target), box) if detail else []
    legend_height = (max(row for *_, row in layout) + 1) * _legend_row(box) + 6 if layout else 0
    height = box["height"] + rows * BRACKET_ROW + legend_height
    frame.box = frame.box | {"height": height - legend_height}
    marks = _event_rows(events, frame) if detail else []
    event_rows = max(marks, default=-1) + 1
    frame.plot_top = box["top"] + rows * BRACKET_ROW + event_rows * (2 * box["event"] + 2)
    parts = [head.replace("{height}", str(height))]
    parts += _baseline_shading(chart, frame, detail)
    parts += _grid(frame, unit)
    parts += _rebase_lines(chart, frame, detail)
    parts += _event_lines(events, frame, marks)
    target_lines, target_labels = _target_line(target, frame, unit)
    centre_lines, centre_labels = _centre_lines(chart, style, frame)
    parts += target_lines + centre_lines
    parts += _data_line(chart.points, frame)
    parts += _markers(chart, style, frame, unit)
    parts += _right_labels(target_labels + centre_labels, frame, unit)
    parts += _brackets(brackets, frame, style)
    parts += _legend(layout, height - legend_height, box) if layout else []
    parts.append("</svg>")
    return "".join(parts)


def _left_out_note(dates):
    if not dates:
        return ""
    dates = sorted(dates)
    named = [on.strftime("%-d %b %Y") for on in dates[:MOST_LEFT_OUT_NAMED]]
    if len(dates) > MOST_LEFT_OUT_NAMED:
        named.append(f"{len(dates) - MOST_LEFT_OUT_NAMED} more")
    listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    one = len(dates) == 1
    return (f'<p class="chart-left-out">Not drawn: {len(dates)} point{"" if one else "s"} dated '
            f'{escape(listed)}, {"a date" if one else "dates"} a measurement cannot have. '
            f'Correct or remove {"it" if one else "them"} in the list of points.</p>')


def _events_in_range(annotations, points):
    first, last = min(p.on for p in points), max(p.on for p in points)
    return [a for a in annotations if first <= a.on <= last]



# --------------------------------------------------------------------------- layers


def _grid(frame, unit):
    font = frame.box["font"]
    out = ['<g class="chart-grid">']
    for value, label in value_ticks(frame.low, frame.high, frame.box, unit):
        y = frame.y(value)
        out.append(f'<line x1="{frame.plot_left}" x2="{frame.plot_right}" y1="{y:.1f}" y2="{y:.1f}"/>'
                   f'<text x="{frame.plot_left - 6}" y="{y + font / 3:.1f}" text-anchor="end">'
                   f'{escape(label)}</text>')
    out.append(f'<line class="chart-axis" x1="{frame.plot_left}" x2="{frame.plot_right}" '
               f'y1="{frame.plot_bottom}" y2="{frame.plot_bottom}"/>')
    for on, label in time_ticks(frame.start, frame.end, frame.box["x_ticks"]):
        x = frame.x(on)
        out.append(f'<line class="chart-tick" x1="{x:.1f}" x2="{x:.1f}" y1="{frame.plot_bottom}" '
                   f'y2="{frame.plot_bottom + 5}"/>'
                   f'<text x="{x:.1f}" y="{frame.plot_bottom + 6 + font:.1f}" text-anchor="middle">'
                   f'{escape(label)}</text>')
    out.append("</g>")
    return out


def _baseline_shading(chart, frame, detail):
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
        if detail:
            out.append(f'<text class="chart-baseline-label" x="{x1 + 4:.1f}" '
                       f'y="{frame.plot_bottom - 6}">Baseline (frozen)</text>')
    return out


def _rebase_lines(chart, frame, detail):
    out = []
    for segment in chart.segments[1:]:
        x = frame.x(segment.starts_on)
        if not frame.plot_left <= x <= frame.plot_right:
            continue
        out.append(f'<line class="chart-rebase" x1="{x:.1f}" x2="{x:.1f}" y1="{frame.plot_top}" '
                   f'y2="{frame.plot_bottom}"/>')
        if detail:
            out.append(f'<text class="chart-rebase-label" x="{x + 4:.1f}" '
                       f'y="{frame.plot_bottom - 8 - 1.5 * frame.box["font"]:.1f}">Re-based</text>')
    return out


def _event_rows(events, frame):
    """The row above the plot of each event's numbered mark: the first row where it
    clears the marks already placed (events a week apart would otherwise overlap)."""
    gap, rows, out = 2 * frame.box["event"] + 2, [], []
    for event in events:
        x = frame.x(event.on)
        row = next((i for i, last in enumerate(rows) if x - last >= gap), len(rows))
        rows[row:row + 1] = [x]
        out.append(row)
    return out


def _event_lines(events, frame, rows):
    """Each event's line across the plot and, when ``rows`` places them, its numbered mark."""
    out, r = [], frame.box["event"]
    for number, event in enumerate(events, start=1):
        x = frame.x(event.on)
        top = frame.plot_top - (rows[number - 1] * (2 * r + 2) if rows else 0)
        out.append(f'<g class="chart-event chart-event-{event.kind}"><title>'
                   f'{escape(event.on.strftime("%-d %b %Y"))}: {escape(event.label)}</title>'
                   f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{frame.plot_bottom}"/>')
        if rows:
            cy = top - r - 1
            shape = (f'<rect x="{x - r:.1f}" y="{cy - r:.1f}" width="{2 * r}" height="{2 * r}" rx="2"/>'
                     if event.kind == "phase" else f'<circle cx="{x:.1f}" cy="{cy:.1f}" r="{r}"/>')
            out.append(f'{shape}<text x="{x:.1f}" y="{cy + r / 2:.1f}" text-anchor="middle">'
                       f'{number}</text>')
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


def _right_labels(labels, frame, unit):
    """Labels in the right-hand margin, nudged apart where lines sit close together."""
    out, last, font = [], None, frame.box["font"]
    for y, cls, word, value in sorted(labels):
        y += font / 3
        if last is not None and y - last < font + 1:
            y = last + font + 1
        last = y
        text = (f"{word} {fmt(value, unit)}" if frame.box["words"]
                else fmt(value, "%" if unit == "%" else ""))
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


def _markers(chart, style, frame, unit):
    marks = signal_index(chart, style)
    size = frame.box["marker"]
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


def _bracket_rows(chart, style, frame):
    """Each signal's span and label, in the first row above the plot where the label and
    the span clear every other one: ``(row, signal, label, label_x)``. A narrow chart
    names the rule only. A signal that clears no row gets no bracket rather than a label
    over another's: its points keep their shape, and the list beside the chart names it."""
    rows, out = [], []
    for signal, label in display_signals(chart, style):
        if not frame.box["words"]:
            label = short_label(signal, style)
        x1, x2 = frame.x(signal.start_on), frame.x(signal.end_on)
        width = len(label) * BOLD_CHAR * frame.box["font"]
        label_x = max(2, min(max(frame.plot_left, x1), frame.box["width"] - 4 - width))
        left, right = min(label_x, x1) - 10, max(label_x + width, x2) + 10
        row = next((i for i, taken in enumerate(rows)
                    if all(right < a or left > b for a, b in taken)), len(rows))
        if row >= frame.box["bracket_rows"]:
            continue
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
    # The shapes drawn: a point in a shift and a trend is drawn as the shift's square.
    marks = {s.rule if style == "run" else s.kind for s in signal_index(chart, style).values()}
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


def _legend_row(box):
    return box["font"] + 8


def _legend_layout(items, box):
    """(item, x, row) for each legend item, wrapping at the chart's width."""
    start = min(box["left"], 8)
    x, row, out = start, 0, []
    for item in items:
        width = 24 + len(item[2]) * PLAIN_CHAR * box["font"] + 16
        if x + width > box["width"] and x > start:
            x, row = start, row + 1
        out.append((item, x, row))
        x += width
    return out


def _legend(layout, top, box):
    out = ['<g class="chart-legend">']
    for (shape, cls, text), x, row in layout:
        y = top + row * _legend_row(box) + box["font"] + 2
        mid = round(y - box["font"] / 3, 1)  # the middle of the text's lower-case letters
        if shape == "line":
            out.append(f'<line class="{cls}" x1="{x:.1f}" x2="{x + 18:.1f}" y1="{mid}" y2="{mid}"/>')
        elif shape == "circle":
            out.append(f'<circle class="{cls}" cx="{x + 9:.1f}" cy="{mid}" r="4"/>')
        else:
            out.append(_shape(shape, x + 9, mid, 5, cls, text))
        out.append(f'<text x="{x + 24:.1f}" y="{y}">{escape(text)}</text>')
    out.append("</g>")
    return out
