"""The register of names: the people, places, organisations and events a corpus is about.

``corpus/_names.yml`` lists entries, each with a kind, the name pages show, and the spellings the
corpus uses for it, in any script::

    - name: Ebrahim Raisi
      kind: person
      spellings: [Raisi, ابراهیم رئیسی, رئیسی]

Every spelling is matched as whole words (several words as a phrase, in order) in every passage
when the index is built (:mod:`search_app.names.mentions`), so that "who appears where, and with
whom" is counted without a search. An entry's ``id`` (its link, ``/entity/<id>``) is made from
its name unless given; give one for a name without Latin letters, and keep it stable: links in
reports depend on it. The register is read when the index is built and kept with the index
generation.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from search_app.corpus.metadata import DocumentError, Problem, load_yaml
from search_app.corpus.scanning import read_corpus_file

REGISTER_FILE = "_names.yml"
#: The kinds of entry, in the order pages list them.
KINDS = ("person", "place", "organisation", "event")
KNOWN_FIELDS = {"id", "name", "kind", "spellings"}
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Entry:
    """One person, place, organisation or event, and how the corpus writes its name."""

    slug: str
    name: str
    kind: str
    #: every spelling to look for, the name first
    spellings: tuple[str, ...]


@dataclass
class Register:
    """Every entry of the register, in the file's order."""

    entries: list[Entry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_slug = {entry.slug: entry for entry in self.entries}
        self._by_kind = {kind: [e for e in self.entries if e.kind == kind] for kind in KINDS}

    def get(self, slug: str) -> Entry | None:
        """Return the entry with this id, if any."""
        return self._by_slug.get(slug)

    def of_kind(self, kind: str) -> list[Entry]:
        """Return the entries of one kind, in the file's order."""
        return self._by_kind.get(kind, [])

    def fingerprint(self) -> str:
        """Identify the register's content: the index records which register it counted."""
        return hashlib.sha256(json.dumps(self.as_data(), ensure_ascii=False).encode()).hexdigest()

    def as_data(self) -> list[dict[str, Any]]:
        """Return the register as plain data, to keep it with an index generation."""
        return [asdict(entry) for entry in self.entries]


def register_from_data(data: Iterable[dict[str, Any]]) -> Register:
    """Rebuild a register kept with an index generation (:meth:`Register.as_data`)."""
    return Register(
        [Entry(item["slug"], item["name"], item["kind"], tuple(item["spellings"])) for item in data]
    )


def slugify(name: str) -> str:
    """Return the link-safe id of a name: ASCII letters and digits joined by hyphens."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_name.lower()))


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _entry(item: Any, where: str, problems: list[Problem]) -> Entry | None:
    if not isinstance(item, dict):
        problems.append(Problem(where, "an entry is a mapping with name:, kind: and spellings:"))
        return None
    unknown = sorted(set(map(str, item)) - KNOWN_FIELDS)
    if unknown:
        problems.append(
            Problem(where, f"unknown field {unknown[0]!r} (known: id, name, kind, spellings)")
        )
        return None
    name = _text(item.get("name"))
    if name is None:
        problems.append(Problem(where, "missing name: the name pages show"))
        return None
    kind = item.get("kind")
    if kind not in KINDS:
        problems.append(Problem(where, f"{name}: kind {kind!r} is not one of: {', '.join(KINDS)}"))
        return None
    spellings = item.get("spellings") or []
    if isinstance(spellings, str):
        spellings = [spellings]
    if not isinstance(spellings, list) or not all(_text(s) for s in spellings):
        problems.append(Problem(where, f"{name}: spellings must be a list of names"))
        return None
    slug = item.get("id")
    if slug is None:
        slug = slugify(name)
        if not slug:
            problems.append(
                Problem(where, f"{name}: add id: (Latin letters, digits and hyphens) for its link")
            )
            return None
    elif not isinstance(slug, str) or not _SLUG.fullmatch(slug):
        problems.append(
            Problem(where, f"{name}: id {slug!r} must be lower-case letters, digits and hyphens")
        )
        return None
    every = tuple(dict.fromkeys([name, *(s.strip() for s in spellings)]))
    return Entry(slug, name, kind, every)


def parse_register(text: str, name: str = REGISTER_FILE) -> tuple[Register, list[Problem]]:
    """Read a register file's text; entries that cannot be used become problems."""
    try:
        data = load_yaml(text)
    except DocumentError as error:
        return Register(), [Problem(name, str(error))]
    if data is None:
        return Register(), []
    if not isinstance(data, list):
        return Register(), [Problem(name, "the register is a YAML list of entries (- name: …)")]
    problems: list[Problem] = []
    entries: list[Entry] = []
    seen: dict[str, str] = {}
    for number, item in enumerate(data, start=1):
        entry = _entry(item, f"{name}: entry {number}", problems)
        if entry is None:
            continue
        if entry.slug in seen:
            problems.append(
                Problem(
                    f"{name}: entry {number}",
                    f"{entry.name}: id {entry.slug!r} is taken by {seen[entry.slug]}: add id:",
                )
            )
            continue
        seen[entry.slug] = entry.name
        entries.append(entry)
    return Register(entries), problems


def load_register(corpus_dir: Path) -> tuple[Register, list[Problem]]:
    """Read ``_names.yml`` from the corpus folder; no file means an empty register."""
    text, problems = read_corpus_file(corpus_dir, REGISTER_FILE)
    return parse_register(text) if text is not None else (Register(), problems)
