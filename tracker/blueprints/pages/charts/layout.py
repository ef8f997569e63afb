"""Where a chart's parts go: the layouts (wide, narrow, compact), data to SVG
coordinates, the value and time axes' ticks, and numbers written for people."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from tracker.clock import plus_days

#: ``detail``: signal brackets, a legend, numbered events; ``words``: "Median 7" beside a
#: line, not only "7". Narrow and compact are sized so that their text is >= 12 px on a
#: 360 px phone, where a chart in a card is 294 px wide (324 px on a 390 px phone).
WIDE = {"name": "wide", "width": 760, "height": 360, "left": 58, "right": 108, "top": 16,
        "bottom": 40, "font": 12, "x_ticks": 8, "y_ticks": 5, "marker": 4.2, "event": 7,
        "bracket_rows": 6, "detail": True, "words": True}
NARROW = {"name": "narrow", "width": 320, "height": 280, "left": 40, "right": 48, "top": 12,
          "bottom": 40, "font": 14, "x_ticks": 4, "y_ticks": 4, "marker": 4.6, "event": 9,
          "bracket_rows": 3, "detail": True, "words": False}
COMPACT = {"name": "compact", "width": 280, "height": 170, "left": 36, "right": 44, "top": 10,
           "bottom": 30, "font": 12, "x_ticks": 3, "y_ticks": 3, "marker": 3.4, "event": 0,
           "bracket_rows": 0, "detail": False, "words": False}
BRACKET_ROW = 22
BOLD_CHAR = 0.62  # average width of a bold label character, in ems, to keep labels apart
PLAIN_CHAR = 0.56
#: The width of a value label's character (digits and "%" are wider than average text: at
#: 0.56 a "100%" tick label was cut at the chart's left edge).
DIGIT_CHAR = 0.68


@dataclass
class Frame:
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


def fmt(value, unit=""):
    """A number for a person: at most two decimals, the unit after it (``%`` attached)."""
    if value is None:
        return "–"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    text = "0" if text == "-0" else text
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def frame_for(chart, style, box, target, unit, scale=None):
    """The frame of ``chart`` in layout ``box``: the time span and value range padded so no
    point sits on an edge, the margins widened to fit the longest labels.

    ``scale`` (``(first date, last date, lowest value, highest value)`` over several charts)
    gives small multiples one time axis and one value axis: each chart spans it all.
    """
    dates = [p.on for p in chart.points] + ([scale[0], scale[1]] if scale else [])
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
    if scale:
        values += [scale[2], scale[3]]
    low, high = min(values), max(values)
    if low == high:
        spread = abs(low) * 0.1 or 1.0
        low, high = low - spread, high + spread
    step = nice_step((high - low) / box["y_ticks"])
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    if low == min(values):
        low -= step / 2
    if high == max(values):
        high += step / 2
    # The margins fit the longest labels (1,000,000 needs more room than 10).
    longest = max(len(label) for _, label in value_ticks(low, high, box, unit))
    left = max(box["left"], math.ceil(longest * DIGIT_CHAR * box["font"]) + 10)
    longest = max(len(text) for _, _, text in right_texts(chart, style, target, box, unit))
    # 6 units from the line to the label, and room for a wide last glyph ("%").
    right = max(box["right"], math.ceil(longest * BOLD_CHAR * box["font"]) + 6 + box["font"])
    return Frame(box | {"left": left, "right": right}, plus_days(start, -pad), plus_days(end, pad), low, high,
                  box["top"])


def nice_step(rough):
    if rough <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(rough))
    for factor in (1, 2, 2.5, 5, 10):
        if rough <= factor * power:
            return factor * power
    return 10 * power


def value_ticks(low, high, box, unit):
    step = nice_step((high - low) / box["y_ticks"])
    value, out = math.ceil(low / step) * step, []
    while value <= high + step * 1e-9:
        out.append((value, fmt(value, "%" if unit == "%" else "")))
        value += step
    return out


def time_ticks(start, end, most):
    """At most ``most`` ticks: Mondays for a short chart, else month starts every 1, 2,
    3 or 6 months, else 1 January every so many years (a chart may span a century)."""
    days = (end - start).days
    if days < 75:
        step = 7 if days <= 7 * most else 14
        first = plus_days(start, (7 - start.weekday()) % 7)
        ticks = []
        on = first
        while on <= end and len(ticks) < most:
            ticks.append((on, f"{on.day} {on:%b}"))
            on = plus_days(on, step)
        return ticks
    months = (end.year - start.year) * 12 + end.month - start.month
    every = next((m for m in (1, 2, 3, 6) if months / m <= most), None)
    if every is None:
        years = max(1, math.ceil(months / 12 / most))
        years = next(n for n in (1, 2, 5, 10, 20, 25, 50, 100, years) if n >= years)
        first = (start.year // years + 1) * years
        return [(date(y, 1, 1), str(y)) for y in range(first, end.year + 1, years)
                if start < date(y, 1, 1) <= end]
    ticks, year, month = [], start.year, start.month + 1
    if month > 12:
        year, month = year + 1, 1
    while year <= date.max.year and date(year, month, 1) <= end:  # end may be date.max
        on = date(year, month, 1)
        if (month - 1) % every == 0:
            ticks.append((on, f"{on:%b %Y}" if month == 1 or not ticks else f"{on:%b}"))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return ticks


def right_texts(chart, style, target, box, unit):
    """``(value, word, text)`` of each label in the right-hand margin: the target and the
    current segment's centre line (and limits). A layout with a narrow margin gives the
    number alone (the legend names the line)."""
    c = chart.current.chart
    named = [("Target", target)] + ([("Median", c.median)] if style == "run" else
                                    [("Mean", c.mean), ("UCL", c.ucl), ("LCL", c.lcl)])
    return [(value, word, f"{word} {fmt(value, unit)}" if box["words"]
             else fmt(value, "%" if unit == "%" else ""))
            for word, value in named if value is not None] or [(None, "", "")]
