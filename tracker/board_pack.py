"""The board pack: the trust's view on paper, for a board meeting.

``board_pack(session, user, today)`` gathers what the pack prints as plain data, asking the
domain modules the pages ask (``dashboard.school_report``, ``kpis.boards``,
``policy.breaches``, ``reviews.stopped``, ``capacity``, ``coverage``, ``self_evaluation``);
``render_pdf(pack)`` lays it out from
``templates/board_pack/`` with WeasyPrint.

Scope is the pages' scope: a reader of one school gets a pack of that school only. Two
things are the trust's whatever the reader: the golden rule (it counts schools by support
status and names none, as on the dashboard) and, for readers of the whole trust only, the
experts over their days (planning experts' time is the central team's, as the planner is).

Rendering never reaches the network: the only files WeasyPrint may open are the app's
static files and the pack's own drawings (``tracker.pdf.LocalFiles``), so nothing a record
holds can make the server fetch a URL.

Speed: a 120-school trust with three KPIs has 360 small multiples. Drawn as the KPI page
draws them (axes, labels, a marker per point: some 80 shapes each) WeasyPrint needs half a
minute, so the pack draws each as a sparkline (``sparkline``: the points' line, the mean and
limits of each segment, the target; the scale is printed once per KPI) and hands WeasyPrint
every drawing as an image (``svg_images``), which skips the document's cascade per shape.
"""
import base64
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask import current_app, g, render_template
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker import (capacity, coverage, dashboard, kpis, permissions, policy, reviews,
                     self_evaluation)
from tracker.exports import ExportFile
from tracker.models import Initiative
from tracker.models.initiative import HELIX_LABELS, PILLAR_LABELS, PILLARS

#: Where ``python -m tracker.pdf`` finds the package.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: The pack's sections in order: (anchor, heading). The contents list and each heading
#: are drawn from this one table.
SECTIONS = (
    ("schools", "School comparison"),
    ("kpis", "Trust KPIs across the schools"),
    ("breaches", "One in, one out: breaches"),
    ("stopped", "Stopped register"),
    ("capacity", "Capacity summary"),
    ("coverage", "Coverage of the pillars and the triple helix"),
    ("self_evaluation", "Self-evaluation against the seven pillars"),
)
BREACH_KINDS = {"over_limit": "Over its limit", "out_overdue": "Out overdue"}
#: Weeks ahead (from this week's Monday) in which an expert over their days is reported.
OVER_ALLOCATION_WEEKS = 8
#: Initiatives in Deliver with no expert are named when there are at most this many; a
#: large trust's pack counts them per school instead of filling pages with titles.
LIST_AT_MOST = 25


@dataclass(frozen=True)
class BreachLine:
    kind: str
    school: str
    initiative: str | None
    since: date


@dataclass(frozen=True)
class StoppedLine:
    initiative: Initiative
    schools: str
    #: The deciding review, or None when the initiative was stopped some other way.
    review: object
    #: Whole weeks it ran as a counted initiative (``policy.weeks_run``), None if never.
    weeks_run: int | None


@dataclass(frozen=True)
class CapacitySummary:
    golden_rule: dict
    term: capacity.Term
    #: ``capacity.over_allocations`` entries; None when the reader does not see the whole trust.
    over_allocated: list | None
    over_allocated_to: date
    #: ``[(initiative, names of its schools the reader sees)]``: active initiatives in Deliver
    #: with no expert allocated today, that the reader can see.
    without_expert: list
    #: One row per school the reader sees: ``{"name", "planned", "confirmed", "delivered",
    #: "total"}`` expert days this term and ``without_expert``, its share of the list above.
    by_school: list


@dataclass(frozen=True)
class BoardPack:
    trust_name: str
    on: date
    #: Who the pack was generated for: name and role.
    reader: str
    role: str
    #: "the whole trust" or the names of the reader's schools.
    scope: str
    report: dict
    #: The school comparison's columns, ``[(key, heading, type)]`` (``dashboard.SCHOOL_COLUMNS``
    #: less the URN; the KPIs have their own section), and its rows
    #: (``dashboard.flat_rows``, each with the report row's ``heat``).
    columns: list
    rows: list
    #: ``kpis.boards``: each trust KPI's small multiples across the reader's schools.
    kpis: list
    breaches: list
    stopped: list
    capacity: CapacitySummary
    #: ``coverage.coverage_grid``: active initiatives per pillar and helix component, in all
    #: the reader's schools and in each.
    coverage: dict
    #: ``[(whose, self_evaluation.latest_with_previous(...))]``: the trust's own round, then
    #: (for a reader of some schools) each of their schools' own.
    self_evaluations: list
    sections: tuple = field(default=SECTIONS)
    list_at_most: int = LIST_AT_MOST


