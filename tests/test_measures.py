"""tracker.measures: recording and importing points, segments (frozen baseline, re-bases),
the initiative page's summaries; and the measure pages built on them."""
from datetime import date, timedelta

import pytest

from tracker import measures
from tracker.errors import Conflict, Forbidden, Invalid, NotFound, StaleVersion
from tracker.models import MeasurePoint, PdsaCycle, Transition
from tracker.models.base import utcnow

START = date(2026, 1, 5)


def week(i):
    return START + timedelta(weeks=i)


def add_points(session, measure, values, school=None, start=0):
    for i, value in enumerate(values, start=start):
        session.add(MeasurePoint(measure_id=measure.id, on=week(i), value=value,
                                 school_id=school.id if school else None))
    session.commit()


@pytest.fixture
def setup(make):
    school = make.school(name="Oakwood Primary", urn="123456")
    owner = make.user("project_lead", schools=[school])
    initiative = make.initiative(schools=[school], owner=owner)
    measure = make.measure(initiative, name="Attendance", unit="%", target=95.0)
    return school, owner, initiative, measure


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("raw, value", [
    (94.5, 94.5), (3, 3.0), ("94.5", 94.5), (" 94.5% ", 94.5), ("-2", -2.0), (".5", 0.5),
    ("1e3", 1000.0),
])
def test_a_value_is_a_finite_number_written_as_a_person_would(raw, value):
    assert measures.parse_value(raw) == value


@pytest.mark.parametrize("raw", [True, None, "", "lots", "1,5", "nan", "inf", float("nan"),
                                 float("inf"), 1e13, "12 pupils"])
def test_anything_else_is_not_a_value(raw):
    with pytest.raises(Invalid) as error:
        measures.parse_value(raw)
    assert "value" in error.value.fields


@pytest.mark.parametrize("raw, on", [
    ("2026-03-02", date(2026, 3, 2)), ("02/03/2026", date(2026, 3, 2)),
    ("2/3/2026", date(2026, 3, 2)), ("02-03-2026", date(2026, 3, 2)),
    ("02.03.2026", date(2026, 3, 2)), ("2026-03-02T00:00:00", date(2026, 3, 2)),
    ("02/03/2026 09:15", date(2026, 3, 2)), (date(2026, 3, 2), date(2026, 3, 2)),
])
def test_dates_are_read_as_iso_or_day_first_as_uk_exports_write_them(raw, on):
    assert measures.parse_date(raw) == on


@pytest.mark.parametrize("raw", ["2026-02-30", "31/04/2026", "13/13/2026", "03/02/26",
                                 "March 2", "", "1066-10-14", 20260302])
def test_impossible_or_unreadable_dates_are_refused(raw):
    with pytest.raises(Invalid):
        measures.parse_date(raw)


def test_an_upload_in_excel_utf8_or_windows_1252_is_read():
    assert measures.decode_upload("\ufeffdate,value\n".encode("utf-8")) == "date,value\n"
    assert measures.decode_upload("Ysgol Gymraeg £\n".encode("cp1252")) == "Ysgol Gymraeg £\n"


# --------------------------------------------------------------------------- points


def test_recording_the_same_date_twice_replaces_the_value_never_doubles_it(setup, session):
    school, owner, _, measure = setup
    first = measures.record_point(session, owner, measure, week(0), 90)
    again = measures.record_point(session, owner, measure, week(0), "92.5")
    session.commit()
    assert not first.replaced and again.replaced and again.previous_value == 90
    assert [(p.on, p.value) for p in session.query(MeasurePoint)] == [(week(0), 92.5)]


def test_a_duplicate_is_refused_when_replacing_is_not_wanted(setup, session):
    _, owner, _, measure = setup
    measures.record_point(session, owner, measure, week(0), 90)
    with pytest.raises(Conflict) as error:
        measures.record_point(session, owner, measure, week(0), 91, replace=False)
    assert error.value.code == "duplicate_point"


def test_a_bad_point_names_every_bad_field_at_once(setup, session, make):
    _, owner, _, measure = setup
    with pytest.raises(Invalid) as error:
        measures.record_point(session, owner, measure, "2026-02-30", "lots", make.school().id)
    assert set(error.value.fields) == {"on", "value", "school_id"}


def test_only_people_who_may_write_the_initiative_record_points(setup, session, make):
    school, _, _, measure = setup
    with pytest.raises(Forbidden):
        measures.record_point(session, make.user("viewer", schools=[school]), measure, week(0), 1)


def test_a_measure_of_an_initiative_you_cannot_see_is_not_found(setup, session, make):
    *_, measure = setup
    with pytest.raises(NotFound):
        measures.get_measure(session, make.user("school_lead", schools=[make.school()]), measure.id)


