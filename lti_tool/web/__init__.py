"""The protocol's HTTP endpoints: OIDC login, launch, the tool's JWKS, and registration.

Thin glue between HTTP and the protocol port (lti_tool.lti) and the launch session
(lti_tool.auth); the rules live there.
"""
