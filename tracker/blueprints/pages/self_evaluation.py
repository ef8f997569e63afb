"""Self-evaluation pages: the latest round beside the previous one, each pillar over time,
and the form for a new round. The trust's own at /self-evaluation; a school's at
/schools/<id>/self-evaluation. The rules are tracker/self_evaluation.py's."""
from dataclasses import dataclass
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from wtforms import DateField, RadioField, TextAreaField
from wtforms.validators import Length, Optional

from tracker import clock, permissions, schools, self_evaluation
from tracker.blueprints.pages import bp
from tracker.blueprints.pages.common import commit_or_show, me, or_abort, whole_number
from tracker.blueprints.pages.forms import Form, options, plausible_date
from tracker.errors import Invalid
from tracker.extensions import db
from tracker.models.initiative import PILLAR_LABELS, PILLARS
from tracker.models.self_evaluation import RATINGS


class RoundForm(Form):
    """A round: its date, then per pillar ``<pillar>_rating`` (1-4) and ``<pillar>_evidence``.
    A pillar left unrated is not the form's to refuse: the domain names every one missing."""

    on = DateField("Date of this round", validators=[Optional(), plausible_date])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A round records a judgement already made (the domain refuses a later date): the
        # date input and its hint say so instead of the plausible range's far end.
        first, today = clock.date_range()[0], clock.today()
        self.on.render_kw = {"max": today.isoformat()}
        self.on.bounds = f"A date from {first.day} {first:%B %Y} to today."

    def rating(self, pillar):
        return self[f"{pillar}_rating"]

    def evidence(self, pillar):
        return self[f"{pillar}_evidence"]

    def ratings(self):
        """The pillars rated on the form, as the domain takes them, in the pillars' order."""
        return [{"pillar": p, "rating": self.rating(p).data, "evidence": self.evidence(p).data}
                for p in PILLARS if self.rating(p).data is not None]


for _pillar in PILLARS:
    setattr(RoundForm, f"{_pillar}_rating", RadioField(
        PILLAR_LABELS[_pillar], coerce=int, validators=[Optional()],
        choices=options((n, f"{n} {self_evaluation.RATING_LABELS[n]}") for n in RATINGS)))
    setattr(RoundForm, f"{_pillar}_evidence", TextAreaField(
        f"Evidence for {PILLAR_LABELS[_pillar]}",
        validators=[Length(max=self_evaluation.MAX_EVIDENCE)]))


# --- each pillar over time, as a small step chart ----------------------------------------

#: The chart's box in SVG units; it scales to its container (app.css caps its width so the
#: 12-unit text stays near 12 px).
CHART = {"width": 330, "height": 150, "left": 122, "right": 12, "top": 12, "bottom": 30}


@dataclass(frozen=True)
class StepChart:
    """Where a pillar's ratings go: the step line, a marker per round, the axes' labels."""

    path: str
    markers: list  # (x, y, on, rating)
    x_ticks: list  # (x, label, anchor)
    y_ticks: list  # (y, rating)
    box: dict


