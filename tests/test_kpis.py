"""tracker.kpis: the Making Data Count variation and assurance of each school's XmR chart
(API.md "The trust's view"), and trust KPIs' writes through tracker.measures."""
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from tracker import kpis, measures
from tracker.errors import Forbidden, Invalid, NotFound
from tracker.models import Measure, MeasurePoint
from tracker.runcharts import xmr

START = date(2026, 1, 5)


def week(i):
    return START + timedelta(weeks=i)


def series(values):
    return [(week(i), v) for i, v in enumerate(values)]


#: Alternating 10 and 12: mean 11, moving range 2, limits 5.68 and 16.32, no signal.
STABLE = [10, 12] * 6


def spc(values, higher_is_better=True, target=None):
    return xmr(series(values), higher_is_better, target=target)


# --------------------------------------------------------------------------- variation


@pytest.mark.parametrize("values, higher_is_better, expected", [
    (STABLE[:11], True, None),                      # 11 points: too few to judge
    (STABLE, True, "common_cause"),                 # exactly 12, no signal
    (STABLE[:11] + [30], True, "improvement"),      # latest beyond the upper limit
    (STABLE[:11] + [30], False, "concern"),         # the same point when lower is better
    (STABLE[:11] + [-10], True, "concern"),         # beyond the lower limit
    (STABLE[:11] + [-10], False, "improvement"),
    # 7 high points falling: a shift above (improvement) and a falling trend (concern) at once
    ([0, 1] * 6 + [20, 19, 18, 17, 16, 15, 14], True, "concern"),
    # a signal long ago, none at the latest point: common cause now
    ([30] + STABLE * 2, True, "common_cause"),
])
def test_variation_is_the_kind_of_signal_the_latest_point_lies_in(values, higher_is_better, expected):
    assert kpis.variation(spc(values, higher_is_better)) == expected


def test_a_shift_that_runs_to_the_latest_point_is_special_cause():
    chart = spc([10, 12] * 4 + [14, 15, 14, 15, 14, 15, 14])  # the last 7 above the mean
    assert any(s.rule == "shift" for s in chart.signals)
    assert kpis.variation(chart) == "improvement"


# --------------------------------------------------------------------------- assurance


@pytest.mark.parametrize("target, higher_is_better, expected", [
    (None, True, None),         # no target: nothing to assure
    (5, True, "pass"),          # below the lower limit: every point beats it
    (20, True, "fail"),         # above the upper limit: no point reaches it
    (11, True, "uncertain"),    # between the limits: hit and miss
    (20, False, "pass"),        # lower is better: above the upper limit passes
    (5, False, "fail"),
    (11, False, "uncertain"),
    (16, True, "uncertain"),    # just inside the upper limit (16.32)
    (16.5, True, "fail"),       # just beyond it
])
def test_assurance_is_where_the_target_lies_against_the_limits(target, higher_is_better, expected):
    assert kpis.assurance(spc(STABLE, higher_is_better, target)) == expected


def test_assurance_needs_twelve_points_too():
    assert kpis.assurance(spc(STABLE[:11], True, 5)) is None
    assert kpis.assurance(spc(STABLE[:12], True, 5)) == "pass"


def test_a_measure_page_reads_its_target_against_the_limits_with_any_number_of_points():
    assert kpis.target_against_limits(spc(STABLE[:4], True, 5)) == "pass"
    assert kpis.target_against_limits(spc(STABLE[:4], False, 5)) == "fail"
    assert kpis.target_against_limits(spc(STABLE[:1], True, 5)) is None  # no limits yet


def test_the_judgement_is_of_the_segment_since_the_latest_rebase():
    measure = SimpleNamespace(rebases=[SimpleNamespace(starts_on=week(12), baseline_until=None,
                                                       reason="New register")],
                              baseline_until=None, higher_is_better=True, target=5.0)
    reading = kpis.judge(measure, 7, series(STABLE + [40, 42, 40]))
    assert reading.n == 15 and reading.latest_on == week(14) and reading.latest_value == 40
    assert reading.variation is None and reading.assurance is None  # 3 points since the re-base
    reading = kpis.judge(measure, 7, series(STABLE + [40, 42] * 6))
    assert (reading.variation, reading.assurance) == ("common_cause", "pass")


