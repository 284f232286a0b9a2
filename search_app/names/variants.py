"""Name variants: spellings of one name that a search should treat as the same.

Researchers meet one person under five spellings (Raisi, Raeisi, Ra'isi, رئیسی). The corpus keeps a
plain text file, ``_variants.txt``, with one group of equivalent spellings per line, separated by
commas; ``#`` starts a comment. A spelling may be several words (``People's Mojahedin
Organization of Iran``); it is then searched as a phrase. The file is read when the index is built
and kept with the index generation, so a result page depends on the index alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from search_app.corpus.loading import read_corpus_file
from search_app.corpus.metadata import Problem

VARIANTS_FILE = "_variants.txt"

Analyze = Callable[[str], list[str]]


@dataclass
class Variants:
    """Groups of equivalent spellings."""

    groups: list[tuple[str, ...]] = field(default_factory=list)

    def lookup_table(self, analyze: Analyze) -> dict[str, tuple[str, ...]]:
        """Map the analyzed form of every one-word spelling to its group."""
        table: dict[str, tuple[str, ...]] = {}
        for group in self.groups:
            for spelling in group:
                terms = analyze(spelling)
                if len(terms) == 1:
                    table.setdefault(terms[0], group)
        return table


def parse_variants(text: str, name: str = VARIANTS_FILE) -> tuple[Variants, list[Problem]]:
    """Read a variants file's text; lines that are not a group become problems."""
    variants = Variants()
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        spellings = tuple(dict.fromkeys(s.strip() for s in line.split(",") if s.strip()))
        if len(spellings) < 2:
            problems.append(
                Problem(f"{name}:{number}", "a group needs two or more spellings, comma-separated")
            )
            continue
        variants.groups.append(spellings)
    return variants, problems


def load_variants(corpus_dir: Path) -> tuple[Variants, list[Problem]]:
    """Read ``_variants.txt`` from the corpus folder; no file means no variants."""
    text, problems = read_corpus_file(corpus_dir, VARIANTS_FILE)
    return parse_variants(text) if text is not None else (Variants(), problems)


def variants_from_manifest(groups: Iterable[Iterable[str]]) -> Variants:
    return Variants([tuple(group) for group in groups])
