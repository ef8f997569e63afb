"""tracker.blueprints.pages.charts: the SVG a person (or a screen reader) reads."""
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from tracker import measures
from tracker.blueprints.pages import charts
from tracker.models import MeasurePoint

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
    """The wide <svg> of a figure (the one a desktop shows), parsed: it must be well-formed XML."""
    return ET.fromstring(re.search(r"<svg.*?</svg>", str(figure), re.S).group(0))


SHIFT_UP = [5, 4, 5, 4, 5, 4, 9, 9, 10, 9, 10, 9]


def test_a_run_chart_names_itself_and_carries_its_signals_in_words():
    figure = charts.run_chart_figure(chart(SHIFT_UP), title="Run chart of Reading", chart_id="c1")
    svg = svg_of(figure)
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "Run chart of Reading"
    desc = svg.find(f"{SVG}desc").text
    assert desc.startswith("Run chart of 12 points; median 7.") and "A shift: 6 points above" in desc


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


# --------------------------------------------------------------------------- on any screen


def svgs_of(figure):
    """Every <svg> of a figure by its layout (``wide``, ``narrow``, ``compact``), parsed."""
    out = {}
    for text in re.findall(r"<svg.*?</svg>", str(figure), re.S):
        svg = ET.fromstring(text)
        layout = next(c.removeprefix("chart-svg-") for c in svg.get("class").split()
                      if c.startswith("chart-svg-"))
        out[layout] = svg
    return out


def css_font_size(layout):
    """The font size app.css gives a layout's SVG text, in SVG units."""
    with open("static/app.css", encoding="utf-8") as file:
        css = file.read()
    rule = re.search(r"\.chart-svg-%s\s*\{[^}]*font-size:\s*([\d.]+)px" % layout, css)
    return float(rule.group(1))


def view_box(svg):
    return [float(n) for n in svg.get("viewBox").split()]


PHONE_CHART_WIDTH = 294  # a 360 px phone less the page's and the card's padding


@pytest.mark.parametrize("draw, kind", [(charts.run_chart_figure, "ihi"),
                                        (charts.spc_chart_figure, "xmr")])
def test_a_chart_scales_to_the_screen_with_no_fixed_size_and_no_scroll_box(draw, kind):
    figure = str(draw(chart(SHIFT_UP * 3, kind), title="t", target=8, unit="%"))
    layouts = svgs_of(figure)
    assert set(layouts) == {"wide", "narrow"}
    for svg in layouts.values():
        assert len(view_box(svg)) == 4
        assert svg.get("width") is None and svg.get("height") is None
    assert "chart-scroll" not in figure and "overflow" not in figure
    assert "style=" not in figure  # the CSP allows no inline style


def test_the_narrow_chart_keeps_its_text_at_12_px_or_more_on_a_phone():
    for layout, figure in (("narrow", charts.run_chart_figure(chart(SHIFT_UP), title="t")),
                           ("compact", charts.run_chart_figure(chart(SHIFT_UP), title="t",
                                                               compact=True))):
        svg = svgs_of(figure)[layout]
        width = view_box(svg)[2]
        assert css_font_size(layout) * PHONE_CHART_WIDTH / width >= 12, layout


def test_the_newest_point_is_drawn_inside_every_layout():
    built = chart(SHIFT_UP * 4)
    figures = [charts.run_chart_figure(built, title="t"),
               charts.run_chart_figure(built, title="t", compact=True)]
    for svg in [s for f in figures for s in svgs_of(f).values()]:
        width = view_box(svg)[2]
        titles = {el.find(f"{SVG}title").text: el for el in svg.iter()
                  if el.find(f"{SVG}title") is not None and el.get("class", "").startswith("chart-")}
        newest = next(el for label, el in titles.items() if label.startswith(week(47).strftime("%-d %b %Y:")))
        x = float(newest.get("cx") or newest.get("x") or newest.get("points").split(",")[0])
        assert 0 < x < width - 20


