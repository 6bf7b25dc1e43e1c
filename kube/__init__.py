"""Kube: registry, microcapital ledger and income monitoring for Dinas Sosial Kota Serang."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError

if TYPE_CHECKING:
    from config import Config


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` URL parts between 0 and MAX_ID, the range of the database's integer ids."""

    def __init__(self, url_map, *args, **kwargs):
        from kube.core.database import MAX_ID

        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        # Werkzeug turns a refused conversion into 405 when a rule for another method on the same
        # path was seen first (PATCH /api/v1/groups/<huge> answered 405 "Allow: GET"); no id is 404.
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    """Build the Flask application with its extensions, blueprints and commands (settings from `config.Config`)."""
    if config_class is None:
        # Imported here: config.py reads the office's time zone from kube.core.clock.
        from config import Config as config_class
    app = Flask(
        __name__,
        instance_relative_config=False,
        template_folder="../templates",
        static_folder="static",
    )
    settings = {key: getattr(config_class, key) for key in dir(config_class) if key.isupper()}
    settings.update(overrides)
    config_class.finalise(settings)
    app.config.update(settings)
    # Ids past PostgreSQL's integer range are answered 404 by routing instead of overflowing a query.
    app.url_map.converters["int"] = BoundedIntegerConverter

    from kube.core.database import configure_database_engine
    import kube.models  # noqa: F401  (every table registered before migrations look)

    register_extensions(app)
    configure_database_engine(app)
    register_blueprints(app)
    from kube.monitoring.stored import install_session_events

    # The stored current flags are recomputed in the transaction that changes what they depend on.
    install_session_events()

    from kube.errors import register_error_handlers
    from kube.security import register_security
    from kube.core.filters import register_template_filters
    from kube.cli import register_commands
    from kube.navigation import register_navigation

    register_security(app)
    register_error_handlers(app)
    register_template_filters(app)
    register_commands(app)
    register_navigation(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the unbound extension objects to this app."""
    from kube.api.schemas import ApiErrorSchema
    from kube.extensions import api, babel, csrf, db, limiter, login_manager, migrate
    from kube.i18n import select_locale

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    # The OpenAPI document describes errors in Kube's own shape; set before init_app registers it.
    api.ERROR_SCHEMA = ApiErrorSchema
    api.init_app(app)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})


def register_blueprints(app: Flask) -> None:
    """Register each feature's HTML blueprint (its views attach the routes) and the JSON API blueprints."""
    from kube.extensions import api, csrf
    from kube.api import api_blueprints
    from kube.api.docs import docs_bp
    from kube.audit import bp as audit_bp
    from kube.audit import views as _audit_views  # noqa: F401  (views attach routes to bp)
    from kube.auth import bp as auth_bp
    from kube.auth import views as _auth_views  # noqa: F401
    from kube.groups import bp as groups_bp
    from kube.groups import transfer_views as _transfer_views  # noqa: F401
    from kube.groups import views as _group_views  # noqa: F401
    from kube.history import bp as history_bp
    from kube.history import views as _history_views  # noqa: F401
    from kube.ledger import bp as ledger_bp
    from kube.ledger import equipment_views as _equipment_views  # noqa: F401
    from kube.ledger import letter_views as _letter_views  # noqa: F401
    from kube.ledger import photo_views as _photo_views  # noqa: F401
    from kube.ledger import views as _ledger_views  # noqa: F401
    from kube.main import bp as main_bp
    from kube.main import views as _main_views  # noqa: F401
    from kube.monitoring import bp as monitoring_bp
    from kube.monitoring import views as _monitoring_views  # noqa: F401
    from kube.overview import bp as overview_bp
    from kube.overview import views as _overview_views  # noqa: F401
    from kube.privacy import bp as privacy_bp
    from kube.privacy import views as _privacy_views  # noqa: F401
    from kube.pwa import bp as pwa_bp
    from kube.pwa import views as _pwa_views  # noqa: F401
    from kube.reports import bp as reports_bp
    from kube.reports import views as _reports_views  # noqa: F401

    for blueprint in (main_bp, auth_bp, audit_bp, groups_bp, reports_bp, ledger_bp, monitoring_bp, privacy_bp, docs_bp,
                      history_bp, pwa_bp, overview_bp):
        app.register_blueprint(blueprint)
    for blueprint in api_blueprints():
        # The API authenticates with bearer tokens, never cookies, so CSRF does not apply.
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