def test_editing_a_measure_needs_the_version_read(setup, session):
    _, owner, _, measure = setup
    measures.update_measure(session, owner, measure, 1, target=96)
    session.commit()
    with pytest.raises(StaleVersion):
        measures.update_measure(session, owner, measure, 1, target=97)


# --------------------------------------------------------------------------- CSV import


def test_import_accepts_good_rows_refuses_bad_ones_and_numbers_them_as_the_spreadsheet(setup, session):
    _, owner, _, measure = setup
    report = measures.import_points_csv(session, owner, measure, (
        "Week commencing,Attendance %,Notes\n"
        "05/01/2026,94.1%,first week back\n"
        "\n"
        "12/01/2026,n/a,snow day\n"
        "2026-01-19,95.0,\n"))
    session.commit()
    assert [(r.row, r.status) for r in report.rows] == [(2, "accepted"), (4, "refused"), (5, "accepted")]
    assert report.rows[1].reason == "Value “n/a”: Enter a number, like 94.5."
    assert (report.accepted, report.refused, report.replaced) == (2, 1, 0)
    assert sorted(p.value for p in session.query(MeasurePoint)) == [94.1, 95.0]


def test_import_finds_schools_by_urn_id_or_name_among_the_initiatives_own(make, session):
    a, b = make.school(name="Oakwood Primary", urn="100200"), make.school(name="Ashby", urn="100300")
    outsider = make.school(name="Elsewhere", urn="100400")
    lead = make.user("school_lead", schools=[a, b, outsider])
    initiative = make.initiative(schools=[a, b], owner=lead)
    measure = make.measure(initiative)
    report = measures.import_points_csv(session, lead, measure, (
        "date,value,school\n2026-01-05,1,100200\n2026-01-05,2,ashby\n"
        f"2026-01-12,3,{b.id}\n2026-01-12,4,100400\n"))
    assert [r.school_id for r in report.rows] == [a.id, b.id, b.id, None]
    assert report.rows[3].status == "refused" and "100400" in report.rows[3].reason


def test_import_refuses_a_file_it_cannot_read_as_a_whole(setup, session):
    _, owner, _, measure = setup
    for text in ("", "\n\n", "pupil,name\nx,y\n", "date,value\n\x00"):
        with pytest.raises(Invalid) as error:
            measures.import_points_csv(session, owner, measure, text)
        assert "file" in error.value.fields


def test_import_reads_semicolons_and_tabs(setup, session):
    _, owner, _, measure = setup
    report = measures.import_points_csv(session, owner, measure, "date;value\n05/01/2026;1\n")
    assert report.accepted == 1
    report = measures.import_points_csv(session, owner, measure, "date\tvalue\n12/01/2026\t2\n")
    assert report.accepted == 1


# --------------------------------------------------------------------------- segments


def test_a_frozen_baseline_counts_its_points_and_judges_the_rest_against_them(setup, session):
    *_, measure = setup
    measure.baseline_until = week(2)
    chart = measures.build_chart(measure, [(week(i), v) for i, v in enumerate([1, 2, 3, 9, 9, 9])])
    assert chart.current.chart.median == 2
    assert [p.in_baseline for p in chart.points] == [True, True, True, False, False, False]


def test_a_baseline_frozen_before_its_points_arrive_uses_what_there_is(setup):
    *_, measure = setup
    measure.baseline_until = week(-5)
    chart = measures.build_chart(measure, [(week(i), v) for i, v in enumerate([1, 2, 3])])
    assert chart.current.chart.median == 2


def test_rebases_split_the_chart_into_segments_each_with_its_own_centre_line(setup, session):
    _, owner, _, measure = setup
    measures.add_rebase(session, owner, measure, week(3), reason="New routine")
    measures.add_rebase(session, owner, measure, week(6), baseline_until=week(7))
    chart = measures.build_chart(measure, [(week(i), v) for i, v in
                                           enumerate([1, 2, 3, 10, 11, 12, 20, 22, 40, 41])])
    assert [(s.starts_on, s.ends_on) for s in chart.segments] == [
        (None, week(3) - timedelta(days=1)), (week(3), week(6) - timedelta(days=1)), (week(6), None)]
    assert [s.chart.median for s in chart.segments] == [2, 11, 21]
    assert "Re-based from 2026-01-26" in chart.describe()


def test_a_rebase_inside_the_frozen_baseline_or_on_a_taken_day_is_refused(setup, session):
    _, owner, _, measure = setup
    measure.baseline_until = week(3)
    with pytest.raises(Invalid):
        measures.add_rebase(session, owner, measure, week(2))
    measures.add_rebase(session, owner, measure, week(5))
    with pytest.raises(Invalid):
        measures.add_rebase(session, owner, measure, week(5))
    with pytest.raises(Invalid) as error:
        measures.update_measure(session, owner, measure, measure.version, baseline_until=week(6))
    assert "baseline_until" in error.value.fields


