"""A folder of e-mails copied into the corpus by hand: what reading their attachments costs.

The same generated messages twice, without and with one attachment each (a text report), are
indexed by the real command line (``search-app index``), alternately; then an update with nothing
changed (the corpus scan does not open the messages: it should cost the same either way).

    python bench/mail.py                  # 1,000 messages, two runs of each
    python bench/mail.py --count 200 --repeats 1
    python bench/mail.py --smoke          # 20 messages
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "search_app"]


def write_messages(folder: Path, count: int, attached: bool) -> None:
    """Write ``count`` messages (each with a report attached when ``attached``) into
    ``folder``."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (folder / "_defaults.yml").write_text("source: A family archive\n")
    for number in range(count):
        message = EmailMessage()
        message["Subject"] = f"Message {number}"
        message["From"] = "witness@example.org"
        message["Date"] = "Mon, 01 Aug 1988 10:00:00 +0000"
        message.set_content(f"Message {number} about the prison in the summer of 1988. " * 5)
        if attached:
            report = f"Report {number}: the names and the dates as we found them. " * 40
            message.add_attachment(
                report.encode(), maintype="text", subtype="plain", filename=f"report-{number}.txt"
            )
        (folder / f"mail-{number:04d}.eml").write_bytes(bytes(message))


def _index(corpus: Path, index: Path) -> tuple[float, int]:
    """Run ``search-app index``; return its time and the documents the index holds."""
    started = time.perf_counter()
    done = subprocess.run(
        [*COMMAND, "index", "--corpus", str(corpus), "--index", str(index)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    found = re.search(r"(\d+) documents", done.stdout)
    if found is None:
        raise RuntimeError(f"no summary line from search-app index: {done.stdout!r}")
    return seconds, int(found.group(1))


def measure(count: int, repeats: int, workdir: Path) -> list[dict[str, float | int | bool]]:
    """Build and update the index of ``count`` messages, without and with attachments."""
    times: dict[bool, dict[str, list[float]]] = {
        attached: {"build s": [], "no-change update s": []} for attached in (False, True)
    }
    documents: dict[bool, int] = {}
    for _ in range(repeats):
        for attached in (False, True):
            corpus, index = workdir / "corpus", workdir / "index"
            write_messages(corpus, count, attached)
            shutil.rmtree(index, ignore_errors=True)
            seconds, documents[attached] = _index(corpus, index)
            times[attached]["build s"].append(seconds)
            times[attached]["no-change update s"].append(_index(corpus, index)[0])
    return [
        {
            "messages": count,
            "attachments": attached,
            "documents": documents[attached],
            **{name: round(statistics.median(runs), 2) for name, runs in measured.items()},
        }
        for attached, measured in times.items()
    ]


def main(argv: list[str] | None = None) -> list[dict[str, float | int | bool]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="messages")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each kind")
    parser.add_argument("--smoke", action="store_true", help="20 messages, one run")
    args = parser.parse_args(argv)
    count, repeats = (20, 1) if args.smoke else (args.count, args.repeats)
    with tempfile.TemporaryDirectory(prefix="mail-bench-") as scratch:
        rows = measure(count, repeats, Path(scratch))
    for row in rows:
        print(json.dumps(row))
    return rows


if __name__ == "__main__":
    main()
