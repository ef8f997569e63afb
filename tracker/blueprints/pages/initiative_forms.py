"""The forms the initiative page shows for its milestones, PDSA cycles and updates.

They sit a floor below the page (``pages/lifecycle.py``, which draws it) and the routes that
take their posts (``pages/milestones.py``, ``pages/pdsa.py``, ``pages/updates.py``), so both
can import them without a cycle.
"""
from sqlalchemy import or_, select
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from tracker import pdsa, permissions, updates
from tracker.blueprints.pages.common import whole_number
from tracker.blueprints.pages.forms import Form, plausible_date
from tracker.extensions import db
from tracker.models import School, User, initiative_schools, user_schools

# Choices as {value: label}: WTForms deprecates lists of tuples.
RAG_CHOICES = {"green": "Green: on track", "amber": "Amber: some concerns",
               "red": "Red: off track"}
ACT_CHOICES = {"adopt": "Adopt: keep the change as it is",
               "adapt": "Adapt: change it and test again",
               "abandon": "Abandon: stop this change"}


# The initiative page holds several forms: each field's id names its form ("milestone-title",
# "cycle-title"), so no two share one, while the names posted stay the plain field names.

#: The "For" choice of an update or milestone that is for all the initiative's schools.
ALL_SCHOOLS = {0: "All schools"}


def for_choices(user, initiative, current=None):
    """The "For" choices of a shared initiative's update or milestone form: all its schools,
    then each one ``user`` may report for (``permissions.may_report_for``), plus ``current``
    (a school the record is already for). Empty for a one-school initiative: no choice to make."""
    if len(initiative.schools) < 2:
        return {}
    choices = ALL_SCHOOLS | {s.id: s.name for s in initiative.schools if s.id == current
                             or permissions.may_report_for(user, initiative, s.id)}
    if current is not None and current not in choices:
        choices[current] = f"{db.session.get(School, current).name} (no longer part of it)"
    return choices


def school_id_of(field):
    """The school a "For" field names, or None for all schools (or when not shown)."""
    return field.data or None


class UpdateForm(Form):
    rag = RadioField("How is it going?", choices=RAG_CHOICES, id="update-rag",
                     validators=[InputRequired("Choose green, amber or red.")])
    narrative = TextAreaField("What happened, in a sentence or two", id="update-narrative", validators=[
        DataRequired("Say in a sentence or two how it is going."), Length(max=updates.MAX_NARRATIVE)])
    # The domain checks the school (updates.school_problem); its message shows beside the field.
    school_id = SelectField("For", coerce=int, id="update-school_id", validate_choice=False,
                            validators=[Optional()])


class MilestoneForm(Form):
    title = StringField("Milestone", id="milestone-title", validators=[DataRequired("Give the milestone a title."),
                                                 Length(max=200)])
    due_on = DateField("Due on", id="milestone-due_on",
                       validators=[InputRequired("Enter a due date."), plausible_date])
    owner_id = SelectField("Owner", coerce=int, id="milestone-owner_id", validators=[Optional()])
    school_id = SelectField("For", coerce=int, id="milestone-school_id", validate_choice=False,
                            validators=[Optional()])


class VersionForm(Form):
    version = HiddenField()

    def version_value(self):
        return whole_number(self.version.data)


class CycleForm(Form):
    title = StringField("What change are you testing?", id="cycle-title", validators=[
        DataRequired("Give the cycle a title."), Length(max=200)])
    question = TextAreaField("Question", id="cycle-question", validators=[Length(max=20000)])
    prediction = TextAreaField("Prediction", id="cycle-prediction", validators=[Length(max=20000)])
    do_ends_on = DateField("Do ends on", id="cycle-do_ends_on",
                           validators=[Optional(), plausible_date])
    parent_id = SelectField("Follows the cycle", coerce=int, id="cycle-parent_id",
                            validators=[Optional()])


class MilestoneEditForm(MilestoneForm, VersionForm):
    """Editing or rescheduling one milestone."""


class NotesForm(VersionForm):
    """The notes of a cycle's current stage (``pdsa.NOTES_OF``), editable while it is there."""
    question = TextAreaField("Question", validators=[Length(max=20000)])
    prediction = TextAreaField("Prediction", validators=[Length(max=20000)])
    plan_notes = TextAreaField("Notes on the plan", validators=[Length(max=20000)])
    do_notes = TextAreaField("What happened, including anything unexpected",
                             validators=[Length(max=20000)])
    study_notes = TextAreaField("What you learned, against the prediction",
                                validators=[Length(max=20000)])
    act_notes = TextAreaField("Notes on the decision", validators=[Length(max=20000)])

    def shown(self, stage):
        return [self[name] for name in pdsa.NOTES_OF.get(stage, ())]

    def values(self, stage):
        return {name: self[name].data or "" for name in pdsa.NOTES_OF.get(stage, ())}


class AdvanceForm(VersionForm):
    question = TextAreaField("Question", validators=[Length(max=20000)])
    prediction = TextAreaField("Prediction", validators=[Length(max=20000)])
    do_notes = TextAreaField("What happened, including anything unexpected",
                             validators=[Length(max=20000)])
    study_notes = TextAreaField("What you learned, against the prediction",
                                validators=[Length(max=20000)])
    act_decision = RadioField("Decision", choices=ACT_CHOICES, validators=[Optional()])
    act_notes = TextAreaField("Notes on the decision", validators=[Length(max=20000)])

    #: The fields shown for each next stage: what the stage being left must record.
    SHOWN = {"do": ("question", "prediction"), "study": ("do_notes",),
             "act": ("study_notes",), "closed": ("act_decision", "act_notes")}

    def shown(self, to):
        return [self[name] for name in self.SHOWN.get(to, ())]

    def values(self, to):
        return {name: self[name].data or "" for name in self.SHOWN.get(to, ())
                if self[name].data not in (None, "None")}


def advance_form(cycle, formdata=None):
    form = AdvanceForm(formdata=formdata, prefix=f"cycle{cycle.id}")
    if formdata is None:
        form.version.data = cycle.version
        for name in ("question", "prediction", "do_notes", "study_notes", "act_notes"):
            form[name].data = getattr(cycle, name)
        form.act_decision.data = cycle.act_decision
    return form


def people_of(initiative, also_roles=()):
    """Active people in the initiative's schools, and its owner: who may own its milestones;
    with ``also_roles``, every active person of those roles too."""
    in_schools = select(user_schools.c.user_id).join(
        initiative_schools, initiative_schools.c.school_id == user_schools.c.school_id).where(
        initiative_schools.c.initiative_id == initiative.id)
    return db.session.execute(select(User).where(
        User.active.is_(True), or_(User.id.in_(in_schools), User.id == initiative.owner_id,
                                   User.role.in_(also_roles)))
        .order_by(User.name)).scalars().all()