def board_pack(session, user, today):
    """Everything the board pack prints, for what ``user`` can see on ``today``.

    A fixed number of queries whatever the size of the trust (three more for each school of
    a reader who sees only some: their schools' own self-evaluations)."""
    report = dashboard.school_report(session, user, today)
    names = {row["school_id"]: row["name"] for row in report["schools"]}
    whole_trust = permissions.sees_whole_trust(user)
    return BoardPack(
        trust_name=current_app.config.get("TRUST_NAME", ""), on=today, reader=user.name,
        role=user.role.replace("_", " "),
        scope="the whole trust" if whole_trust else ", ".join(names.values()) or "no school",
        report=report, columns=_columns(), rows=[
            {**flat, "heat": row["heat"]}
            for flat, row in zip(dashboard.flat_rows(report), report["schools"])],
        kpis=kpis.boards(session, user), breaches=_breaches(session, report["breaches"], names),
        stopped=_stopped(session, user),
        capacity=_capacity(session, user, today, report, names, whole_trust),
        coverage=coverage.coverage_grid(session, user),
        self_evaluations=_self_evaluations(session, user, names, whole_trust))


def _columns():
    return [(key, heading, dashboard.COLUMN_TYPES[key])
            for key, heading in dashboard.SCHOOL_COLUMNS if key != "urn"]


def _breaches(session, found, names):
    titles = dict(session.execute(select(Initiative.id, Initiative.title).where(
        Initiative.id.in_({b["initiative_id"] for b in found} or {-1}))).all())
    return [BreachLine(BREACH_KINDS.get(b["kind"], b["kind"]), names.get(b["school_id"], ""),
                       titles.get(b["initiative_id"]), b["since"]) for b in found]


def _stopped(session, user):
    rows = session.execute(reviews.stopped(user).options(
        selectinload(Initiative.schools))).unique().all()
    ran = policy.weeks_run(session, [initiative for initiative, _ in rows])
    return [StoppedLine(initiative, _school_names(user, initiative), review,
                        ran.get(initiative.id)) for initiative, review in rows]


def _school_names(user, initiative):
    """The names of the initiative's schools that ``user`` sees (a horizontal initiative
    may also run in schools that are not the reader's, and the pack names none of those)."""
    return ", ".join(s.name for s in initiative.schools if permissions.can_see_school(user, s.id))


def _capacity(session, user, today, report, names, whole_trust):
    term = capacity.term_of(today)
    monday = capacity.monday_of(today)
    until = monday + timedelta(weeks=OVER_ALLOCATION_WEEKS, days=-1)
    over = capacity.over_allocations(session, monday, until) if whole_trust else None
    without = [(i, _school_names(user, i)) for i in capacity.initiatives_without_capacity(
        session, today) if permissions.can_see_initiative(user, i)]
    received = capacity.days_received_by_school(session, term.starts_on, term.ends_on,
                                                school_ids=list(names))
    nothing = {"planned": 0.0, "confirmed": 0.0, "delivered": 0.0, "total": 0.0}
    uncovered = Counter(school_id for i, _ in without for school_id in i.school_ids)
    by_school = [{"name": name, **received.get(school_id, nothing),
                  "without_expert": uncovered[school_id]} for school_id, name in names.items()]
    return CapacitySummary(report["golden_rule"], term, over, until, without, by_school)


def _self_evaluations(session, user, names, whole_trust):
    found = [("The trust", self_evaluation.latest_with_previous(session, user))]
    if not whole_trust:
        found += [(name, self_evaluation.latest_with_previous(session, user, school_id))
                  for school_id, name in names.items()]
    return found


# --- the PDF ------------------------------------------------------------------------------

#: A sparkline's drawing box, in SVG units.
SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 200, 64, 3


@dataclass(frozen=True)
class Sparkline:
    """A school's XmR chart of a KPI drawn small, on the KPI's shared scale, in SVG units:
    ``line`` the points (a polyline), ``segments`` ``(x1, x2, mean, ucl, lcl)`` each (a y,
    or None), ``target`` a y or None, ``last`` the latest point's ``(x, y)``."""

    line: str
    segments: list
    target: float | None
    last: tuple