def step_chart(points, today):
    """A pillar's ``[(on, rating)]`` (oldest first) as a step chart: each rating holds until
    the next round, the last until ``today``. None without points."""
    if not points:
        return None
    box = CHART
    first, end = points[0][0], max(points[-1][0], today)
    # A little room before the first round, so its marker stands clear of the rating labels.
    start = clock.plus_days(first, -max(7, (end - first).days // 25))
    left, right = box["left"], box["width"] - box["right"]
    top, bottom = box["top"], box["height"] - box["bottom"]

    def x(on):
        return round(left + (on - start).days / (end - start).days * (right - left), 1)

    def y(rating):
        return round(bottom - (rating - RATINGS[0]) / (RATINGS[-1] - RATINGS[0]) * (bottom - top), 1)

    path = [f"M{x(points[0][0]):g},{y(points[0][1]):g}"]
    for on, rating in points[1:]:
        path.append(f"H{x(on):g}V{y(rating):g}")
    path.append(f"H{x(end):g}")
    middle = date.fromordinal((first.toordinal() + end.toordinal()) // 2)
    x_ticks = [(x(end), _month(end), "end")] if first == end else [
        (x(first), _month(first), "start"), (x(middle), _month(middle), "middle"),
        (x(end), _month(end), "end")]
    return StepChart(path="".join(path), markers=[(x(on), y(r), on, r) for on, r in points],
                     x_ticks=x_ticks, y_ticks=[(y(r), r) for r in RATINGS], box=box)


def _month(on):
    return on.strftime("%b %Y")


# --- the pages -----------------------------------------------------------------------------

def _page_url(endpoint, school_id):
    return url_for(endpoint, school_id=school_id) if school_id else url_for(endpoint)


@bp.route("/self-evaluation", defaults={"school_id": None})
@bp.route("/schools/<int:school_id>/self-evaluation")
def self_evaluation_page(school_id):
    """The latest round beside the previous one, each pillar over time, and the help."""
    user, session = me(), db.session
    if school_id is None and request.args.get("school_id"):  # the school selector (a GET form)
        chosen = whole_number(request.args["school_id"])
        if chosen is None:
            abort(404)
        return redirect(_page_url("pages.self_evaluation_page", chosen))
    school = or_abort(schools.get_school, session, user, school_id) if school_id else None
    comparison = self_evaluation.latest_with_previous(session, user, school_id)
    today = clock.today()
    charts = {p: step_chart(points, today)
              for p, points in self_evaluation.history(session, user, school_id).items()}
    return render_template(
        "pages/self_evaluation.html", school=school, comparison=comparison, charts=charts,
        schools=session.execute(schools.visible_schools(user)).scalars().all(),
        may_rate=permissions.may_self_evaluate(user, school_id), guide=self_evaluation.GUIDE,
        rating_labels=self_evaluation.RATING_LABELS, pillar_labels=PILLAR_LABELS,
        new_url=_page_url("pages.record_self_evaluation", school_id))


@bp.route("/self-evaluation/new", defaults={"school_id": None}, methods=["GET", "POST"])
@bp.route("/schools/<int:school_id>/self-evaluation/new", methods=["GET", "POST"])
def record_self_evaluation(school_id):
    """A new round, prefilled with the latest one's ratings so a re-rating is quick."""
    user, session = me(), db.session
    school = or_abort(schools.get_school, session, user, school_id) if school_id else None
    if not permissions.may_self_evaluate(user, school_id):
        abort(403, description=self_evaluation.who_rates(school_id))
    form = RoundForm()
    latest = self_evaluation.latest_with_previous(session, user, school_id)
    if request.method == "GET":
        _prefill(form, latest)
    elif form.validate_on_submit():
        sent = form.ratings()
        ok, result = commit_or_show(form, lambda: self_evaluation.record_round(
            session, user, on=form.on.data, school_id=school_id, ratings=sent),
            caller_shows=(Invalid,))
        if ok:
            flash(f"Saved the self-evaluation of {result.on.day} {result.on:%B %Y}.", "success")
            return redirect(_page_url("pages.self_evaluation_page", school_id))
        if isinstance(result, Invalid):
            _show_round_errors(form, result, sent)
    return render_template(
        "pages/self_evaluation_form.html", form=form, school=school, latest=latest["latest"],
        guide=self_evaluation.GUIDE, pillars=PILLARS, pillar_labels=PILLAR_LABELS,
        rating_labels=self_evaluation.RATING_LABELS,
        back_url=_page_url("pages.self_evaluation_page", school_id),
    ), 422 if request.method == "POST" else 200


def _prefill(form, latest):
    form.on.data = clock.today()
    for row in latest["pillars"]:
        form.rating(row["pillar"]).data = row["rating"]
        form.evidence(row["pillar"]).data = row["evidence"]


def _show_round_errors(form, error, sent):
    """Put the domain's problems beside the fields: each missing pillar beside its ratings,
    ``ratings.<i>.<field>`` beside the pillar sent at ``i``, the date beside the date."""
    def add(field, messages):
        field.errors = list(field.errors) + list(messages)

    placed = bool(error.missing)
    for missing in error.missing or ():
        add(form.rating(missing["code"]), [missing["message"]])
    for path, messages in (error.fields or {}).items():
        parts = path.split(".")
        if parts[0] == "on":
            add(form.on, messages)
        elif len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(sent):
            pillar = sent[int(parts[1])]["pillar"]
            add(form.evidence(pillar) if parts[2] == "evidence" else form.rating(pillar), messages)
        else:
            continue
        placed = True
    if not placed:
        flash(error.message, "error")
