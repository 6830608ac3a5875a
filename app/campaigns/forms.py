"""Forms of the campaign pages; Flask-WTF adds the CSRF token field.

Choices are filled in by the view from the database; whether the chosen
documents belong to the chosen corpus, and whether N fits the team, is
`create_campaign`'s business (it raises CampaignError with the reason).
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.campaigns.gold import GOLD_STATUSES
from app.models import ASSIGNMENT_MODES

MODE_LABELS = {
    "round-robin": "Round-robin: each segment to the next N annotators",
    "by-document": "By document: each document (per system) whole to N annotators",
}


class CampaignForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description (optional)", validators=[Optional()])
    corpus = SelectField("Corpus", coerce=int, validators=[InputRequired()])
    documents = SelectMultipleField(
        "Documents (none selected: every document)", coerce=int, validators=[Optional()]
    )
    systems = SelectMultipleField(
        "MT systems (none selected: every system)", validators=[Optional()]
    )
    annotators = SelectMultipleField(
        "Annotators", coerce=int, validators=[DataRequired("choose at least one annotator")]
    )
    per_segment = IntegerField(
        "Annotators per segment (N)", default=1, validators=[InputRequired(), NumberRange(min=1)]
    )
    mode = RadioField(
        "Assignment",
        choices=[SelectChoice(mode, MODE_LABELS[mode]) for mode in ASSIGNMENT_MODES],
        default="round-robin",
        validators=[InputRequired()],
    )
    submit = SubmitField("Create campaign")


class GoldForm(FlaskForm):
    """The reviewer's gold; the span checkboxes (name "span", value the
    span id) are read from the request as a list, since their number varies."""

    post_edit = TextAreaField("Gold post-edit")
    status = RadioField(
        "Status",
        choices=[
            SelectChoice(s, {"done": "Done", "no_errors": "No errors"}[s]) for s in GOLD_STATUSES
        ],
        default="done",
        validators=[InputRequired()],
    )
    gold_id = HiddenField()
    base_version = HiddenField(default="0")
    submit = SubmitField("Save gold reference")
