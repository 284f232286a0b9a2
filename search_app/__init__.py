"""search_app: full-text search over a corpus of documents, passage by passage, with sources."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Flask is imported only by the web layer, not by the core
    from flask import Flask

__version__ = "0.1.0"

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the web application.

    ``config`` may hold any setting of :class:`search_app.config.Settings` in upper case
    (``CORPUS_DIR``, ``INDEX_DIR``, ``PAGE_SIZE``, ...); the rest comes from ``SEARCH_APP_*``.
    """
    import threading

    from flask import Flask

    from search_app.config import Settings, load_settings
    from search_app.engine.readers import SearchIndex
    from search_app.web import TEMPLATE_HELPERS, as_markup, bp, without_bidi_controls
    from search_app.web.links import PublicAddress
    from search_app.web.ratelimit import RateLimiter

    config = dict(config or {})
    names = {field.name for field in fields(Settings)}
    settings = load_settings({k.lower(): v for k, v in config.items() if k.lower() in names})

    app = Flask(__name__, template_folder=str(ROOT / "templates"))
    app.config.from_mapping(config)
    app.extensions["search_app.settings"] = settings
    app.extensions["search_app.index"] = SearchIndex.from_settings(settings)
    app.extensions["search_app.heavy_lanes"] = threading.BoundedSemaphore(settings.heavy_requests)
    if settings.rate_limit:
        app.extensions["search_app.limiter"] = RateLimiter(settings.rate_limit)
    app.config.setdefault("MAX_CONTENT_LENGTH", 16 * 1024)  # GET only: no large bodies
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.jinja_env.finalize = without_bidi_controls  # before any template is compiled
    app.jinja_env.globals.update(TEMPLATE_HELPERS)
    app.jinja_env.filters["as_markup"] = as_markup
    app.register_blueprint(bp)
    app.wsgi_app = PublicAddress(app.wsgi_app, settings.public_url)  # type: ignore[method-assign]
    return app
