"""The front end's static files (lti_tool/static: one stylesheet, one script), without a build
step (issue 15, item 5).

Templates link them with `static_url(name)`, whose URL carries a hash of the file's content
(`?v=<12 hex>`): a changed file gets a new URL, so a response for the current hash may be cached
for a year and never revalidated (`immutable`), while a URL with an old or no hash is answered
with `no-cache`. The folder ships in the wheel (pyproject.toml package-data) and is found with
importlib.resources like the templates.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, current_app, request, url_for

EXTENSION = "coproduce.asset_hashes"
LONG_CACHE = "public, max-age=31536000, immutable"


def content_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def _hashes() -> dict[str, str]:
    hashes: dict[str, str] = current_app.extensions[EXTENSION]
    return hashes


def asset_hash(filename: str) -> str:
    """The content hash of a file under the static folder, read once per process: a deploy
    restarts the workers, which is when the files change."""
    hashes = _hashes()
    if filename not in hashes:
        folder = current_app.static_folder
        assert folder is not None
        path = (Path(folder) / filename).resolve()
        if Path(folder).resolve() not in path.parents or not path.is_file():
            raise FileNotFoundError(f"no static file {filename!r}")
        hashes[filename] = content_hash(path)
    return hashes[filename]


def static_url(filename: str) -> str:
    """The URL of a static file, cache-busted by its content hash."""
    return url_for("static", filename=filename, v=asset_hash(filename))


def init_assets(app: Flask) -> None:
    app.extensions[EXTENSION] = {}
    app.jinja_env.globals["static_url"] = static_url

    @app.after_request
    def cache_static(response: Response) -> Response:
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        filename = (request.view_args or {}).get("filename", "")
        try:
            current = asset_hash(str(filename))
        except FileNotFoundError:
            return response
        if request.args.get("v") == current:
            response.headers["Cache-Control"] = LONG_CACHE
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response
