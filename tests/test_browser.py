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
    expect(page.locator(".summary")).to_contain_text("1 passage in 1 document match")
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
}


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_or_critical_accessibility_violations(
    live: Server, browser: Browser, name: str
) -> None:
    context = browser.new_context(bypass_csp=True)  # to inject axe-core itself
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