def test_with_no_initiative_wide_points_the_chart_is_the_mean_of_the_schools(make):
    a, b = make.school(), make.school()
    rows = [(a.id, week(0), 1.0), (b.id, week(0), 2.0), (a.id, week(1), 0.1), (b.id, week(1), 0.2)]
    series, school_id, pairs = measures.chart_points(None, rows)
    assert (series, school_id) == ("mean_of_schools", None)
    assert pairs == [(week(0), 1.5), (week(1), 0.15)]
    assert measures.chart_points(None, rows[:1]) == ("school", a.id, [(week(0), 1.0)])


# --------------------------------------------------------------------------- summaries


def test_summaries_give_latest_value_target_and_signals_of_each_measure(setup, session, make):
    _, owner, initiative, measure = setup
    add_points(session, measure, [90, 91, 90, 91, 90, 91, 96, 96, 97, 96, 97, 96])
    make.measure(initiative, name="Empty")
    summaries = measures.measure_summaries(session, initiative, today=week(14))
    first, empty = summaries
    assert (first.latest_on, first.latest_value, first.on_target) == (week(11), 96, True)
    assert {s.rule for s in first.signals} >= {"shift"}
    assert first.days_since_latest == 21 and not first.quiet
    assert (empty.latest_value, empty.on_target, empty.points_count) == (None, None, 0)
    assert measures.measure_summaries(session, initiative, today=week(30))[0].quiet


def test_summaries_say_whether_a_lower_is_better_target_is_reached(setup, session, make):
    _, _, initiative, _ = setup
    measure = make.measure(initiative, name="Incidents", higher_is_better=False, target=25.0)
    add_points(session, measure, [30, 24])
    summary = [s for s in measures.measure_summaries(session, initiative, today=week(3))
               if s.measure.id == measure.id][0]
    assert summary.on_target is True


def test_summaries_carry_phase_changes_and_pdsa_cycles_for_the_time_axis(setup, session):
    _, owner, initiative, _ = setup
    session.add(Transition(initiative_id=initiative.id, from_phase="prepare", to_phase="deliver",
                           user_id=owner.id, at=utcnow()))
    session.add(PdsaCycle(initiative_id=initiative.id, title="One class", stage="do",
                          stage_since=week(3)))
    session.commit()
    notes = measures.measure_summaries(session, initiative)[0].annotations
    assert [(n.kind, n.label) for n in notes] == [("pdsa", "PDSA “One class” (do)"),
                                                  ("phase", "→ Deliver")]


def test_summaries_take_the_same_queries_for_any_number_of_points_and_measures(
        setup, session, make, count_queries):
    _, _, initiative, measure = setup
    add_points(session, measure, [1, 2, 3])
    session.expire_all()
    with count_queries() as few:
        measures.measure_summaries(session, initiative)
    for i in range(4):
        add_points(session, make.measure(initiative, name=f"M{i}"), list(range(60)))
    session.expire_all()
    with count_queries() as many:
        assert len(measures.measure_summaries(session, initiative)) == 5
    assert many.count == few.count


# --------------------------------------------------------------------------- pages


def test_the_measure_page_draws_both_charts_with_text_alternatives(setup, session, login_as):
    _, owner, _, measure = setup
    add_points(session, measure, [90, 91, 90, 91, 90, 91, 96, 96, 97, 96, 97, 96])
    html = login_as(owner).get(f"/measures/{measure.id}").get_data(as_text=True)
    assert 'aria-labelledby="run-chart-title" aria-describedby="run-chart-desc"' in html
    assert "<desc id=\"spc-chart-desc\">XmR chart of 12 points" in html
    assert "Shift: 6 points above the median" in html
    assert "Add a point" in html


def test_the_measure_page_takes_the_same_queries_for_few_or_many_points(
        setup, session, login_as, make, count_queries):
    school, owner, initiative, measure = setup
    other = make.school()
    initiative.schools.append(other)
    owner.schools.append(other)
    session.commit()
    client = login_as(owner)
    add_points(session, measure, [1, 2, 3])
    client.get(f"/measures/{measure.id}")
    session.expire_all()
    with count_queries() as few:
        assert client.get(f"/measures/{measure.id}").status_code == 200
    add_points(session, measure, list(range(100)), school=school)
    add_points(session, measure, list(range(100)), school=other)
    measures.add_rebase(session, owner, measure, week(50))
    session.add(PdsaCycle(initiative_id=initiative.id, title="T", stage="do", stage_since=week(20)))
    session.commit()
    session.expire_all()
    with count_queries() as many:
        assert client.get(f"/measures/{measure.id}").status_code == 200
    assert many.count == few.count