def sparkline(chart, scale, target=None):
    """The ``Sparkline`` of ``chart`` (a ``measures.MeasureChart``) on ``scale``
    (``kpis.shared_scale``: first date, last date, lowest, highest); None without points."""
    if scale is None or not chart.points:
        return None
    first, last, low, high = scale
    days, span = max((last - first).days, 1), (high - low) or 1.0
    inner_w, inner_h = SPARK_WIDTH - 2 * SPARK_PAD, SPARK_HEIGHT - 2 * SPARK_PAD

    def x(on):
        return round(SPARK_PAD + (on - first).days / days * inner_w, 1)

    def y(value):
        return None if value is None else round(SPARK_PAD + (high - value) / span * inner_h, 1)

    points = chart.points
    segments = [(x(seg.chart.points[0].on), x(seg.chart.points[-1].on), y(seg.chart.mean),
                 y(seg.chart.ucl), y(seg.chart.lcl)) for seg in chart.segments if seg.chart.points]
    return Sparkline(" ".join(f"{x(p.on)},{y(p.value)}" for p in points), segments, y(target),
                     (x(points[-1].on), y(points[-1].value)))


PDF_MIMETYPE = "application/pdf"


def filename(pack):
    """``board-pack-YYYY-MM-DD.pdf``, for the day the pack's figures are as of."""
    return f"board-pack-{pack.on.isoformat()}.pdf"




_SVG = re.compile(r"<svg\b[^>]*>.*?</svg>", re.S)
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_TITLE = re.compile(r"<title\b[^>]*>(.*?)</title>", re.S)
_CLASS = re.compile(r'\bclass="([^"]*)"')


def svg_images(html):
    """``html`` with each inline ``<svg>`` (drawn with presentation attributes, needing no
    stylesheet) replaced by an ``<img>`` of it, a data: URL, with the drawing's classes and
    its ``<title>`` as alt text."""
    def image(match):
        svg = match.group(0)
        opening = _SVG_OPEN.match(svg).group(0)
        if "xmlns=" not in opening:
            svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
        title, classes = _TITLE.search(svg), _CLASS.search(opening)
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return (f'<img class="{escape(classes.group(1)) if classes else ""}" '
                f'alt="{escape(Markup(title.group(1)).unescape()) if title else ""}" '
                f'src="data:image/svg+xml;base64,{data}">')
    return Markup(_SVG.sub(image, str(html)))


def render_html(pack):
    """The pack as the HTML WeasyPrint lays out. Needs an app context."""
    # Every SVG becomes an image of its own (svg_images), so no icon may point at another's
    # drawing (templates/_mdc.html).
    g.mdc_inline = True
    return render_template("board_pack/pack.html", pack=pack, sparkline=sparkline,
                           spark=(SPARK_WIDTH, SPARK_HEIGHT), svg_images=svg_images,
                           pillars=PILLARS, pillar_labels=PILLAR_LABELS,
                           strands=coverage.HELIX_STRANDS, helix_labels=HELIX_LABELS)


def pdf_file(pack):
    """The pack as a file to send (``exports.ExportFile``, as the CSV and Excel exports)."""
    return ExportFile(render_pdf(pack), PDF_MIMETYPE, filename(pack))


#: Seconds a pack may take to lay out before the request gives up (a 120-school trust's takes
#: about 12 s of CPU; see bench/bench_board_pack.py).
LAYOUT_TIMEOUT = 120


class LayoutFailed(RuntimeError):
    """WeasyPrint's process ended without a PDF (its error is the message)."""


def render_pdf(pack):
    """The pack as PDF bytes, laid out by WeasyPrint in a process of its own (``tracker.pdf``),
    so the seconds it takes do not hold the interpreter this web worker's other requests
    share. Needs an app context (the templates and static files)."""
    done = subprocess.run(
        [sys.executable, "-m", "tracker.pdf", current_app.static_folder],
        input=render_html(pack).encode("utf-8"), capture_output=True, timeout=LAYOUT_TIMEOUT,
        cwd=PROJECT_ROOT, check=False)
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF"):
        raise LayoutFailed(done.stderr.decode("utf-8", "replace")[-2000:])
    return done.stdout
