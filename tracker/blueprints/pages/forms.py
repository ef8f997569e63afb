"""WTForms for the pages. They parse; the domain modules decide what is valid.

Every page form derives from ``Form``: its fields speak the product's words (not WTForms'
defaults) and each field knows the sentence that states its bounds (``field.bounds``).
"""
from flask_wtf import FlaskForm
from wtforms import (DateField, HiddenField, IntegerField, SelectChoice, SelectField,
                     SelectMultipleField, StringField, TextAreaField, widgets)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from tracker import clock, schools
from tracker.models.initiative import (HELIX_COMPONENTS, HELIX_LABELS, PILLAR_LABELS,  # noqa: F401
                                       PILLARS)  # (re-exported)
from tracker.models.school import SCHOOL_PHASE_LABELS, SUPPORT_STATUS_LABELS


#: WTForms' own messages, in the product's words. Keys are WTForms' message ids (singular
#: for the plural ones); the %-placeholders they are formatted with stay the same.
PRODUCT_WORDS = {
    "This field is required.": "Fill this in.",
    "Not a valid integer value.": "Enter a whole number, such as 3.",
    "Not a valid float value.": "Enter a number, such as 2.5.",
    "Not a valid decimal value.": "Enter a number, such as 2.5.",
    "Not a valid date value.": "Enter a date as YYYY-MM-DD.",
    "Not a valid datetime value.": "Enter a date and time as YYYY-MM-DD HH:MM.",
    "Not a valid time value.": "Enter a time as HH:MM.",
    "Not a valid week value.": "Enter a week as YYYY-Www.",
    "Not a valid choice.": "Choose one of the options listed.",
    "Invalid Choice: could not coerce.": "Choose one of the options listed.",
    "Choices cannot be None.": "Choose one of the options listed.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Choose only from the options listed.",
    "'%(value)s' is not a valid choice for this field.": "Choose only from the options listed.",
    "Field must be at least %(min)d character long.": "Use at least %(min)d characters.",
    "Field cannot be longer than %(max)d character.": "Use at most %(max)d characters.",
    "Field must be exactly %(max)d character long.": "Use exactly %(max)d characters.",
    "Field must be between %(min)d and %(max)d characters long.": "Use %(min)d to %(max)d characters.",
    "Number must be at least %(min)s.": "Enter a number of at least %(min)s.",
    "Number must be at most %(max)s.": "Enter a number no more than %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Enter a number from %(min)s to %(max)s.",
    "Invalid email address.": "Enter an email address, such as name@school.org.",
    "Invalid input.": "Check this value.",
}


class _ProductWords:
    """A gettext-style translations object that WTForms asks for every message it shows."""

    def gettext(self, message):
        return PRODUCT_WORDS.get(message, message)

    def ngettext(self, singular, plural, n):
        return PRODUCT_WORDS.get(singular, singular if n == 1 else plural)


def bounds(field):
    """The sentence stating what ``field`` accepts (from its validators' flags), or None for a
    field whose choices are its bounds (selects, checkboxes, hidden fields)."""
    flags = field.flags
    if field.type == "IntegerField" or field.type in ("FloatField", "DecimalField"):
        kind = "A whole number" if field.type == "IntegerField" else "A number"
        low = None if flags.min is False else flags.min
        high = None if flags.max is False else flags.max
        if low is not None and high is not None:
            return f"{kind} from {low} to {high}."
        return f"{kind} of at least {low}." if low is not None else None
    if field.type == "DateField":
        first, last = clock.date_range()
        return f"A date from {first.day} {first:%B %Y} to {last.day} {last:%B %Y}."
    if field.type in ("StringField", "TextAreaField", "PasswordField", "EmailField") and flags.maxlength:
        if flags.minlength:
            return f"{flags.minlength:,} to {flags.maxlength:,} characters."
        return f"Up to {flags.maxlength:,} characters."
    return None


class Form(FlaskForm):
    """The base of every page form (see the module's docstring)."""

    class Meta:
        def get_translations(self, form):
            return _ProductWords()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self:
            field.bounds = bounds(field)


class _PlausibleDate:
    """Every form's date validator: the trust's one rule for plausible dates (tracker/clock.py).
    Its flags give the date input its ``min`` and ``max`` (read when a form is made, so
    "ten years ahead" moves with the trust's today)."""

    @property
    def field_flags(self):
        first, last = clock.date_range()
        return {"min": first.isoformat(), "max": last.isoformat()}

    def __call__(self, _form, field):
        if field.data is not None and not clock.plausible(field.data):
            raise ValidationError(clock.plausible_message())


plausible_date = _PlausibleDate()


def options(pairs):
    """``(value, label)`` pairs as WTForms choices (bare tuples are deprecated there)."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class InitiativeForm(Form):
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
    #: The drivers (of goals) it serves; the page groups the boxes by goal (``driver_groups``).
    driver_ids = MultiCheckboxField("Drivers it serves", coerce=int)
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


class SchoolForm(Form):
    name = StringField("Name", validators=[DataRequired("Enter the school's name."), Length(max=200)])
    urn = StringField("URN", validators=[DataRequired("Enter the school's URN."), Length(max=20)])
    phase = SelectField("Phase", choices=options(SCHOOL_PHASE_LABELS.items()))
    support_status = SelectField("Support status", choices=options(SUPPORT_STATUS_LABELS.items()))
    max_active_initiatives = IntegerField("Own limit of active initiatives", validators=[
        Optional(), NumberRange(0, schools.MAX_OWN_LIMIT)])
    version = HiddenField()


class UserForm(Form):
    """Adding a person: who they are, their role and their schools, in one form."""
    name = StringField("Name", validators=[DataRequired("Enter the person's name."), Length(max=200)])
    email = StringField("Email", validators=[DataRequired("Enter an email address."), Length(max=254)])
    role = SelectField("Role", choices=options([
        ("project_lead", "Project lead"), ("school_lead", "School lead"),
        ("central_team", "Central team"), ("viewer", "Viewer (read only)"), ("admin", "Admin")]))
    school_ids = MultiCheckboxField("Schools", coerce=int)
    password = StringField("Password", validators=[Length(max=128)],
                           render_kw={"autocomplete": "new-password", "type": "password"})
    version = HiddenField()


class EditUserForm(UserForm):
    """Changing a person: the same, plus whether their account is active."""
    active = SelectField("Account", choices=options([("1", "Active"), ("0", "Deactivated")]))
