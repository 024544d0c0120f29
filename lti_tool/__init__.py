"""Coproduce: an LTI 1.3 tool for coproduction in teaching."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from lti_tool.settings import Settings, load_settings, package_folder


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Application factory: settings → extensions → blueprints → errors → CLI."""
    settings = load_settings(overrides)
    app = Flask(
        __name__,
        template_folder=package_folder("templates"),
        static_folder=package_folder("static"),
        instance_path=str(settings.INSTANCE_PATH),
    )
    _configure(app, settings)
    from lti_tool import robustness

    robustness.init_app(app)  # before blueprints: their rules bind the bounded id converter
    _init_extensions(app)
    _register_blueprints(app, settings)
    from lti_tool.errors import register_error_handlers

    register_error_handlers(app)
    from lti_tool.headers import init_headers

    init_headers(app)
    _init_cli(app, settings)
    return app


def _configure(app: Flask, settings: Settings) -> None:
    from lti_tool.database import engine_options
    from lti_tool.lti.registration_cache import EXTENSION, RegistrationCache

    app.extensions["coproduce.settings"] = settings
    app.extensions[EXTENSION] = RegistrationCache(ttl=settings.REGISTRATION_CACHE_SECONDS)
    app.config.update(
        SECRET_KEY=settings.SECRET_KEY,
        SQLALCHEMY_DATABASE_URI=settings.DATABASE_URL,
        # No pre-ping on every checkout; pool size from the connection budget (lti_tool.database).
        SQLALCHEMY_ENGINE_OPTIONS=engine_options(
            settings.DATABASE_URL,
            pool_size=settings.DB_POOL_SIZE,
            max_overflow=settings.DB_MAX_OVERFLOW,
            inprocess_worker=settings.OUTBOX_INPROCESS_WORKER,
            production=settings.is_production,
        ),
        LAUNCH_TOKEN_TTL_SECONDS=settings.LAUNCH_TOKEN_TTL_SECONDS,
        LINK_TICKET_TTL_SECONDS=settings.LINK_TICKET_TTL_SECONDS,
        # CSRF tokens live as long as the launch they belong to.
        WTF_CSRF_TIME_LIMIT=settings.LAUNCH_TOKEN_TTL_SECONDS,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        SESSION_COOKIE_NAME="coproduce_session",
        TESTING=settings.APP_ENV == "test",
        # The pseudo-locales en-XA and ar-XB (lti_tool.i18n) answer outside production only.
        I18N_PSEUDO_LOCALES=not settings.is_production,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
    )
    from lti_tool.logs import configure_logging

    configure_logging(settings.LOG_LEVEL, settings.LOG_FORMAT)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    if settings.PROXY_FIX_HOPS:
        hops = settings.PROXY_FIX_HOPS
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]
    from lti_tool.auth.session import LaunchAwareSessionInterface

    app.session_interface = LaunchAwareSessionInterface()


def _init_extensions(app: Flask) -> None:
    from lti_tool import models  # noqa: F401  (tables known to metadata before migrate)
    from lti_tool.extensions import csrf, db, migrate
    from lti_tool.models.base import render_migration_item

    db.init_app(app)
    # Batch mode lets later migrations alter tables on SQLite too.
    migrate.init_app(
        app,
        db,
        directory=package_folder("migrations"),
        render_as_batch=True,
        render_item=render_migration_item,
    )
    csrf.init_app(app)
    from lti_tool import storage

    storage.init_app(app)


def _register_blueprints(app: Flask, settings: Settings) -> None:
    from lti_tool.activities import bp as activities_bp
    from lti_tool.admin import bp as admin_bp
    from lti_tool.grading.views import bp as grading_bp
    from lti_tool.start import bp as start_bp
    from lti_tool.templating import init_templating
    from lti_tool.web import bp as lti_bp
    from lti_tool.web import registration_bp
    from lti_tool.wording import init_wording

    app.register_blueprint(lti_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(start_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(activities_bp)
    app.register_blueprint(grading_bp)
    from lti_tool.reminders import bp as reminders_bp

    app.register_blueprint(reminders_bp)
    from lti_tool.hub import bp as hub_bp

    app.register_blueprint(hub_bp)
    from lti_tool.activities.kinds import init_kinds

    # Every kind of activity, from one registry (activities.kinds): each kind's load(app)
    # registers its blueprint.
    init_kinds(app, settings.EXTRA_ACTIVITY_KINDS)
    init_templating(app)
    init_wording(app)
    from lti_tool.i18n import init_i18n

    init_i18n(app)
    from lti_tool.assets import init_assets

    init_assets(app)
    from lti_tool.ops import init_app as init_ops

    init_ops(app)
    if settings.SANDBOX:
        from lti_tool.sandbox import bp as sandbox_bp

        app.register_blueprint(sandbox_bp)


def _init_cli(app: Flask, settings: Settings) -> None:
    from lti_tool.admin.cli import init_cli
    from lti_tool.grading.worker import init_cli as init_worker_cli

    init_cli(app)
    init_worker_cli(app)
    from lti_tool.privacy.cli import init_cli as init_privacy_cli

    init_privacy_cli(app)
    if settings.SANDBOX:
        from lti_tool.sandbox.cli import init_cli as init_sandbox_cli

        init_sandbox_cli(app)
