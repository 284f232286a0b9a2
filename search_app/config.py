"""Paths and limits, from defaults, the environment (``SEARCH_APP_*``) and explicit overrides.

Every path the application touches comes from a :class:`Settings` object, so tests point the whole
application at temporary directories and nothing ever writes to the real ``index/`` by accident.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ENV_PREFIX = "SEARCH_APP_"
#: The two paths have the short names the CLI documents; every other setting is SEARCH_APP_<NAME>.
ENV_NAMES = {"corpus_dir": "SEARCH_APP_CORPUS", "index_dir": "SEARCH_APP_INDEX"}


#: Settings where 0 means "off" (or, for the ranking ones, "none").
ZERO_ALLOWED = {
    "rate_limit", "log_queries", "citation_query", "result_cache",
    "title_boost", "document_weight", "bm25_b", "bm25_k1",
}  # fmt: skip
#: The ranking settings' bounds: BM25's B is a share, the others are sane limits.
RANGES = {
    "title_boost": (0.0, 100.0),
    "document_weight": (0.0, 100.0),
    "bm25_b": (0.0, 1.0),
    "bm25_k1": (0.0, 100.0),
}


def env_name(setting: str) -> str:
    """Return the environment variable that sets ``setting``."""
    return ENV_NAMES.get(setting, ENV_PREFIX + setting.upper())


@dataclass(frozen=True)
class Settings:
    """Everything that can be configured, with the defaults a fresh checkout uses."""

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    page_size: int = 10
    per_document: int = 3
    max_query_length: int = 500
    max_page: int = 1000
    max_passage_chars: int = 1200
    export_cap: int = 5000
    max_file_mb: int = 50
    max_pages: int = 2000
    max_seconds_per_file: int = 60
    #: OCR of one scanned page stops after this many seconds (the page is then left out)
    ocr_seconds_per_page: float = 120.0
    #: a search stops after this many seconds and shows what it found, marked partial
    search_seconds: float = 5.0
    #: searches and downloads a client may make per minute (a download counts as 10, and every
    #: tenth of a second of work past the first costs one more); 0: no limit
    rate_limit: int = 120
    #: heavy requests (prefixes, fuzzy words, phrases, downloads, batches) running at once in one
    #: server process; past it they get 503 and Retry-After, and the other threads stay free
    heavy_requests: int = 2
    #: seconds a client has to send a request's line and headers (slow clients are cut off)
    header_seconds: float = 10.0
    #: 1: access logs show the query string; 0: only the path (queries can be sensitive)
    log_queries: int = 1
    #: most lines in one batch search, and the longest it may run (then the rest is not searched)
    batch_lines: int = 200
    batch_seconds: float = 60.0
    #: result pages kept in memory per server process (0: none)
    result_cache: int = 512
    #: how much the query's words in a passage's document title add to its score; the title
    #: never makes a passage match (the passage itself must), it ranks on-topic documents first
    title_boost: float = 0.3
    #: how much a passage's whole document (its title and all its passages as one text) adds
    #: to its score, times the document's BM25F score for the query's words; 0: none
    document_weight: float = 0.25
    #: BM25's length normalisation (0: none, 1: full) and term-frequency saturation
    bm25_b: float = 0.4
    bm25_k1: float = 0.7
    #: the address readers reach the site at (``https://evidence.example.org``): every absolute
    #: link (citations, downloads, OpenSearch, the CLI's) starts with it; "" means the server's
    #: own address, never the Host header a client sends
    public_url: str = ""
    #: 1: citation and download links carry the query (the page marks its words); 0: they do
    #: not, since search words may be a victim's or a witness's name
    citation_query: int = 0


def check_public_url(value: str) -> str:
    """Return a public URL without its trailing ``/``.

    :raises ValueError: unless it is an http(s) address with a host, and no query or fragment.
    """
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            f"{env_name('public_url')} must be an http(s) address such as "
            f"https://evidence.example.org (a path is allowed), not {value!r}"
        )
    return value.strip().rstrip("/")


def _coerce(value: str, like: Any) -> Any:
    if isinstance(like, Path):
        return Path(value)
    if isinstance(like, float):
        return float(value)
    if isinstance(like, int):
        return int(value)
    return value


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Build settings from defaults, then the environment (:func:`env_name`), then ``overrides``.

    :raises ValueError: when a variable or override cannot be read as its field's type.
    """
    environ = os.environ if environ is None else environ
    settings = Settings()
    values: dict[str, Any] = {}
    for field in fields(Settings):
        default = getattr(settings, field.name)
        raw = environ.get(env_name(field.name))
        if raw:
            try:
                values[field.name] = _coerce(raw, default)
            except ValueError:
                raise ValueError(
                    f"{env_name(field.name)}={raw!r} is not a valid {type(default).__name__}"
                ) from None
    for name, value in (overrides or {}).items():
        key = name.lower()
        if key not in {f.name for f in fields(Settings)}:
            raise ValueError(f"unknown setting {name!r}")
        if value is not None:
            values[key] = _coerce(str(value), getattr(settings, key))
    if "public_url" in values:
        values["public_url"] = check_public_url(values["public_url"])
    result = replace(settings, **values)
    for field in fields(Settings):
        value = getattr(result, field.name)
        if field.name in RANGES:
            low, high = RANGES[field.name]
            if not low <= value <= high:  # NaN fails this too
                raise ValueError(
                    f"{env_name(field.name)} must be a number from {low} to {high}, not {value}"
                )
            continue
        if isinstance(value, float) and not (0 < value < math.inf):
            raise ValueError(f"{env_name(field.name)} must be more than 0, not {value}")
        least = 0 if field.name in ZERO_ALLOWED else 1
        if isinstance(value, int) and value < least:
            raise ValueError(f"{env_name(field.name)} must be {least} or more, not {value}")
    return result
