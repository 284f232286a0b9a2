"""The pages of the register of names: the list of entries, and a page per entry (and its JSON).

An entry's page answers "where does this name appear, in which sources, when, and next to
whom": counts by spelling, source and year (a chart drawn here as SVG, its numbers also in a
table), the passages that name it (paged, sortable by date), and the names most often beside it.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, jsonify, render_template, request, url_for

from search_app.engine.entities import EntityPage, entity_page, register_counts
from search_app.engine.results import SearchRequest
from search_app.engine.searching import search
from search_app.names.register import KINDS
from search_app.web.params import canonical_args, read_request, search_index, settings
from search_app.web.views import bp, page_citations

#: The chart's drawing area, in SVG user units.
CHART_WIDTH, CHART_HEIGHT = 600, 160
#: The chart has room for at least this many years.
MIN_SLOTS = 12


def _page_or_404(slug: str) -> EntityPage:
    page = entity_page(search_index(), slug)
    if page is None:
        abort(404, f"The register of names has no entry {slug!r}: see the list of names.")
    return page


def year_chart(by_year: list[tuple[int, int]]) -> dict[str, Any]:
    """Lay out a bar chart of passages by year: one bar per year from the first to the last."""
    if not by_year:
        return {"bars": [], "width": CHART_WIDTH, "height": CHART_HEIGHT}
    counts = dict(by_year)
    years = list(range(by_year[0][0], by_year[-1][0] + 1))
    most = max(counts.values())
    step = CHART_WIDTH / max(len(years), MIN_SLOTS)  # a year or two: narrow bars, not a wall
    bars = []
    for n, year in enumerate(years):
        count = counts.get(year, 0)
        height = round((CHART_HEIGHT - 20) * count / most, 1)
        bars.append(
            {
                "year": year,
                "count": count,
                "x": round(n * step + step * 0.1, 1),
                "y": round(CHART_HEIGHT - 20 - height, 1),
                "width": round(step * 0.8, 1),
                "height": height,
                "label": year if len(years) <= 12 or n % (len(years) // 12 + 1) == 0 else None,
            }
        )
    return {"bars": bars, "width": CHART_WIDTH, "height": CHART_HEIGHT}


def _listing(slug: str) -> tuple[SearchRequest, Any]:
    """The passages that name the entry: one page of them, in the order asked for."""
    asked = read_request(request.args)  # only its sort and page are used here
    req = SearchRequest(q="", entities=(slug,), sort=asked.sort, page=asked.page)
    result = search(search_index(), req, settings())
    if req.page > result.pages:
        abort(404, f"Page {req.page} is past the last page of passages ({result.pages}).")
    return req, result


@bp.get("/entities")
def entities_page() -> str:
    named = register_counts(search_index())
    by_kind = {kind: [n for n in named if n.entry.kind == kind] for kind in KINDS}
    return render_template("entities.html", by_kind=by_kind)


@bp.get("/entity/<slug>")
def entity_page_view(slug: str) -> str:
    page = _page_or_404(slug)
    req, result = _listing(slug)
    citations = page_citations(req, result)
    return render_template(
        "entity.html",
        page=page,
        chart=year_chart(page.by_year),
        req=req,
        result=result,
        args=canonical_args,
        citations=citations,
        page_size=settings().page_size,
    )


@bp.get("/api/entity/<slug>")
def api_entity(slug: str) -> Response:
    page = _page_or_404(slug)
    entry = page.entry
    return jsonify(
        id=entry.slug,
        name=entry.name,
        kind=entry.kind,
        spellings=list(entry.spellings),
        passages=page.passages,
        documents=page.documents,
        spellings_found=[{"spelling": s, "passages": n} for s, n in page.spellings],
        by_source=[{"source": s, "passages": n} for s, n in page.by_source],
        by_year=[{"year": y, "passages": n} for y, n in page.by_year],
        undated=page.undated,
        co_mentions=[
            {"id": n.entry.slug, "name": n.entry.name, "kind": n.entry.kind, "passages": n.count}
            for n in page.co_mentions
        ],
        link=url_for("search.entity_page_view", slug=slug, _external=True),
        search=url_for("search.search_page", entity=slug, _external=True),
    )