def test_a_school_with_no_points_reads_as_nothing_yet():
    measure = SimpleNamespace(rebases=[], baseline_until=None, higher_is_better=True, target=None)
    assert kpis.judge(measure, 3, []).to_dict() == {
        "school_id": 3, "latest": None, "n": 0, "variation": None, "assurance": None}


def test_a_reading_without_its_chart_is_the_reading_with_it():
    """The reports (dashboard, digest) judge only the current segment (``judge_only``); the
    reading must be the one the pages' full chart gives, whatever the re-bases and baselines:
    a re-base with no points yet, a frozen baseline, points sharing a date, none at all."""
    import random
    rng = random.Random(3)
    for case in range(300):
        rebases = sorted({week(rng.randrange(1, 40)) for _ in range(rng.randrange(0, 3))})
        measure = SimpleNamespace(
            rebases=[SimpleNamespace(starts_on=on, baseline_until=rng.choice([None, on + timedelta(weeks=6)]),
                                     reason="") for on in rebases],
            baseline_until=rng.choice([None, week(8)]), higher_is_better=rng.choice([True, False]),
            target=rng.choice([None, 95.0, 90.5]))
        pairs = [(week(rng.randrange(0, 45)), round(rng.gauss(94, 3), 1))
                 for _ in range(rng.randrange(0, 60))]
        full, quick = kpis.judge(measure, 1, pairs), kpis.judge_only(measure, 1, pairs)
        assert quick == full, (case, measure, pairs)
        assert quick.to_dict() == full.to_dict()


def test_a_remembered_reading_follows_every_change_of_its_inputs():
    """Readings are remembered by their inputs: a new target, a new re-base or a changed
    point is read afresh, never served from before the change."""
    measure = SimpleNamespace(rebases=[], baseline_until=None, higher_is_better=True, target=5.0)
    points = series(STABLE + [40, 42] * 6)
    assert kpis.judge_only(measure, 7, points).assurance == "pass"
    measure.target = 100.0
    assert kpis.judge_only(measure, 7, points).assurance == "fail"
    measure.rebases = [SimpleNamespace(starts_on=week(12), baseline_until=None, reason="")]
    assert kpis.judge_only(measure, 7, points) == kpis.judge(measure, 7, points)
    changed = points[:-1] + [(points[-1][0], 400.0)]
    fresh = kpis.judge_only(measure, 7, changed)
    assert fresh.latest_value == 400.0 and fresh == kpis.judge(measure, 7, changed)
    assert fresh.variation == "improvement"  # far above the limits, higher is better


# --------------------------------------------------------------------------- writes


@pytest.fixture
def trust(make, session):
    north, south = make.school(name="North Primary", urn="200001"), make.school(name="South Academy", urn="200002")
    people = {
        "admin": make.user("admin"), "central": make.user("central_team"),
        "lead": make.user("school_lead", schools=[north]),
        "project": make.user("project_lead", schools=[north]),
        "viewer": make.user("viewer", schools=[north]),
    }
    kpi = kpis.create_kpi(session, people["central"], name="Attendance", unit="%",
                          higher_is_better=True, target=95.0)
    session.commit()
    return SimpleNamespace(north=north, south=south, kpi=kpi, **people)


def test_only_admins_and_the_central_team_define_kpis(trust, session):
    for who in (trust.lead, trust.project, trust.viewer):
        with pytest.raises(Forbidden):
            kpis.create_kpi(session, who, name="Reading")
    kpi = kpis.create_kpi(session, trust.admin, name="Reading", unit="score")
    assert kpi.is_trust_kpi and kpi in kpis.trust_kpis(session)
    with pytest.raises(Forbidden):
        measures.update_measure(session, trust.lead, trust.kpi, trust.kpi.version, target=90)