def test_the_initiative_page_shows_the_measures_section(setup, session, login_as):
    _, owner, initiative, measure = setup
    add_points(session, measure, [90, 91])
    html = login_as(owner).get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert f'href="/measures/{measure.id}"' in html and "Add a measure" in html


def test_a_bad_point_on_the_page_is_told_beside_the_field(setup, login_as):
    _, owner, _, measure = setup
    response = login_as(owner).post(f"/measures/{measure.id}/points",
                                    data={"on": "2026-03-02", "value": "lots"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="value-error"' in html and "Enter a number, like 94.5." in html


def test_adding_a_point_on_the_page_redirects_with_what_was_added(setup, login_as, session):
    _, owner, _, measure = setup
    client = login_as(owner)
    response = client.post(f"/measures/{measure.id}/points", data={"on": "2026-03-02", "value": "94.5"},
                           follow_redirects=True)
    assert "Added 94.5% on 2 March 2026." in response.get_data(as_text=True)
    again = client.post(f"/measures/{measure.id}/points", data={"on": "2026-03-02", "value": "95"},
                        follow_redirects=True)
    assert "Replaced 94.5% with 95% on 2 March 2026." in again.get_data(as_text=True)


def test_freezing_and_rebasing_from_the_page(setup, login_as, session):
    _, owner, _, measure = setup
    client = login_as(owner)
    client.post(f"/measures/{measure.id}/baseline",
                data={"baseline-baseline_until": "2026-02-01", "baseline-version": "1"})
    session.expire_all()
    assert measure.baseline_until == date(2026, 2, 1)
    response = client.post(f"/measures/{measure.id}/rebases",
                           data={"rebase-starts_on": "2026-01-15", "rebase-reason": "x"})
    assert response.status_code == 422 and "Re-base after the frozen baseline" in response.get_data(as_text=True)
    client.post(f"/measures/{measure.id}/rebases", data={"rebase-starts_on": "2026-03-02"})
    session.expire_all()
    assert [r.starts_on for r in measure.rebases] == [date(2026, 3, 2)]


def test_adding_and_editing_a_measure_from_the_pages(setup, login_as, session):
    _, owner, initiative, _ = setup
    client = login_as(owner)
    refused = client.post(f"/initiatives/{initiative.id}/measures/new",
                          data={"name": "Reach", "kind": "implementation", "higher_is_better": "1",
                                "target": "most"})
    assert refused.status_code == 422 and "Enter a number" in refused.get_data(as_text=True)
    added = client.post(f"/initiatives/{initiative.id}/measures/new",
                        data={"name": "Reach", "unit": "%", "kind": "implementation",
                              "higher_is_better": "1", "target": "80"})
    assert added.status_code == 302
    measure_id = int(added.headers["Location"].rsplit("/", 1)[1])
    stale = client.post(f"/measures/{measure_id}/edit", data={
        "name": "Reach of pupils", "kind": "implementation", "higher_is_better": "1", "version": "0"})
    assert "Someone else changed this measure" in stale.get_data(as_text=True)


@pytest.mark.parametrize("role, status", [
    ("admin", 200), ("central_team", 200), ("school_lead", 200), ("project_lead", 200),
    ("viewer", 200), ("school_lead elsewhere", 404), ("viewer elsewhere", 404)])
def test_every_role_sees_the_measure_page_only_of_initiatives_it_can_see(setup, make, login_as, role, status):
    school, _, _, measure = setup
    schools = [make.school()] if "elsewhere" in role else [school]
    user = make.user(role.split()[0], schools=[] if role in ("admin", "central_team") else schools)
    assert login_as(user).get(f"/measures/{measure.id}").status_code == status


@pytest.mark.parametrize("role, status", [
    ("admin", 302), ("central_team", 403), ("school_lead", 302), ("project_lead", 403),
    ("viewer", 403), ("school_lead elsewhere", 404)])
def test_only_people_who_may_write_add_points_from_the_page(setup, make, login_as, role, status):
    school, _, _, measure = setup
    schools = [make.school()] if "elsewhere" in role else [school]
    user = make.user(role.split()[0], schools=[] if role in ("admin", "central_team") else schools)
    response = login_as(user).post(f"/measures/{measure.id}/points",
                                   data={"on": "2026-03-02", "value": "90"})
    assert response.status_code == status


def test_the_owner_may_add_points_from_the_page(setup, login_as):
    _, owner, _, measure = setup
    assert login_as(owner).post(f"/measures/{measure.id}/points",
                                data={"on": "2026-03-02", "value": "90"}).status_code == 302
