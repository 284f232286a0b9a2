"""The web layer's guards: error pages, rate limits, access logs and security headers.

Every error, whatever raised it, becomes a page that says what to change (or ``{"error"}`` JSON
under ``/api/``); nothing reaches the browser as a traceback.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from flask import Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search_app.engine.readers import IndexUnavailable
from search_app.web.lanes import Busy
from search_app.web.params import BadRequest, settings
from search_app.web.ratelimit import RateLimiter, retry_after
from search_app.web.views import bp

ACCESS_LOG = logging.getLogger("search_app.access")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _error(status: int, message: str, title: str) -> tuple[Any, int]:
    if _wants_json():
        return jsonify(error=message, status=status), status
    # what was typed stays in the search box, so that a long query can be corrected
    typed = request.args.get("q", "")
    exact = request.args.get("exact") == "1"
    page = render_template(
        "error.html", status=status, title=title, message=message, q=typed, exact=exact
    )
    return page, status


@bp.app_errorhandler(BadRequest)
def bad_request(error: BadRequest) -> tuple[Any, int]:
    return _error(400, error.message, "That search cannot be run")


@bp.app_errorhandler(IndexUnavailable)
def index_unavailable(error: IndexUnavailable) -> tuple[Any, int]:
    if request.path == "/healthz":
        return jsonify(status="unavailable", error=str(error)), 503
    return _error(503, str(error), "The search index is not available")


@bp.app_errorhandler(Busy)
def busy(error: Busy) -> Any:
    message = (
        "The server is busy with other long requests (searches with *, ?, ~ or quotes, "
        f"downloads, batches): try again in {error.retry_after} s."
    )
    response = current_app.make_response(_error(503, message, "Busy"))
    response.headers["Retry-After"] = str(error.retry_after)
    return response


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> tuple[Any, int]:
    status = error.code or 500
    return _error(status, error.description or "", f"{status} {error.name}")


@bp.app_errorhandler(Exception)
def unexpected_error(error: Exception) -> tuple[Any, int]:
    current_app.logger.exception("unhandled error on %s", request.path)
    return _error(500, "Something went wrong on our side; the error has been logged.", "Error")


RATE_LIMITED = {
    "search.search_page": 1.0,
    "search.api_search": 1.0,
    "search.facet_values": 1.0,
    "search.api_suggest": 0.2,
    "search.batch_page": 10.0,
    "search.spellings_page": 2.0,  # a search for each spelling, to count its passages
    "search.document": 1.0,  # a long document takes a while to render
    "search.api_document": 1.0,
}
DOWNLOAD_COST = 10.0
#: A request that takes longer than this costs one more token per tenth of a second past it.
FREE_WORK_SECONDS = 1.0
WORK_SECONDS_PER_TOKEN = 0.1


@bp.before_app_request
def limit_rate() -> Any:
    """Refuse, with 429 and ``Retry-After``, a client that searches faster than allowed."""
    request.environ["search_app.started"] = time.perf_counter()
    limiter: RateLimiter | None = current_app.extensions.get("search_app.limiter")
    cost = RATE_LIMITED.get(request.endpoint or "")
    if limiter is None or cost is None:
        return None
    if request.args.get("format"):
        cost = DOWNLOAD_COST
    wait = limiter.take(request.remote_addr or "-", cost)
    if not wait:
        request.environ["search_app.paid"] = cost
        return None
    message = f"Too many searches from your address: try again in {retry_after(wait)} s."
    response, status = _error(429, message, "Too many searches")
    response = current_app.make_response((response, status))
    response.headers["Retry-After"] = retry_after(wait)
    return response


@bp.after_app_request
def charge_work(response: Response) -> Response:
    """Charge the client for the time its request took past :data:`FREE_WORK_SECONDS`: a batch
    of long lines or a long document costs what it cost the server."""
    limiter: RateLimiter | None = current_app.extensions.get("search_app.limiter")
    if "search_app.paid" not in request.environ or limiter is None:
        return response
    took = time.perf_counter() - request.environ["search_app.started"]
    extra = (took - FREE_WORK_SECONDS) / WORK_SECONDS_PER_TOKEN
    if extra > 0:
        limiter.charge(request.remote_addr or "-", extra)
    return response


@bp.after_app_request
def log_access(response: Response) -> Response:
    """Log one JSON line per request; the query string only where the operator allows it."""
    started = request.environ.get("search_app.started", time.perf_counter())
    path = request.path
    if settings().log_queries and request.query_string:
        path = request.full_path
    ACCESS_LOG.info(
        json.dumps(
            {
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
            ensure_ascii=False,
        )
    )
    return response


SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


@bp.after_app_request
def add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