def test_a_school_lead_records_kpi_values_for_their_own_schools_only(trust, session):
    recorded = measures.record_point(session, trust.lead, trust.kpi, week(0), 94.1, trust.north.id)
    assert recorded.point.school_id == trust.north.id
    with pytest.raises(NotFound):  # a school they cannot see
        measures.record_point(session, trust.lead, trust.kpi, week(0), 94.1, trust.south.id)
    for who in (trust.project, trust.viewer):
        with pytest.raises(Forbidden):
            measures.record_point(session, who, trust.kpi, week(0), 94.1, trust.north.id)
    for who in (trust.admin, trust.central):
        assert measures.record_point(session, who, trust.kpi, week(1), 93, trust.south.id).point


def test_a_kpi_value_names_its_school(trust, session):
    with pytest.raises(Invalid) as error:
        measures.record_point(session, trust.admin, trust.kpi, week(0), 94.1)
    assert "school_id" in error.value.fields
    with pytest.raises(NotFound):
        measures.record_point(session, trust.admin, trust.kpi, week(0), 94.1, 999_999)


def test_a_kpi_import_takes_each_rows_school_or_the_chosen_one(trust, session):
    with pytest.raises(Invalid) as error:
        measures.import_points_csv(session, trust.lead, trust.kpi, "date,value\n2026-01-05,94\n")
    assert "file" in error.value.fields
    report = measures.import_points_csv(session, trust.lead, trust.kpi,
                                        "date,value\n2026-01-05,94\n", school_id=trust.north.id)
    assert report.accepted == 1 and report.rows[0].school_id == trust.north.id
    report = measures.import_points_csv(session, trust.lead, trust.kpi, (
        "date,value,urn\n2026-01-12,95,200001\n2026-01-12,91,200002\n2026-01-19,96,\n"))
    assert [r.status for r in report.rows] == ["accepted", "refused", "refused"]
    assert "not one of your schools" in report.rows[1].reason
    assert "No school" in report.rows[2].reason
    with pytest.raises(Forbidden):
        measures.import_points_csv(session, trust.project, trust.kpi, "date,value\n2026-01-05,94\n",
                                   school_id=trust.north.id)


def test_compare_schools_gives_every_visible_school_even_without_points(trust, session):
    for i, value in enumerate(STABLE):
        session.add(MeasurePoint(measure_id=trust.kpi.id, school_id=trust.north.id, on=week(i),
                                 value=90 + value / 10))
    session.commit()
    rows = kpis.compare_schools(session, trust.admin, trust.kpi)
    assert [r.school_id for r in rows] == [trust.north.id, trust.south.id]
    assert (rows[0].n, rows[0].variation, rows[0].assurance) == (12, "common_cause", "fail")
    assert (rows[1].n, rows[1].latest_on, rows[1].variation) == (0, None, None)
    assert [r.school_id for r in kpis.compare_schools(session, trust.lead, trust.kpi)] == [trust.north.id]


def _fill(make, session, schools, kpis_count, points):
    made = [make.school() for _ in range(schools)]
    for k in range(kpis_count):
        kpi = Measure(initiative_id=None, name=f"KPI {k}", unit="%", higher_is_better=bool(k % 2))
        session.add(kpi)
        session.flush()
        for school in made:
            for i in range(points):
                session.add(MeasurePoint(measure_id=kpi.id, school_id=school.id, on=week(i),
                                         value=90 + (i * 7 + school.id) % 9))
    session.commit()
    return made


def test_summaries_take_a_fixed_number_of_queries(make, session, count_queries):
    admin = make.user("admin")
    small = [s.id for s in _fill(make, session, 2, 1, 3)]
    session.expire_all()
    with count_queries() as few:
        result = kpis.summaries(session, admin, small)
    assert len(result) == 2
    large = small + [s.id for s in _fill(make, session, 12, 3, 20)]
    session.expire_all()
    with count_queries() as many:
        result = kpis.summaries(session, admin, large)
    assert len(result) == 4 * 14
    # The reader (expired above), the KPIs, their re-bases and the points.
    assert many.count == few.count <= 4, many.statements
    assert result[(kpis.trust_kpis(session)[1].id, large[-1])].n == 20
