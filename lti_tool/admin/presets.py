"""Values admins paste into their LMS, and the LMS values that can be derived for them."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from lti_tool.models import ProductFamily


@dataclass(frozen=True)
class PlatformPreset:
    product_family: str
    issuer: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str


# Canvas cloud: one issuer for every customer; auth and keys on sso.canvaslms.com.
CANVAS_CLOUD = {
    "production": PlatformPreset(
        ProductFamily.CANVAS,
        "https://canvas.instructure.com",
        "https://sso.canvaslms.com/api/lti/authorize_redirect",
        "https://sso.canvaslms.com/login/oauth2/token",
        "https://sso.canvaslms.com/api/lti/security/jwks",
    ),
    "beta": PlatformPreset(
        ProductFamily.CANVAS,
        "https://canvas.beta.instructure.com",
        "https://sso.beta.canvaslms.com/api/lti/authorize_redirect",
        "https://sso.beta.canvaslms.com/login/oauth2/token",
        "https://sso.beta.canvaslms.com/api/lti/security/jwks",
    ),
    "test": PlatformPreset(
        ProductFamily.CANVAS,
        "https://canvas.test.instructure.com",
        "https://sso.test.canvaslms.com/api/lti/authorize_redirect",
        "https://sso.test.canvaslms.com/login/oauth2/token",
        "https://sso.test.canvaslms.com/api/lti/security/jwks",
    ),
}


def moodle_preset(site_url: str) -> PlatformPreset:
    """Moodle's LTI 1.3 endpoints: the issuer is the site URL (wwwroot)."""
    parts = urlsplit(site_url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError("enter the Moodle site's full URL, e.g. https://moodle.example.edu")
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    return PlatformPreset(
        ProductFamily.MOODLE,
        base,
        base + "/mod/lti/auth.php",
        base + "/mod/lti/token.php",
        base + "/mod/lti/certs.php",
    )


@dataclass(frozen=True)
class ToolUrls:
    """What an admin pastes into the LMS."""

    base: str

    @property
    def login(self) -> str:
        return self.base + "/lti/login"

    @property
    def launch(self) -> str:
        return self.base + "/lti/launch"

    @property
    def jwks(self) -> str:
        return self.base + "/.well-known/jwks.json"

    @property
    def deep_linking(self) -> str:
        return self.base + "/lti/launch"

    @property
    def register(self) -> str:
        return self.base + "/lti/register"

    @property
    def canvas_json(self) -> str:
        return self.base + "/lti/canvas.json"

    @property
    def domain(self) -> str:
        return urlsplit(self.base).netloc
