"""The search page in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.conftest import Server, start_server, stop_server, write_corpus

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
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
    for path in ("/", "/search?q=commission", "/doc/reports/commission?q=commission"):
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
