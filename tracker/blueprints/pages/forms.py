"""WTForms for the pages. They parse; the domain modules decide what is valid."""
from flask_wtf import FlaskForm
from wtforms import (DateField, HiddenField, IntegerField, SelectChoice, SelectField,
                     SelectMultipleField, StringField, TextAreaField, widgets)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from tracker import clock
from tracker.models.initiative import HELIX_COMPONENTS, PILLARS

PILLAR_LABELS = {
    "vision": "Vision", "capacity": "Capacity", "collective_commitment": "Collective commitment",
    "data": "Robust and real-time data", "process": "Process and project management",
    "improvement_activity": "Improvement activity", "quality_assurance": "Quality assurance",
}
HELIX_LABELS = {
    "set_quality_goals": "Set quality goals", "align_strategy": "Align strategy",
    "use_evidence": "Use evidence", "evaluate_insights": "Evaluate insights",
    "develop_expertise": "Develop expertise", "empower_horizontal": "Empower horizontal improvement",
    "connect": "Connect", "grow_culture": "Grow culture and leadership",
    "adopt_cycle": "Adopt a cycle", "leverage_capacity": "Leverage capacity",
    "anticipate_adapt": "Anticipate and adapt", "deimplement": "De-implement",
}


def plausible_date(_form, field):
    """Every form's date validator: the trust's one rule for plausible dates (tracker/clock.py)."""
    if field.data is not None and not clock.plausible(field.data):
        raise ValidationError(clock.plausible_message())


def options(pairs):
    """``(value, label)`` pairs as WTForms choices (bare tuples are deprecated there)."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class InitiativeForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Give the initiative a title."), Length(max=200)])
    school_ids = MultiCheckboxField("Schools", coerce=int,
                                    validators=[DataRequired("Choose at least one school.")])
    owner_id = SelectField("Owner (project lead)", coerce=int, validators=[Optional()])
    problem = TextAreaField("The problem, from your own data", validators=[Length(max=20000)])
    evidence = TextAreaField("Evidence behind the approach", validators=[Length(max=20000)])
    intended_outcomes = TextAreaField("Intended outcomes for pupils", validators=[Length(max=20000)])
    active_ingredients = TextAreaField("Active ingredients", validators=[Length(max=20000)])
    implementation_strategies = TextAreaField("Implementation strategies", validators=[Length(max=20000)])
    pillars = MultiCheckboxField("Pillars", choices=options((p, PILLAR_LABELS[p]) for p in PILLARS))
    helix_components = MultiCheckboxField("Triple helix components",
                                          choices=options((c, HELIX_LABELS[c]) for c in HELIX_COMPONENTS))
    out_initiative_id = SelectField("Initiative it replaces", coerce=int, validators=[Optional()])
    out_practice = StringField("Or: the practice it stops", validators=[Length(max=2000)])
    out_due_on = DateField("Stopped by", validators=[Optional(), plausible_date])
    out_done_on = DateField("Practice stopped on", validators=[Optional(), plausible_date])
    version = HiddenField()

    def one_out(self):
        """The form's one-out fields as the domain's value (None when nothing is named)."""
        target = self.out_initiative_id.data or None
        practice = (self.out_practice.data or "").strip() or None
        if target is None and practice is None and self.out_due_on.data is None:
            return None
        return {"initiative_id": target, "practice": practice, "due_on": self.out_due_on.data,
                "done_on": self.out_done_on.data}


class SchoolForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the school's name."), Length(max=200)])
    urn = StringField("URN", validators=[DataRequired("Enter the school's URN."), Length(max=20)])
    phase = SelectField("Phase", choices=options([
        ("primary", "Primary"), ("secondary", "Secondary"), ("all_through", "All-through"),
        ("special", "Special"), ("alternative", "Alternative provision"), ("post16", "Post-16")]))
    support_status = SelectField("Support status", choices=options([
        ("can_support", "Can give support"), ("stable", "Stable"),
        ("needs_support", "Needs intensive support")]))
    max_active_initiatives = IntegerField("Own limit of active initiatives", validators=[Optional()])
    version = HiddenField()


class UserForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired("Enter the person's name."), Length(max=200)])
    email = StringField("Email", validators=[DataRequired("Enter an email address."), Length(max=254)])
    role = SelectField("Role", choices=options([
        ("project_lead", "Project lead"), ("school_lead", "School lead"),
        ("central_team", "Central team"), ("viewer", "Viewer (read only)"), ("admin", "Admin")]))
    school_ids = MultiCheckboxField("Schools", coerce=int)
    password = StringField("Password", validators=[Length(max=128)],
                           render_kw={"autocomplete": "new-password", "type": "password"})
    active = SelectField("Account", choices=options([("1", "Active"), ("0", "Deactivated")]))
    version = HiddenField()
