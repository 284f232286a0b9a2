"""Document metadata: front matter and sidecars read as YAML, checked field by field.

Only what a file says about itself becomes metadata; a field that is missing or wrong is a
:class:`DocumentError` whose message says what to write instead.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from search_app.corpus.rendering import is_http_url

SOURCE_TYPES = (
    "news",
    "ngo-report",
    "un",
    "government",
    "statement",
    "court",
    "testimony",
    "other",
)
LANGUAGES = ("en", "fa")
REQUIRED_FIELDS = ("title", "source")
OPTIONAL_FIELDS = (
    "source_type", "date", "url", "language", "author", "tags", "cited_in", "translation_of",
    "translator",
    "attached_to",
)  # fmt: skip

#: Dates outside these years are refused as typos (a Solar Hijri 1367 written as Gregorian...).
YEARS = range(1500, 2200)
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class DocumentError(Exception):
    """A corpus file that cannot become a document; the message says why."""


@dataclass(frozen=True)
class Problem:
    """Something wrong with one corpus file."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass(frozen=True)
class Metadata:
    """What the corpus says about a document; ``title`` and ``source`` are required."""

    title: str
    source: str
    source_type: str | None = None
    date: str | None = None
    url: str | None = None
    language: str = "en"
    author: str | None = None
    tags: tuple[str, ...] = ()
    cited_in: str | None = None
    translation_of: str | None = None
    #: who made the translation, when ``translation_of`` says this is one
    translator: str | None = None
    #: the e-mail (document id) this document came with as an attachment
    attached_to: str | None = None


def read_text(path: Path) -> str:
    """Read a UTF-8 text file with its line ends made ``\\n``.

    :raises DocumentError: when it cannot be read or is not UTF-8.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise DocumentError(f"cannot read file: {error.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentError(
            f"not UTF-8 text (byte {error.start}): save the file as UTF-8"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split a Markdown file into its YAML front matter and its body.

    :raises DocumentError: when the front matter is missing, unterminated or not a YAML mapping.
    """
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise DocumentError(
            "no front matter: start the file with a '---' line, then title: and source:"
        )
    closing = [i for i, line in enumerate(lines) if i and line.strip() in {"---", "..."}]
    if not closing:
        raise DocumentError("front matter is not closed: add a '---' line after the metadata")
    end = closing[0]
    return parse_yaml("\n".join(lines[1:end])), "\n".join(lines[end + 1 :])


class _MetadataLoader(yaml.SafeLoader):
    """YAML without anchors and aliases: metadata never needs them, and a few hundred bytes of
    nested aliases expand to billions of values once turned into text."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None,
                None,
                "anchors and aliases (& and *) are not allowed in metadata: write each value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)


#: libyaml's safe loader when PyYAML has it (most of a build's time reading metadata went to the
#: pure-Python parser); it cannot refuse aliases, so it only reads text without ``&`` and ``*``
#: (nor tabs)
_FAST_LOADER = getattr(yaml, "CSafeLoader", _MetadataLoader)


def load_yaml(text: str) -> Any:
    """Read YAML written by a person (metadata, folder files, the register of names).

    :raises DocumentError: when it is not valid YAML (anchors and aliases included), saying
        where.
    """
    if not any(sign in text for sign in "&*\t"):  # no anchor or alias (libyaml also takes tabs
        # where PyYAML refuses them: such text is read the one way it always was)
        try:
            return yaml.load(text, Loader=_FAST_LOADER)
        except (yaml.YAMLError, ValueError):
            pass  # read again below, for the same message whichever loader is installed
    try:
        data = yaml.load(text, Loader=_MetadataLoader)  # safe: a SafeLoader, less aliases
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise DocumentError(
            f"metadata is not valid YAML{where}: {getattr(error, 'problem', error)}"
        ) from None
    except ValueError as error:  # YAML reads 2020-02-30 as a date, and fails
        raise DocumentError(f"metadata has an impossible value: {error}") from None
    return data


def parse_yaml(text: str) -> dict[str, Any]:
    """Read metadata written as YAML.

    :raises DocumentError: when it is not valid YAML or not a mapping.
    """
    data = load_yaml(text)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DocumentError("metadata must be a YAML mapping of field: value")
    return data


def _kind(value: Any) -> str:
    """Name a YAML value that is not a single one, for a message."""
    return {list: "a list", dict: "a mapping"}.get(type(value), f"a {type(value).__name__}")


def _text_field(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DocumentError(f"field {name!r} must be text, not {_kind(value)}")
    value = str(value).strip()
    return value or None


def parse_date(value: Any) -> str:
    """Return ``value`` as an ISO date of the form ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    :raises DocumentError: when it is not one of those or not a real date.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise DocumentError(f"field 'date' must be one date like 2020-08-20, not {_kind(value)}")
    text = str(value).strip()
    match = _DATE.match(text)
    if not match:
        raise DocumentError(f"date {text!r} is not an ISO date: write 2020-08-20, 2020-08 or 2020")
    year, month, day = (int(part) if part else 1 for part in match.groups())
    if not YEARS.start <= year < YEARS.stop:
        raise DocumentError(
            f"date {text!r} is outside {YEARS.start}-{YEARS.stop - 1}: is it a typo, or a Solar "
            "Hijri date? Write the Gregorian date"
        )
    try:
        dt.date(year, month, day)
    except ValueError:
        raise DocumentError(f"date {text!r} does not exist") from None
    return text


def parse_metadata(data: dict[str, Any]) -> Metadata:
    """Validate raw metadata fields.

    :raises DocumentError: naming the first field that is missing or wrong.
    """
    unknown = sorted(set(map(str, data)) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        known = ", ".join(REQUIRED_FIELDS + OPTIONAL_FIELDS)
        raise DocumentError(f"unknown field {unknown[0]!r} (known fields: {known})")
    values = {
        name: _text_field(data, name)
        for name in REQUIRED_FIELDS + OPTIONAL_FIELDS
        if name not in {"tags", "date"}
    }
    for name in REQUIRED_FIELDS:
        if not values[name]:
            raise DocumentError(f"missing required field {name!r}")
    if values["source_type"] and values["source_type"] not in SOURCE_TYPES:
        raise DocumentError(
            f"source_type {values['source_type']!r} is not one of: {', '.join(SOURCE_TYPES)}"
        )
    values["date"] = parse_date(data["date"]) if data.get("date") is not None else None
    if values["url"] and not is_http_url(values["url"]):
        raise DocumentError(f"url {values['url']!r} is not an http:// or https:// address")
    language = values.pop("language") or "en"
    if language not in LANGUAGES:
        raise DocumentError(f"language {language!r} is not one of: {', '.join(LANGUAGES)}")
    tags = data.get("tags") or ()
    if isinstance(tags, str):
        tags = [tag.strip() for tag in tags.split(",")]
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str | int) for t in tags):
        raise DocumentError("field 'tags' must be a list of words")
    return Metadata(language=language, tags=tuple(str(t) for t in tags if str(t)), **values)
