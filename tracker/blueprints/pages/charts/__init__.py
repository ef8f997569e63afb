"""Run charts and XmR charts as SVG drawn on the server: no JavaScript, no CDN.

Each function returns a ``<figure>`` (Markup) holding the SVG, the numbered key to
the events marked on its time axis, the points left out, and the chart in words behind a
"Describe this chart" toggle. Signals are shown by shape and label as well as colour;
the SVG is named by its ``<title>`` and described by its ``<desc>`` (the words) so a
screen reader announces one image with its signals in words, not a hundred shapes.

Every SVG scales to its box (a viewBox, no width or height). A full chart is drawn
twice, wide and narrow, and app.css shows one by the screen's width: scaling one
drawing down to a phone would shrink its text below legibility. Each layout's ``font``
is the text size app.css gives it, in SVG units, so that labels are spaced for it.

The drawing lives beside the pages that show it; the rules (``tracker.runcharts``) and the
segments (``tracker.measures``) stay in the domain. Input is a ``tracker.measures.MeasureChart``: the points and centre lines come
from its segments (a re-base starts a new centre line; a frozen baseline is
shaded, its centre line extended dashed over the points judged against it).
"""
from tracker.blueprints.pages.charts.figure import run_chart_figure, spc_chart_figure
from tracker.blueprints.pages.charts.layout import BOLD_CHAR, PLAIN_CHAR, fmt
from tracker.blueprints.pages.charts.signals import signal_words

__all__ = ["BOLD_CHAR", "PLAIN_CHAR", "fmt", "run_chart_figure", "signal_words", "spc_chart_figure"]