def test_the_words_are_the_charts_description_and_a_toggle_not_printed_text():
    figure = str(charts.run_chart_figure(chart(SHIFT_UP), title="Run chart of Reading",
                                         chart_id="c1"))
    wide = svgs_of(figure)["wide"]
    assert wide.get("aria-labelledby") == "c1-title"
    assert wide.get("aria-describedby") == "c1-desc"
    words = wide.find(f"{SVG}desc").text
    assert words.startswith("Run chart of 12 points")
    assert re.search(r"<details class=\"chart-describe\"><summary>Describe this chart"
                     r"<span class=\"visually-hidden\">: Run chart of Reading</span></summary>"
                     r"<p>" + re.escape(words) + "</p></details>", figure)
    assert "<figcaption" not in figure
    narrow = svgs_of(figure)["narrow"]
    assert narrow.get("aria-labelledby") == "c1-narrow-title"  # ids stay unique


@pytest.mark.parametrize("odd", [date(2099, 1, 5), date(1900, 1, 1), date(1901, 6, 1)])
def test_a_point_decades_away_still_draws_a_chart_with_a_readable_time_axis(odd):
    pairs = [(week(i), v) for i, v in enumerate(SHIFT_UP)] + [(odd, 5)]
    for draw, kind in ((charts.run_chart_figure, "ihi"), (charts.spc_chart_figure, "xmr")):
        for svg in svgs_of(draw(measures.build_chart(measure(), pairs, kind), title="t")).values():
            ticks = svg.findall(f".//{SVG}g[@class='chart-grid']/{SVG}line[@class='chart-tick']")
            assert 2 <= len(ticks) <= 8


def test_points_left_out_of_a_chart_are_named_beside_it():
    built = chart(SHIFT_UP)
    built.left_out = [date(2099, 1, 5), date(1900, 1, 1)]
    figure = str(charts.run_chart_figure(built, title="t"))
    assert ('<p class="chart-left-out">Not drawn: 2 points dated 1 Jan 1900 and 5 Jan 2099, '
            "dates a measurement cannot have. Correct or remove them in the list of points.</p>"
            ) in figure


# --------------------------------------------------------------------------- on the measure page


@pytest.fixture
def measure_page(make, session, login_as):
    """A lead's measure with 12 weekly points; ``add(on, value, school=None)`` adds one
    straight to the database (as points stored before today's date rules were), ``html()``
    is the measure page as the lead sees it."""
    school, other = make.school(name="Oakwood"), make.school(name="Ashfield")
    lead = make.user("project_lead", schools=[school, other])
    initiative = make.initiative(schools=[school, other], owner=lead)
    found = make.measure(initiative, name="Reading")

    def add(on, value, school=None):
        session.add(MeasurePoint(measure_id=found.id, on=on, value=value,
                                 school_id=school.id if school else None))
        session.commit()

    def html(**query):
        response = login_as(lead).get(f"/measures/{found.id}", query_string=query)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    return SimpleNamespace(add=add, html=html, school=school, other=other, measure=found)


def chart_desc(html, chart_id):
    return re.search(rf'<desc id="{chart_id}-desc">([^<]*)</desc>', html).group(1)


@pytest.mark.parametrize("odd", [date(2099, 1, 5), date(1900, 1, 1), date(2030, 3, 4)])
def test_a_point_with_an_impossible_date_leaves_the_charts_drawn_and_is_named(measure_page, odd):
    for i, value in enumerate(SHIFT_UP):
        measure_page.add(week(i), value)
    measure_page.add(odd, 50)
    html = measure_page.html()
    for chart_id in ("run-chart", "spc-chart"):
        assert f'<svg xmlns="http://www.w3.org/2000/svg"' in html.split(f'id="{chart_id}"')[1]
        assert chart_desc(html, chart_id).split(";")[0].endswith("of 12 points")
    assert html.count(f"Not drawn: 1 point dated {odd.strftime('%-d %b %Y')}") == 2
    assert odd.strftime("%-d %b %Y") in html.split('id="points-section"')[1]  # still listed


