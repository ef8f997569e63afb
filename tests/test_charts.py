"""tracker.charts: the SVG a person (or a screen reader) reads."""
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from tracker import charts, measures

START = date(2026, 1, 5)
SVG = "{http://www.w3.org/2000/svg}"


def week(i):
    return START + timedelta(weeks=i)


def measure(**kw):
    values = {"rebases": [], "baseline_until": None, "higher_is_better": True, "target": None}
    values.update(kw)
    return SimpleNamespace(**values)


def chart(values, kind="ihi", **kw):
    return measures.build_chart(measure(**kw), [(week(i), v) for i, v in enumerate(values)], kind)


def svg_of(figure):
    """The <svg> element of a figure, parsed (it must be well-formed XML)."""
    return ET.fromstring(re.search(r"<svg.*</svg>", str(figure), re.S).group(0))


SHIFT_UP = [5, 4, 5, 4, 5, 4, 9, 9, 10, 9, 10, 9]


def test_a_run_chart_names_itself_and_carries_its_signals_in_words():
    figure = charts.run_chart_figure(chart(SHIFT_UP), title="Run chart of Reading", chart_id="c1")
    svg = svg_of(figure)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").text == "Run chart of Reading"
    desc = svg.find(f"{SVG}desc").text
    assert desc.startswith("Run chart of 12 points; median 7.") and "A shift: 6 points above" in desc
    assert f'<figcaption class="chart-words">{desc}</figcaption>' in str(figure)


def test_signal_points_differ_by_shape_and_the_signal_is_labelled_not_only_coloured():
    svg = svg_of(charts.run_chart_figure(chart(SHIFT_UP), title="t"))
    shift_marks = svg.findall(f".//{SVG}rect[@class='chart-signal chart-signal-shift']")
    plain = svg.findall(f".//{SVG}circle[@class='chart-point']")
    assert len(shift_marks) + len(svg.findall(f".//{SVG}polygon")) >= 6
    assert len(plain) >= 1
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    assert any(label.startswith("Shift: 6 points above the median") for label in labels)
    assert "In a shift" in labels  # the legend explains the shape


def test_the_target_median_and_frozen_baseline_are_drawn_and_labelled():
    svg = svg_of(charts.run_chart_figure(chart([1, 2, 3, 4, 5, 6], baseline_until=week(2)),
                                         title="t", unit="%", target=8))
    labels = [t.text for t in svg.iter(f"{SVG}text")]
    assert "Target 8%" in labels and "Median 2%" in labels and "Baseline (frozen)" in labels
    assert svg.findall(f".//{SVG}rect[@class='chart-baseline']")
    assert svg.findall(f".//{SVG}line[@class='chart-median chart-extended']")


def test_an_xmr_chart_marks_improvement_and_concern_by_the_measures_direction():
    values = [10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 30]
    better = svg_of(charts.spc_chart_figure(chart(values, "xmr"), title="t"))
    worse = svg_of(charts.spc_chart_figure(chart(values, "xmr", higher_is_better=False), title="t"))
    assert better.findall(f".//{SVG}rect[@class='chart-improvement']")
    assert worse.findall(f".//{SVG}polygon[@class='chart-concern']")
    labels = [t.text for t in worse.iter(f"{SVG}text")]
    assert "Concern: beyond the upper limit" in labels
    assert any(label.startswith("UCL ") for label in labels) and any(
        label.startswith("LCL ") for label in labels)


def test_phase_changes_and_pdsa_cycles_appear_on_the_time_axis_with_a_key():
    notes = [measures.Annotation(week(3), "phase", "→ Deliver"),
             measures.Annotation(week(5), "pdsa", "PDSA “One class” (study)"),
             measures.Annotation(week(40), "pdsa", "Long after the last point")]
    figure = str(charts.run_chart_figure(chart(SHIFT_UP), title="t", annotations=notes))
    svg = svg_of(figure)
    assert len(svg.findall(f".//{SVG}g[@class='chart-event chart-event-phase']")) == 1
    assert len(svg.findall(f".//{SVG}g[@class='chart-event chart-event-pdsa']")) == 1
    assert "26 Jan 2026</time>: → Deliver" in figure
    assert "Long after" not in figure


def test_a_rebase_draws_a_new_segment_with_its_own_centre_line():
    rebased = measure(rebases=[SimpleNamespace(starts_on=week(6), baseline_until=None, reason="")])
    built = measures.build_chart(rebased, [(week(i), v) for i, v in enumerate(SHIFT_UP)])
    svg = svg_of(charts.run_chart_figure(built, title="t"))
    assert len(svg.findall(f"./{SVG}line[@class='chart-median']")) == 2  # the legend's is in a group
    assert "Re-based" in [t.text for t in svg.iter(f"{SVG}text")]


def test_a_chart_with_no_points_says_so():
    figure = charts.run_chart_figure(chart([]), title="t")
    assert "No points yet" in str(figure)
    svg_of(figure)


@pytest.mark.parametrize("values", [[5], [5, 5, 5], [-3, -1, -2], [0.001, 0.002, 0.0015], [1e9, 2e9]])
def test_odd_data_still_draws_a_well_formed_chart(values):
    for draw, kind in ((charts.run_chart_figure, "ihi"), (charts.spc_chart_figure, "xmr")):
        svg = svg_of(draw(chart(values, kind), title="t", target=0))
        coords = [float(v) for el in svg.iter() for k, v in el.attrib.items()
                  if k in ("cx", "cy", "x", "y", "x1", "x2", "y1", "y2")]
        assert all(abs(c) < 10_000 for c in coords)


def test_text_from_users_is_escaped():
    notes = [measures.Annotation(week(1), "pdsa", "<script>alert(1)</script>")]
    figure = str(charts.run_chart_figure(chart([1, 2, 3]), title="<b>x</b>", annotations=notes))
    assert "<script>" not in figure and "<b>" not in figure


def test_signal_words_give_one_sentence_per_signal_with_its_kind():
    words = charts.signal_words(chart([10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 30], "xmr",
                                      higher_is_better=False))
    assert ("concern", "beyond the upper limit, on 16 Mar 2026.") in words


@pytest.mark.parametrize("value, unit, text", [
    (94.5, "%", "94.5%"), (3.0, "", "3"), (1234.5678, "pupils", "1,234.57 pupils"),
    (None, "%", "–"), (-0.001, "", "0")])
def test_numbers_are_written_for_people(value, unit, text):
    assert charts.fmt(value, unit) == text
