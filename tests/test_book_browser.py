"""The built book in a real browser (Playwright driving Debian's headless chromium, `make browser-deps`).

One browser, one context, one loopback HTTP server for the whole module. Every page of ``_build/html`` is opened:
no console error, no uncaught exception, no request to any host but the loopback server. Then the search page must
find a case, the worked examples must show their figures, and a saved ipywidget must render in the static page.
FAILS (never skips) when the site or chromium is missing: ``make test`` provides both.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(os.environ.get("BOOK_DIR", Path(__file__).resolve().parents[1]))
HTML = ROOT / "_build" / "html"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("book-browser")]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture(scope="module")
def site():
    """(base URL, browser context, log) with every request and console error recorded in ``log``."""
    assert (HTML / "index.html").is_file(), (
        f"the book is not built ({HTML}/index.html missing): run `make book`"
    )
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} missing: run `make browser-deps` (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(HTML)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    log: dict[str, list] = {"foreign": [], "errors": []}

    def route(route_, request):
        if urlsplit(request.url).netloc == urlsplit(base).netloc or request.url.startswith(
            ("data:", "blob:")
        ):
            route_.continue_()
        else:
            log["foreign"].append(request.url)
            route_.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context()
        context.route("**/*", route)
        try:
            yield base, context, log
        finally:
            context.close()
            browser.close()
            server.shutdown()


def _open(context, log, url, wait_for: str | None = None):
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and log["errors"].append((url, msg.text)))
    page.on("pageerror", lambda exc: log["errors"].append((url, str(exc))))
    page.on("requestfailed", lambda req: log["errors"].append((url, f"failed: {req.url}")))
    page.goto(url, wait_until="load")
    if wait_for:
        page.wait_for_selector(wait_for, state="visible", timeout=20_000)
    return page


def _pages() -> list[str]:
    return sorted(
        p.relative_to(HTML).as_posix()
        for p in HTML.rglob("*.html")
        if not p.relative_to(HTML).parts[0].startswith("_")  # _static/_sources hold no pages
    )


def test_every_page_opens_offline_without_errors(site):
    base, context, log = site
    pages = _pages()
    assert "index.html" in pages and len(pages) > 3
    for rel in pages:
        page = _open(context, log, f"{base}/{rel}")
        if page.locator("mjx-container, .math").count():
            page.wait_for_function("() => !window.MathJax || (MathJax.startup && MathJax.startup.promise)")
            page.evaluate("() => window.MathJax && MathJax.startup.promise")
        page.close()
    assert not log["foreign"], f"requests to other hosts: {sorted(set(log['foreign']))[:10]}"
    assert not log["errors"], f"console errors: {log['errors'][:10]}"


def test_search_finds_a_case(site):
    base, context, log = site
    cases = sorted(HTML.glob("cases/*/case.html"))
    assert cases, "no case page built"
    title = re.search(r"<h1>(.*?)<", cases[0].read_text(encoding="utf-8"), re.DOTALL)
    assert title, f"{cases[0]} has no title"
    words = sorted(re.findall(r"[A-Za-z]{5,}", title.group(1)), key=len, reverse=True)
    assert words, f"no searchable word in the title {title.group(1)!r}"
    page = _open(context, log, f"{base}/search.html?q={words[0]}", wait_for="#search-results ul li")
    hrefs = page.eval_on_selector_all("#search-results ul li a", "els => els.map(e => e.href)")
    page.close()
    assert any("/cases/" in h for h in hrefs), f"searching {words[0]!r} found no case: {hrefs[:10]}"


def test_worked_examples_show_figures_and_a_widget_renders(site):
    base, context, log = site
    examples = sorted(HTML.glob("notebooks/*.html"))
    assert examples, "no worked example built"
    rendered = []
    for path in examples:
        rel = path.relative_to(HTML).as_posix()
        page = _open(context, log, f"{base}/{rel}", wait_for="img")
        loaded = page.eval_on_selector_all("article img", "els => els.filter(e => e.naturalWidth > 0).length")
        assert loaded > 0, f"{rel}: no figure loaded"
        if "application/vnd.jupyter.widget-state+json" in path.read_text(encoding="utf-8"):
            page.wait_for_selector(".jupyter-widgets", state="visible", timeout=20_000)
            controls = page.locator(".widget-slider, .widget-dropdown, .widget-toggle-buttons, .widget-text")
            rendered.append((rel, controls.count()))
        page.close()
    assert rendered, "no worked example carries widget state"
    assert all(n > 0 for _, n in rendered), f"widget state saved but no control rendered: {rendered}"
    assert not log["foreign"], f"requests to other hosts: {sorted(set(log['foreign']))[:10]}"
