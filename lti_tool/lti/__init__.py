"""The LTI 1.3 protocol: the only package that imports pylti1p3.

Tool configuration over the database, the tool's keys and JWKS, platforms' keys, OIDC login,
launch validation, and (in later issues) deep linking, AGS, NRPS and registration.
"""