def test_the_latest_value_of_a_measure_is_not_a_point_dated_in_the_future(
        make, session, measure_page, login_as):
    for i, value in enumerate([10, 11, 12]):
        measure_page.add(week(i), value)
    measure_page.add(date(2099, 1, 5), 99)
    summary, = measures.measure_summaries(session, measure_page.measure.initiative,
                                          today=date(2026, 6, 1))
    assert (summary.latest_on, summary.latest_value) == (week(2), 12)
    assert summary.chart.left_out == [date(2099, 1, 5)]


def test_with_points_with_and_without_a_school_the_default_chart_shows_them_all(measure_page):
    measure_page.add(week(0), 50)  # for the whole initiative
    for i in range(1, 4):
        measure_page.add(week(i), 60 + i, measure_page.school)
        measure_page.add(week(i), 70 + i, measure_page.other)
    desc = chart_desc(measure_page.html(), "run-chart")
    assert desc.startswith("Run chart of 4 points; median 66.5")  # 50, then 66, 67, 68
    one = chart_desc(measure_page.html(school_id=measure_page.other.id), "run-chart")
    assert one.startswith("Run chart of 3 points; median 72")


def test_an_initiative_wide_value_is_the_figure_for_its_date_and_the_schools_fill_the_rest(make):
    a, b = make.school(), make.school()
    rows = [(None, week(0), 50.0), (a.id, week(0), 1.0), (a.id, week(1), 2.0),
            (b.id, week(1), 4.0), (b.id, week(2), 6.0)]
    assert measures.chart_points(None, rows) == (
        "combined", None, [(week(0), 50.0), (week(1), 3.0), (week(2), 6.0)])
    whole_only = [(None, week(0), 50.0), (a.id, week(0), 1.0)]
    assert measures.chart_points(None, whole_only) == ("initiative", None, [(week(0), 50.0)])


def test_signal_labels_never_print_over_each_other():
    sawtooth = [68, 70, 67, 69, 71, 68, 72, 74, 73, 76, 75] + [70 + i % 7 for i in range(11, 40)]
    for draw, kind in ((charts.run_chart_figure, "ihi"), (charts.spc_chart_figure, "xmr")):
        for layout, svg in svgs_of(draw(chart(sawtooth, kind), title="t")).items():
            font = {"wide": 12, "narrow": 14}[layout]
            placed = []
            for text in svg.findall(f".//{SVG}g/{SVG}text"):
                if "chart-bracket" not in (parent_class := next(
                        g.get("class") for g in svg.iter(f"{SVG}g") if text in list(g))):
                    continue
                x, y = float(text.get("x")), float(text.get("y"))
                width = len(text.text) * charts.BOLD_CHAR * font
                assert all(y != y2 or x + width < x2 or x > x2 + w2 for x2, y2, w2 in placed), \
                    (layout, parent_class, text.text)
                placed.append((x, y, width))
            assert placed  # the signals are still bracketed where they fit


@pytest.mark.parametrize("values, unit", [([68, 70, 67, 69, 71, 68], "%"),
                                          ([1_250_000, 1_300_000, 1_275_000], "")])
def test_the_margins_make_room_for_the_longest_labels(values, unit):
    for layout, svg in svgs_of(charts.run_chart_figure(chart(values), title="t", unit=unit)).items():
        width, font = view_box(svg)[2], {"wide": 12, "narrow": 14}[layout]
        for text in svg.iter(f"{SVG}text"):
            if text.get("text-anchor") == "end":  # a value on the left
                assert float(text.get("x")) - len(text.text) * charts.PLAIN_CHAR * font >= 0
            elif "label" in (text.get("class") or ""):  # a centre line's or target's, on the right
                assert float(text.get("x")) + (len(text.text) + 1) * charts.BOLD_CHAR * font <= width


@pytest.mark.parametrize("dates", [[date.min, date(2026, 1, 5), date.max],
                                   [date(9999, 12, 1), date(9999, 12, 15), date.max],
                                   [date(9996, 3, 1), date(9998, 1, 1), date.max]])
def test_points_at_the_ends_of_the_calendar_still_draw(dates):
    built = measures.build_chart(measure(), [(on, i) for i, on in enumerate(dates)], "ihi")
    for svg in svgs_of(charts.run_chart_figure(built, title="t")).values():
        assert svg.findall(f".//{SVG}g[@class='chart-points']/*")
