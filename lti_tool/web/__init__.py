"""The protocol's HTTP endpoints: OIDC login (login), launch (launch, with one handler per
message type in dispatch), the tool's JWKS (jwks), Dynamic Registration and the Canvas
configuration (registration), the PNS notice handler (notices).

Thin glue between HTTP, the protocol port (lti_tool.lti) and the launch session
(lti_tool.auth); the rules live there. `bp` is the "lti" blueprint, `registration_bp` the
"registration" one.
"""

from lti_tool.web import jwks, launch, login, notices  # noqa: F401  (each registers its routes on bp)
from lti_tool.web.blueprint import bp
from lti_tool.web.registration import bp as registration_bp

__all__ = ["bp", "registration_bp"]
