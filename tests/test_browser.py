"""The search page in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.conftest import REPO, Server, start_server, stop_server, write_corpus

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = REPO / "node_modules/axe-core/axe.min.js"
SCREENSHOTS = REPO / "test-artifacts/screenshots"
# Chromium's background services try the network at start; this machine has none to offer.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("browser")
    corpus = write_corpus(root / "corpus")
    (corpus / "fa.md").write_text(
        "---\ntitle: گزارش اعدام‌ها\nsource: کانون\nlanguage: fa\n---\n"
        "ابراهیم رئیسی عضو هیئت مرگ بود (Death Commission) و خانواده‌ها بی‌خبر ماندند.\n",
        encoding="utf-8",
    )
    (corpus / "_names.yml").write_text(
        "- name: Death Commission\n  kind: organisation\n  spellings: [هیئت مرگ]\n"
        "- name: Ebrahim Raisi\n  kind: person\n  spellings: [ابراهیم رئیسی]\n"
        "- name: Tehran\n  kind: place\n",
        encoding="utf-8",
    )
    entries = "\n\n".join(f"Ledger entry {n} of the archive." for n in range(1, 451))
    (corpus / "ledger.md").write_text(f"---\ntitle: Ledger\nsource: Archive\n---\n\n{entries}\n")
    running = start_server(corpus, root / "index")
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    errors: list[str] = []
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: errors.append(str(e)))
    yield opened
    context.close()
    assert errors == []  # no script errors, no CSP violations


def test_search_from_home_then_open_the_passage(live: Server, page: Page) -> None:
    page.goto(live.url + "/")
    page.get_by_label("Search the corpus").fill("families buried")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=families+buried")
    expect(page.locator(".summary")).to_contain_text("1 passage in 1 document matches families")
    result = page.locator("li.result").first
    expect(result.locator("mark")).to_have_text(["Families", "buried"])
    expect(result.locator(".source")).to_have_text("Test Rights Watch")

    result.get_by_role("link", name="Open passage 2 in the document").click()
    page.wait_for_url("**/doc/reports/commission?q=families+buried#p-2")
    target = page.locator("section:target")
    expect(target).to_have_attribute("id", "p-2")
    expect(target.locator("mark")).to_have_text(["Families", "buried"])
    expect(target).to_be_in_viewport()

    page.go_back()
    page.wait_for_url("**/search?q=families+buried")
    expect(page.locator("li.result")).to_have_count(1)


def test_permalink_of_page_two_reloads_the_same_page(live: Server, browser: Browser) -> None:
    url = live.url + "/search?q=commission&page=2"
    texts = []
    for _ in range(2):  # two separate browser contexts: like pasting the link elsewhere
        context = browser.new_context()
        tab = context.new_page()
        tab.goto(url)
        texts.append(tab.locator("main").inner_text())
        context.close()
    assert texts[0] == texts[1]
    assert "page 2 of 3" in texts[0]


def test_phone_viewport_has_no_horizontal_scroll(live: Server, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    tab = context.new_page()
    for path in (
        "/",
        "/search?q=commission",
        "/doc/reports/commission?q=commission",
        "/entity/death-commission",
        "/entities",
        "/batch?names=commission%0AA+very+long+name+that+finds+nothing+at+all+anywhere%0A*x",
    ):
        tab.goto(live.url + path)
        overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
    context.close()


def test_inline_scripts_are_refused_by_the_content_security_policy(
    live: Server, browser: Browser
) -> None:
    context = browser.new_context()
    tab = context.new_page()
    messages: list[ConsoleMessage] = []
    tab.on("console", lambda message: messages.append(message))
    tab.goto(live.url + "/")
    tab.evaluate(
        """() => {
            const script = document.createElement('script');
            script.textContent = 'window.injected = 1';
            document.head.appendChild(script);
        }"""
    )
    assert tab.evaluate("window.injected") is None
    assert any("Content Security Policy" in m.text for m in messages)
    context.close()


def test_persian_passages_read_right_to_left_with_highlights(live: Server, page: Page) -> None:
    page.goto(live.url + "/search?q=رئیسی")
    passage = page.locator("blockquote.passage").first
    assert passage.evaluate("e => getComputedStyle(e).direction") == "rtl"
    expect(passage.locator("mark")).to_have_text(["رئیسی"])
    assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
    # the English words inside the Persian line keep their order
    expect(passage).to_contain_text("(Death Commission)")
    page.get_by_role("link", name="Open passage 1 in the document").click()
    article = page.locator("article.document")
    assert article.evaluate("e => getComputedStyle(e).direction") == "rtl"
    expect(page.locator("section:target mark")).to_have_text(["رئیسی"])


# --- accessibility, keyboard, design ---------------------------------------------------------

PAGES = {
    "home": "/",
    "results": "/search?q=commission",
    "document": "/doc/reports/commission?q=commission",
    "empty": "/search?q=zebra",
    "error": "/search?q=*wild",
    "persian": "/search?q=رئیسی",
    "names": "/entities",
    "entity": "/entity/death-commission",
    "spread": "/search?q=questioned+families&within=document",
    "batch": "/batch?names=commission%0Azebra%0A*x",
    "persian-document": "/doc/fa",
    "spellings": "/spellings?word=Raisi",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_accessibility_violations(
    live: Server, browser: Browser, name: str, scheme: str
) -> None:
    # bypass_csp: to inject axe-core itself
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)
    tab = context.new_page()
    tab.goto(live.url + PAGES[name])
    tab.evaluate(AXE.read_text(encoding="utf-8"))
    assert tab.evaluate("axe.version") == "4.11.0"
    found = tab.evaluate("async () => (await axe.run()).violations")
    context.close()
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in found
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", ["results", "entity", "document"])
def test_contrast_holds_in_light_and_dark_mode(
    live: Server, browser: Browser, scheme: str, name: str
) -> None:
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)
    tab = context.new_page()
    tab.goto(live.url + PAGES[name])
    tab.evaluate(AXE.read_text(encoding="utf-8"))
    found = tab.evaluate("async () => (await axe.run({runOnly: ['color-contrast']})).violations")
    context.close()
    assert found == []


def test_keyboard_only_use(live: Server, page: Page) -> None:
    page.goto(live.url + "/")
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Skip to content")
    assert skip.evaluate("e => getComputedStyle(e).position") == "absolute"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("id", "q")
    # the focus is visible
    assert page.locator("#q").evaluate("e => getComputedStyle(e).outlineStyle") != "none"
    page.keyboard.type("families")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=families")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("/")  # "/" jumps to the search box
    expect(page.locator(":focus")).to_have_attribute("id", "q")


def test_pagination_and_facet_links(live: Server, page: Page) -> None:
    page.goto(live.url + "/search?q=commission")
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url("**/search?q=commission&page=2")
    expect(page.locator(".pagination [aria-current=page]")).to_have_text("2")
    page.go_back()
    page.wait_for_url("**/search?q=commission")
    page.locator("aside.facets").get_by_role("link", name="Example Daily").click()
    page.wait_for_url("**/search?q=commission&source=Example+Daily")
    expect(page.locator("li.result")).to_have_count(1)
    page.get_by_role("link", name="Remove filter source: Example Daily").click()
    page.wait_for_url("**/search?q=commission")


def test_name_facets_filter_and_lead_to_the_name_page(live: Server, page: Page) -> None:
    page.goto(live.url + "/search?q=commission")
    facets = page.locator("aside.facets")
    expect(facets.get_by_role("heading", name="Organisations")).to_be_visible()
    facets.get_by_role("link", name="Death Commission", exact=True).click()
    page.wait_for_url("**/search?q=commission&entity=death-commission")
    expect(page.get_by_role("link", name="Remove filter name: Death Commission")).to_be_visible()
    page.get_by_role("link", name="Remove filter name: Death Commission").click()
    page.wait_for_url("**/search?q=commission")
    page.get_by_role("link", name="About Death Commission").click()
    page.wait_for_url("**/entity/death-commission")
    expect(page.locator("h1")).to_contain_text("Death Commission")
    expect(page.locator("svg.chart rect.bar")).to_have_count(1)  # 2019; the rest undated
    expect(page.locator("table.counts caption")).to_contain_text("(2 more in undated documents)")
    page.get_by_role("link", name="newest").click()
    page.wait_for_url("**/entity/death-commission?sort=newest#passages")
    first = page.locator("li.result").first
    expect(first.locator("time")).to_have_text("2019-06-01")


def test_a_name_in_a_document_is_a_keyboard_reachable_link(live: Server, page: Page) -> None:
    page.goto(live.url + "/doc/fa")
    name = page.locator("a.name", has_text="ابراهیم رئیسی")
    expect(name).to_have_attribute("href", "/entity/ebrahim-raisi")
    name.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/entity/ebrahim-raisi")


def test_words_spread_over_a_document(live: Server, page: Page) -> None:
    page.goto(live.url + "/search?q=questioned+families")
    expect(page.locator(".summary")).to_contain_text("No passage matches")
    page.get_by_role("link", name="Find documents that have all of these anywhere").click()
    page.wait_for_url("**/search?q=questioned+families&within=document")
    expect(page.locator(".summary")).to_contain_text("1 document has all of")
    expect(page.locator("li.result")).to_have_count(2)  # its best passage for each word


def test_copy_citation_button(live: Server, browser: Browser) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    tab.goto(live.url + "/search?q=families")
    tab.locator("details.cite summary").click()
    tab.get_by_role("button", name="Copy this citation").click()
    expect(tab.get_by_role("button", name="Copy this citation")).to_have_text("Copied")
    copied = tab.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("Test Rights Watch, “The Death Commission in Tehran”, 2019-06-01")
    context.close()


def test_an_old_passage_link_lands_on_its_passage_in_a_long_document(
    live: Server, page: Page
) -> None:
    # links pasted before documents came in parts have no part: the script moves to it
    page.goto(live.url + "/doc/ledger?q=entry#p-450")
    page.wait_for_url("**/doc/ledger?q=entry&part=3#p-450")
    expect(page.locator("#p-450")).to_be_in_viewport()
    expect(page.locator("#p-450 mark")).to_have_text(["entry"])
    page.goto(live.url + "/doc/ledger#p-201")
    page.wait_for_url("**/doc/ledger?part=2#p-201")
    expect(page.locator("#p-201")).to_be_in_viewport()


def test_everything_works_without_javascript(live: Server, browser: Browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(live.url + "/")
    tab.get_by_label("Search the corpus").fill("families")
    tab.keyboard.press("Enter")
    tab.wait_for_url("**/search?q=families")
    expect(tab.locator("li.result mark")).to_have_text(["Families"])
    context.close()


def test_a_results_page_weighs_under_60_kb(live: Server, page: Page) -> None:
    sizes: dict[str, int] = {}
    page.on("response", lambda r: sizes.__setitem__(r.url, len(r.body())))
    page.goto(live.url + "/search?q=commission")
    page.wait_for_load_state("networkidle")
    assert sum(sizes.values()) < 60_000, sizes
    assert all(url.startswith(live.url) for url in sizes)  # no CDN, no external font


@pytest.mark.parametrize(("device", "viewport"), [("desktop", (1280, 900)), ("phone", (375, 800))])
def test_screenshots_of_the_main_pages(
    live: Server, browser: Browser, device: str, viewport: tuple[int, int]
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    tab = context.new_page()
    for name, path in PAGES.items():
        tab.goto(live.url + path)
        target = SCREENSHOTS / f"{name}-{device}.png"
        tab.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 1000
    context.close()


# --- rough edges a new user hit -------------------------------------------------------------


def test_batch_search_is_linked_from_the_header_of_every_page(
    live: Server, browser: Browser
) -> None:
    context = browser.new_context()  # the error page's 400 is logged: not the page fixture
    page = context.new_page()
    for path in PAGES.values():
        page.goto(live.url + path)
        link = page.locator("header.site").get_by_role("link", name="Batch search: a list of names")
        expect(link).to_have_attribute("href", "/batch")
    link.click()
    page.wait_for_url("**/batch")
    expect(page.locator("h1")).to_have_text("Batch search: a list of names")
    context.close()


def test_typing_persian_turns_the_boxes_right_to_left(live: Server, page: Page) -> None:
    page.goto(live.url + "/doc/reports/commission")
    for box in ("#q", "#within"):
        assert page.locator(box).evaluate("e => e.matches(':dir(ltr)')")
        page.locator(box).fill("رئیسی")
        assert page.locator(box).evaluate("e => e.matches(':dir(rtl)')"), box
    page.goto(live.url + "/batch")
    page.locator("#names").fill("ابراهیم رئیسی")
    assert page.locator("#names").evaluate("e => e.matches(':dir(rtl)')")


def test_a_persian_title_in_the_home_list_keeps_the_line_in_order(live: Server, page: Page) -> None:
    page.goto(live.url + "/")
    item = page.locator("ul.documents li").filter(has_text="گزارش اعدام‌ها")
    title = item.locator("a bdi[lang=fa]")
    expect(title).to_have_text("گزارش اعدام‌ها")
    meta = item.locator(".meta")
    expect(meta).to_have_text("کانون · n.d. · 1 passage")
    # the title comes first on the line, then the source and the rest, left to right
    assert title.bounding_box()["x"] + title.bounding_box()["width"] <= meta.bounding_box()["x"]


def test_searching_within_a_document(live: Server, page: Page) -> None:
    page.goto(live.url + "/doc/reports/commission")
    page.get_by_label("Search within this document").fill("commission")
    page.get_by_role("button", name="Search this document").click()
    page.wait_for_url("**/search?q=commission&doc=reports/commission")
    expect(page.locator(".summary")).to_contain_text("2 passages in 1 document match commission")
    expect(page.locator("li.result .source")).to_have_text(["Test Rights Watch"] * 2)
    expect(
        page.get_by_role("link", name="Remove filter document: reports/commission")
    ).to_be_visible()


def test_an_error_page_keeps_what_was_typed(live: Server, browser: Browser) -> None:
    context = browser.new_context()  # the 400 is logged in the console: not the page fixture
    page = context.new_page()
    page.goto(live.url + "/")
    page.get_by_label("Search the corpus").fill("families OR OR Montazeri")
    page.keyboard.press("Enter")
    expect(page.locator(".error h1")).to_have_text("That search cannot be run")
    expect(page.locator(".error")).to_contain_text("OR is missing a word after it")
    expect(page.get_by_label("Search the corpus")).to_have_value("families OR OR Montazeri")
    page.get_by_label("Search the corpus").fill("families OR Montazeri")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=families+OR+Montazeri")
    expect(page.locator(".summary")).to_contain_text("1 passage in 1 document matches")
    context.close()


def test_filters_are_a_disclosure_above_the_results_on_a_phone(
    live: Server, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800}, java_script_enabled=False)
    tab = context.new_page()
    tab.goto(live.url + "/search?q=commission")
    toggle = tab.locator("details.filters-box > summary")
    expect(toggle).to_have_text("Filters")
    facet = tab.locator("aside.facets").get_by_role("link", name="Example Daily")
    expect(facet).to_be_hidden()
    assert toggle.bounding_box()["y"] < tab.locator("ol.results").bounding_box()["y"]
    toggle.click()
    expect(facet).to_be_visible()
    assert facet.bounding_box()["y"] < tab.locator("ol.results").bounding_box()["y"]
    facet.click()
    tab.wait_for_url("**/search?q=commission&source=Example+Daily")
    context.close()


def test_filters_sit_beside_the_results_on_a_wide_screen(live: Server, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.goto(live.url + "/search?q=commission")
    expect(tab.locator("details.filters-box > summary")).to_be_hidden()
    facet = tab.locator("aside.facets").get_by_role("link", name="Example Daily")
    expect(facet).to_be_visible()
    results = tab.locator("ol.results").bounding_box()
    assert facet.bounding_box()["x"] > results["x"] + results["width"]
    headings = tab.locator("aside.facets h2")
    expect(headings).to_have_text(["Source", "Source type", "Language", "Publication year",
                                   "People", "Organisations"])  # fmt: skip
    # the results come first in reading and tab order, the hundred facet links after them
    follows = tab.evaluate(
        "() => document.querySelector('ol.results')"
        ".compareDocumentPosition(document.querySelector('aside.facets'))"
    )
    assert follows & 4  # Node.DOCUMENT_POSITION_FOLLOWING
    context.close()


def test_the_batch_page_offers_the_corpus_sources_and_fits_a_phone(
    live: Server, browser: Browser
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    tab = context.new_page()
    tab.goto(live.url + "/batch")
    source = tab.get_by_label("Source")
    options = source.locator("option").all_inner_texts()
    assert options == [
        "any",
        "<b>Bold</b> source",
        "Archive",
        "Example Daily",
        "Field notes",
        "Test Rights Watch",
        "کانون",
    ]
    tab.get_by_label("One name or query per line").fill("commission\nbodies")
    source.select_option("Test Rights Watch")
    tab.get_by_role("button", name="Search every line").click()
    row = tab.locator("table.batch-summary tbody tr").first
    expect(row.locator("td[data-label=Name]")).to_have_text("commission")
    expect(row.locator("td[data-label=Passages]")).to_have_text("2")
    label = "e => getComputedStyle(e, '::before').content"
    assert row.locator("td[data-label=Passages]").evaluate(label) == '"Passages: "'
    overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    context.close()
