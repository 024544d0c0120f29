"""Security headers on every response (issue 11, "Headers").

* A Content-Security-Policy whose `script-src` admits only this response's nonce: every inline
  script in templates/ carries `nonce="{{ csp_nonce() }}"`, so markup injected through a
  field can never run. There is no `frame-ancestors`: the LMS frames the tool, and which LMS
  sites those are changes with every registration and is not a trust decision of this header.
* `style-src 'self'`: the one stylesheet is a static file (lti_tool/assets.py); templates carry
  no inline styles (tests/web/test_front_end.py).
* `X-Content-Type-Options: nosniff`, so an upload is never run as a script or a page.
* `Referrer-Policy: no-referrer`: a URL of the tool (with its link ticket) never travels to
  another site, nor between our own pages.
"""

from __future__ import annotations

from flask import Flask, Response

from lti_tool.templating import csp_nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        (
            f"script-src 'nonce-{nonce}'",
            # Styles only from the tool's own static files (lti_tool/static, issue 15): no
            # <style> element or style="" attribute that injected markup could bring.
            "style-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
        )
    )


def init_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        if response.mimetype == "text/html":
            response.headers.setdefault(
                "Content-Security-Policy", content_security_policy(csp_nonce())
            )
        return response
