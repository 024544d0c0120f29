"""Console forms (Flask-WTF: validation and CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, AnyOf, DataRequired, EqualTo, Length, Optional

from lti_tool.admin.words import PRODUCT_FAMILY, language_choices
from lti_tool.i18n import LANGUAGES
from lti_tool.models import DeploymentPolicy, ProductFamily

# The validators' messages in the tool's catalogs (WTForms' own would not follow the
# pseudo-locales, and they are the console's words).
_REQUIRED = _l("This field is required.")


def _required() -> DataRequired:
    return DataRequired(message=_REQUIRED)


def _at_most(n: int) -> Length:
    return Length(max=n, message=_l("At most %(max)d characters."))


def _one_of(values: list[str]) -> AnyOf:
    return AnyOf(values, message=_l("Choose one of the options offered."))


_URL = [
    _required(),
    URL(require_tld=False, message=_l("Enter a full http(s) URL.")),
    _at_most(1000),
]


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[_required(), _at_most(100)])
    password = PasswordField(_l("Password"), validators=[_required(), _at_most(500)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[_required(), _at_most(500)])
    new = PasswordField(_l("New password"), validators=[_required(), _at_most(500)])
    confirm = PasswordField(
        _l("New password again"),
        validators=[_required(), EqualTo("new", message=_l("The new passwords differ."))],
    )


class PlatformForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Optional(), _at_most(200)])
    issuer = StringField(_l("Issuer"), validators=_URL[:2] + [_at_most(500)])
    client_id = StringField(_l("Client ID"), validators=[_required(), _at_most(255)])
    auth_login_url = StringField(_l("OIDC authorization URL"), validators=_URL)
    auth_token_url = StringField(_l("Access token URL"), validators=_URL)
    key_set_url = StringField(_l("Public keyset (JWKS) URL"), validators=_URL)
    auth_audience = StringField(
        _l("Token audience (only if not the token URL)"), validators=[Optional(), _at_most(1000)]
    )
    product_family = SelectField(
        _l("LMS"),
        choices=[SelectChoice(f.value, PRODUCT_FAMILY[f.value]) for f in ProductFamily],
        validate_choice=False,
        validators=[_one_of([f.value for f in ProductFamily])],
    )
    deployment_policy = SelectField(
        _l("Deployments not registered here"),
        choices=[
            SelectChoice(
                DeploymentPolicy.HOLD.value, _l("Hold as pending until an admin activates them")
            ),
            SelectChoice(DeploymentPolicy.ACCEPT.value, _l("Accept automatically (recorded)")),
        ],
        validate_choice=False,
        validators=[_one_of([p.value for p in DeploymentPolicy])],
    )
    default_language = SelectField(
        _l("Language"),
        choices=language_choices,
        validate_choice=False,
        validators=[AnyOf(["", *LANGUAGES], message=_l("Choose one of the languages offered."))],
        default="",
    )
    deployment_ids = StringField(
        _l("Deployment IDs (comma separated)"), validators=[Optional(), _at_most(2000)]
    )


class DeploymentForm(FlaskForm):
    deployment_id = StringField(_l("Deployment ID"), validators=[_required(), _at_most(255)])


class ConfirmDeleteForm(FlaskForm):
    confirm_name = StringField(_l("Type the registration's name"), validators=[_required()])


class RetireKeyForm(FlaskForm):
    kid = StringField(_l("Key id"), validators=[_required(), _at_most(64)])


class ActionForm(FlaskForm):
    """A button-only form: CSRF is all it carries."""


class MoodlePresetForm(FlaskForm):
    site_url = StringField(_l("Moodle site URL"), validators=_URL)
