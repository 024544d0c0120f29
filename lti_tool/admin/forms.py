"""Console forms (Flask-WTF: validation and CSRF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, EqualTo, Length, Optional

from lti_tool.models import DeploymentPolicy, ProductFamily

_URL = [
    DataRequired(),
    URL(require_tld=False, message="Enter a full http(s) URL."),
    Length(max=1000),
]


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=100)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=500)])


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=500)])
    new = PasswordField("New password", validators=[DataRequired(), Length(max=500)])
    confirm = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new", message="The new passwords differ.")],
    )


class PlatformForm(FlaskForm):
    name = StringField("Name", validators=[Optional(), Length(max=200)])
    issuer = StringField("Issuer", validators=_URL[:2] + [Length(max=500)])
    client_id = StringField("Client ID", validators=[DataRequired(), Length(max=255)])
    auth_login_url = StringField("OIDC authorization URL", validators=_URL)
    auth_token_url = StringField("Access token URL", validators=_URL)
    key_set_url = StringField("Public keyset (JWKS) URL", validators=_URL)
    auth_audience = StringField(
        "Token audience (only if not the token URL)", validators=[Optional(), Length(max=1000)]
    )
    product_family = SelectField(
        "LMS", choices=[SelectChoice(f.value, f.value.capitalize()) for f in ProductFamily]
    )
    deployment_policy = SelectField(
        "Deployments not registered here",
        choices=[
            SelectChoice(
                DeploymentPolicy.HOLD.value, "Hold as pending until an admin activates them"
            ),
            SelectChoice(DeploymentPolicy.ACCEPT.value, "Accept automatically (recorded)"),
        ],
    )
    deployment_ids = StringField(
        "Deployment IDs (comma separated)", validators=[Optional(), Length(max=2000)]
    )


class DeploymentForm(FlaskForm):
    deployment_id = StringField("Deployment ID", validators=[DataRequired(), Length(max=255)])


class ConfirmDeleteForm(FlaskForm):
    confirm_name = StringField("Type the registration's name", validators=[DataRequired()])


class RetireKeyForm(FlaskForm):
    kid = StringField("Key id", validators=[DataRequired(), Length(max=64)])


class ActionForm(FlaskForm):
    """A button-only form: CSRF is all it carries."""


class MoodlePresetForm(FlaskForm):
    site_url = StringField("Moodle site URL", validators=_URL)
