"""Terminal output that a terminal shows and never obeys.

Titles, passages and file names come from untrusted files: everything the CLI prints goes through
:func:`terminal_safe`, so a terminal never obeys an escape sequence hidden in them (a screen clear,
a window title, a clipboard write); what must be one line (a name, a problem) is :func:`one_line`.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path
from typing import Any

import click

from search_app.corpus.intake import Added, Skipped
from search_app.corpus.metadata import Problem
from search_app.corpus.rendering import BIDI_CONTROLS, CONTROL_CHARACTERS, strip_bidi_controls
from search_app.engine.indexing import IndexReport

_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: What a terminal would obey rather than show, but for the line breaks and tabs of the layout.
_OBEYED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: What a terminal may obey that JSON leaves raw (JSON escapes the C0 controls itself).
_JSON_RAW = re.compile(f"[\x7f-\x9f]|{BIDI_CONTROLS.pattern}")


def _visible(match: re.Match[str]) -> str:
    return _SHORT_ESCAPES.get(match.group()) or f"\\x{ord(match.group()):02x}"


def terminal_safe(text: str) -> str:
    """Show control characters as visible escapes (``\\x1b``) and drop bidi controls, as the web
    pages do; keep line breaks and tabs."""
    return _OBEYED.sub(_visible, strip_bidi_controls(text))


def one_line(text: str) -> str:
    """Like :func:`terminal_safe`, with line breaks shown as ``\\n``: for names and problems."""
    return CONTROL_CHARACTERS.sub(_visible, strip_bidi_controls(text))


def json_safe(text: str) -> str:
    """Escape, the JSON way, what a terminal would obey in JSON text: the data stays exact."""
    return _JSON_RAW.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def echo(message: str, err: bool = False) -> None:
    """Print ``message`` as :func:`terminal_safe` makes it."""
    click.echo(terminal_safe(message), err=err)


class CommandError(click.ClickException):
    """A command failed; its one-line message, terminal-safe, says what to do."""

    def format_message(self) -> str:
        return one_line(self.message)


def print_problems(problems: list[Problem]) -> None:
    """Print each problem on one line of standard error: the file, then the reason."""
    for problem in problems:
        echo(f"{one_line(problem.path)}: {one_line(problem.reason)}", err=True)


def summary_line(report: IndexReport) -> str:
    """Describe an index run in one line."""
    if report.full:
        head = f"Built index {report.generation}"
    elif report.wrote:
        head = f"Updated index {report.generation}"
    else:
        head = f"Index {report.generation} is up to date"
    problems = len(report.problems)
    skipped = f"; {problems} file{'' if problems == 1 else 's'} skipped" if problems else ""
    return (
        f"{head}: {report.documents} documents, {report.passages} passages "
        f"({report.added} added, {report.changed} changed, {report.removed} removed, "
        f"{report.unchanged} unchanged){skipped}"
    )


class TerminalProgress:
    """A progress bar on standard error for long runs on a terminal; silent otherwise."""

    def __init__(self, minimum: int = 20, label: str = "Reading files") -> None:
        self.minimum = minimum
        self.label = label
        self.bar: Any = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if total < self.minimum or not sys.stderr.isatty():
                return
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
        self.shown = 0


_MARK = re.compile(r"<mark[^>]*>(.*?)</mark>", re.S)


def highlight_text(highlight: str) -> str:
    """Turn a highlight into terminal-safe text with the marked words in bold (the only escape
    sequences printed; ``click.echo`` drops them off a terminal)."""
    out: list[str] = []
    position = 0
    for match in _MARK.finditer(highlight):
        out.append(terminal_safe(html.unescape(highlight[position : match.start()])))
        word = terminal_safe(html.unescape(match.group(1)))
        out.append(click.style(word, bold=True, underline=True))
        position = match.end()
    out.append(terminal_safe(html.unescape(highlight[position:])))
    return "".join(out)


def print_added(corpus_dir: Path, added: Added, attached: bool = False) -> None:
    """Say where a file went, its language (and how it was known), encoding and warnings."""
    details = [
        f"language {added.language}" + (" (told from the text)" if added.language_detected else "")
    ]
    if added.encoding and added.encoding != "utf-8":
        details.append(f"read as {added.encoding}")
    head = "  attachment" if attached else "Added"
    echo(
        one_line(f"{head} {corpus_dir / added.relative_path} as {added.doc_id!r}: ")
        + "; ".join(details)
    )
    for warning in added.warnings:
        echo(f"warning: {one_line(added.relative_path)}: {one_line(warning)}", err=True)
    for attachment in added.attachments:
        print_added(corpus_dir, attachment, attached=True)


def print_skipped(skipped: Skipped) -> None:
    """Say which file of a folder was not added, and why."""
    echo(f"skipped {one_line(skipped.path)}: {one_line(skipped.reason)}", err=True)
