"""The LTI 1.3 protocol: the only package that imports pylti1p3.

Tool configuration over the database, the tool's keys and JWKS, platforms' keys, OIDC login,
launch validation, registration, and the LTI Advantage services: deep linking (deep_linking),
access tokens (access_tokens), calling a platform's services (services, links), AGS (ags) and
NRPS (nrps).
"""
