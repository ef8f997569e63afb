"""Measures: what an initiative watches over time (or, with no initiative, a trust KPI that
every school records), their points, and their charts.

- ``records``: measures, points, frozen baselines and re-bases (the writes), and the
  parsing of dates and values every way in shares;
- ``imports``: points from a CSV file (an MIS export), with a report on every row;
- ``views``: charts per segment (``tracker.runcharts`` holds the rules, one XmR for all),
  and what the pages show of a measure.

Callers use ``from tracker import measures`` and ``measures.X``: the names are re-exported here.
"""
from tracker.measures.imports import (MAX_IMPORT_CHARS, MAX_IMPORT_ROWS, ImportReport, ImportRow,
                                      decode_upload, import_points_csv)
from tracker.measures.records import (KPI_DEFINE_REFUSAL, KPI_POINT_REFUSAL, MAX_MAGNITUDE, MAX_NAME,
                                      MAX_REASON, MAX_UNIT, RecordedPoint, add_rebase,
                                      create_measure, delete_measure, delete_point, find_measures,
                                      find_points, get_measure, kpi_school, parse_date, parse_value,
                                      record_point, remove_rebase, require_definer,
                                      require_recorder, update_measure)
from tracker.measures.views import (DRAWN_DAYS_AHEAD, QUIET_AFTER_DAYS, RULES, SERIES_COMBINED,
                                    SERIES_INITIATIVE, SERIES_MEAN, SERIES_SCHOOL, Annotation,
                                    MeasureChart, MeasureSummary, MeasureView, SchoolSeries, Segment,
                                    annotations, build_chart, chart_points, check_school, current_xmr,
                                    measure_chart,
                                    measure_summaries, measure_view, school_charts, split_drawable)

__all__ = [
    "KPI_DEFINE_REFUSAL", "KPI_POINT_REFUSAL", "check_school", "kpi_school", "require_definer",
    "require_recorder", "Annotation", "DRAWN_DAYS_AHEAD", "ImportReport", "ImportRow", "MAX_IMPORT_CHARS",
    "MAX_IMPORT_ROWS", "MAX_MAGNITUDE", "MAX_NAME", "MAX_REASON", "MAX_UNIT", "MeasureChart",
    "MeasureSummary", "MeasureView", "QUIET_AFTER_DAYS", "RULES", "RecordedPoint", "SERIES_COMBINED",
    "SERIES_INITIATIVE", "SERIES_MEAN", "SERIES_SCHOOL", "SchoolSeries", "Segment", "add_rebase",
    "annotations", "build_chart", "chart_points", "create_measure", "current_xmr", "decode_upload",
    "delete_measure", "delete_point", "find_measures", "find_points", "get_measure",
    "import_points_csv", "measure_chart", "measure_summaries", "measure_view", "parse_date",
    "parse_value", "record_point", "remove_rebase", "school_charts", "split_drawable",
    "update_measure",
]
