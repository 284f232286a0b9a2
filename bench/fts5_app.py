"""The light-weight alternative a user would otherwise pick: a Flask page over SQLite FTS5.

It serves the same searches as the product's ``/search`` (``q``, ``source``) with a page of 10
highlighted passages and source facet counts, from a table built out of the same corpus passages.
Used only by ``bench/scale.py``, side by side with the product.

    python bench/fts5_app.py DATABASE PORT
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from pathlib import Path

from flask import Flask, render_template_string, request

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ q }}</title></head>
<body><form action="/search"><input name="q" value="{{ q }}"></form>
<p>{{ total }} passages</p>
<ol>{% for row in rows %}<li><blockquote>{{ row[2]|safe }}</blockquote>
<p>{{ row[0] }} · {{ row[1] }}</p></li>{% endfor %}</ol>
<ul>{% for source, count in facets %}<li>{{ source }} {{ count }}</li>{% endfor %}</ul>
</body></html>"""


def build(database: Path, passages: list[tuple[str, str, str]]) -> None:
    """Create the FTS5 table from (source, title, text) passages."""
    with sqlite3.connect(database) as db:
        db.execute("DROP TABLE IF EXISTS passages")
        db.execute(
            "CREATE VIRTUAL TABLE passages USING fts5(source UNINDEXED, title UNINDEXED, text, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        db.executemany("INSERT INTO passages VALUES (?, ?, ?)", passages)


def to_fts(q: str) -> str:
    """Our query syntax, as FTS5 writes it: words, OR, "phrases" and prefix* carry over."""
    return q


def create_app(database: Path) -> Flask:
    app = Flask(__name__)
    local = threading.local()

    def connection() -> sqlite3.Connection:
        if not hasattr(local, "db"):
            local.db = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        return local.db

    @app.get("/search")
    def search() -> str:
        q = request.args.get("q", "")
        source = request.args.get("source")
        where = "passages MATCH ?" + (" AND source = ?" if source else "")
        args = [to_fts(q)] + ([source] if source else [])
        db = connection()
        rows = db.execute(
            "SELECT source, title, highlight(passages, 2, '<mark>', '</mark>') FROM passages "
            f"WHERE {where} ORDER BY rank LIMIT 10",
            args,
        ).fetchall()
        facets = db.execute(
            f"SELECT source, count(*) FROM passages WHERE {where} GROUP BY source "
            "ORDER BY count(*) DESC",
            args,
        ).fetchall()
        total = sum(count for _source, count in facets)
        return render_template_string(PAGE, q=q, rows=rows, facets=facets, total=total)

    return app


if __name__ == "__main__":
    import waitress

    waitress.serve(
        create_app(Path(sys.argv[1])), host="127.0.0.1", port=int(sys.argv[2]), threads=8
    )
