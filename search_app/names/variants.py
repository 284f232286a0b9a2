"""Name variants: spellings of one name that a search should treat as the same.

Researchers meet one person under five spellings (Raisi, Raeisi, Ra'isi, رئیسی). The corpus keeps a
plain text file, ``_variants.txt``, with one group of equivalent spellings per line, separated by
commas; ``#`` starts a comment; a line starting with ``!`` lists spellings that must *not* be
searched for each other even when their name keys agree (``! Hossein, Hassan``). A spelling may
be several words (``People's Mojahedin Organization of Iran``); it is then searched as a phrase.
The file is read when the index is built and kept with the index generation, so a result page
depends on the index alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from search_app.corpus.metadata import Problem
from search_app.corpus.scanning import read_corpus_file
from search_app.names.keys import same_name

VARIANTS_FILE = "_variants.txt"

Analyze = Callable[[str], list[str]]


@dataclass
class Variants:
    """Groups of equivalent spellings."""

    groups: list[tuple[str, ...]] = field(default_factory=list)
    #: groups of spellings that must not be searched for each other (lines starting with ``!``)
    apart: list[tuple[str, ...]] = field(default_factory=list)
    #: the line of the file each group comes from (not kept with the index)
    lines: list[int] = field(default_factory=list, compare=False)

    def lookup_table(self, analyze: Analyze) -> dict[str, tuple[str, ...]]:
        """Map the analyzed form of every spelling (words joined by a space) to its group."""
        table: dict[str, tuple[str, ...]] = {}
        for group in self.groups:
            for spelling in group:
                terms = analyze(spelling)
                if terms:
                    table.setdefault(" ".join(terms), group)
        return table

    def apart_pairs(self) -> frozenset[frozenset[str]]:
        """Every pair of spellings (lower-cased) that a ``!`` line keeps apart."""
        return frozenset(
            frozenset((a.lower(), b.lower()))
            for group in self.apart
            for a in group
            for b in group
            if a.lower() != b.lower()
        )


def parse_variants(text: str, name: str = VARIANTS_FILE) -> tuple[Variants, list[Problem]]:
    """Read a variants file's text; lines that are not a group become problems."""
    variants = Variants()
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        keep_apart = line.startswith("!")
        line = line.removeprefix("!")
        spellings = tuple(dict.fromkeys(s.strip() for s in line.split(",") if s.strip()))
        if len(spellings) < 2:
            problems.append(
                Problem(f"{name}:{number}", "a group needs two or more spellings, comma-separated")
            )
            continue
        if keep_apart:
            variants.apart.append(spellings)
        else:
            variants.groups.append(spellings)
            variants.lines.append(number)
    return variants, problems


def covered_by_keys(variants: Variants, name: str = VARIANTS_FILE) -> list[Problem]:
    """Name the groups whose spellings the name keys already join, every one with every other:
    the line adds nothing to what the index finds (it may stay, as documentation)."""
    notes = []
    for number, group in zip(variants.lines, variants.groups, strict=True):
        if all(same_name(a, b) for a, b in combinations(group, 2)):
            notes.append(Problem(f"{name}:{number}", "the name keys already join these spellings"))
    return notes


def load_variants(corpus_dir: Path) -> tuple[Variants, list[Problem]]:
    """Read ``_variants.txt`` from the corpus folder; no file means no variants."""
    text, problems = read_corpus_file(corpus_dir, VARIANTS_FILE)
    return parse_variants(text) if text is not None else (Variants(), problems)


def variants_from_manifest(
    groups: Iterable[Iterable[str]], apart: Iterable[Iterable[str]] = ()
) -> Variants:
    return Variants([tuple(group) for group in groups], [tuple(group) for group in apart])
