"""The built book in a real browser (Playwright driving Debian's headless chromium, `make browser-deps`).

One browser, one context, one loopback HTTP server for the whole module. Every page of ``_build/html`` is opened,
the Turkish book's (``_build/html/tr``) included: no console error, no uncaught exception, no request to any host
but the loopback server. Then the search page must find a case (the Turkish one a Turkish word of a case), the
worked examples must show their figures, a saved ipywidget must render in the static page, and the language switch
must lead to the same page in the other language and back.
FAILS (never skips) when the site or chromium is missing: ``make test`` provides both.
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import os
import re
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(os.environ.get("BOOK_DIR", Path(__file__).resolve().parents[1]))
HTML = ROOT / "_build" / "html"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    # other hosts do not even resolve: a request to one is recorded (and fails) instead of leaving the machine
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("book-browser")]


@pytest.fixture(scope="module")
def site():
    """(base URL, browser context, log) with every request and console error recorded in ``log``."""
    assert (HTML / "index.html").is_file(), (
        f"the book is not built ({HTML}/index.html missing): run `make book`"
    )
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} missing: run `make browser-deps` (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with socket.socket() as probe:  # a free loopback port for a separate server process (a thread inside an
        probe.bind(("127.0.0.1", 0))  # xdist worker stalled the pages)
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(HTML)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2):
            break
        time.sleep(0.1)
    log: dict[str, list] = {"foreign": [], "errors": []}

    def record(request):  # passive (no interception round-trip): every request the pages make
        if urlsplit(request.url).netloc != urlsplit(base).netloc and not request.url.startswith(
            ("data:", "blob:", "file:")
        ):
            log["foreign"].append(request.url)

    # a stuck browser must fail the run, not hang it: dump the stacks and exit after 7 minutes. pytest captures
    # fd 2, so the stacks go to a file beside the build, named here for whoever reads the failed run.
    watchdog_log = (HTML.parent / "book-browser-watchdog.txt").open("w")
    print(f"(watchdog: stacks of a hung run go to {watchdog_log.name})", file=sys.stderr)
    faulthandler.dump_traceback_later(600, exit=True, file=watchdog_log)  # both books' pages
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context()
        context.set_default_timeout(30_000)
        context.on("request", record)
        try:
            yield base, context, log
        finally:
            context.close()
            browser.close()
            server.terminate()
            server.wait(timeout=10)
            faulthandler.cancel_dump_traceback_later()
            watchdog_log.close()


@contextlib.contextmanager
def _open(context, log, url, wait_for: str | None = None):
    """A page at ``url`` (closed afterwards, also when the test fails: a page left open stalls the next test)."""
    page = context.new_page()
    try:
        page.on("console", lambda msg: msg.type == "error" and log["errors"].append((url, msg.text)))
        page.on("pageerror", lambda exc: log["errors"].append((url, str(exc))))
        page.on("requestfailed", lambda req: log["errors"].append((url, f"failed: {req.url}")))
        # a redirect page (the root index.html) is known from its file, not its DOM: by the time the DOM is asked,
        # the redirect may be under way and the answer empty. Let it land: closing a page mid-redirect hangs
        # playwright.
        source = HTML / urlsplit(url).path.lstrip("/")
        redirect = source.is_file() and re.search(
            r"http-equiv=[\"']?refresh", source.read_text(encoding="utf-8", errors="replace"), re.I
        )
        page.goto(url, wait_until="load")
        if redirect:
            page.wait_for_url(lambda u: u != url)
            page.wait_for_load_state("load")
        if wait_for:
            page.wait_for_selector(wait_for, state="visible", timeout=20_000)
        yield page
    finally:
        page.close()


def _pages() -> list[str]:
    return sorted(
        p.relative_to(HTML).as_posix()
        for p in HTML.rglob("*.html")
        if not any(
            part.startswith("_") for part in p.relative_to(HTML).parts
        )  # _static/_sources hold no pages
    )


def test_every_page_opens_offline_without_errors(site):
    base, context, log = site
    pages = _pages()
    assert "index.html" in pages and len(pages) > 3
    for rel in pages:
        with _open(context, log, f"{base}/{rel}") as page:
            if page.locator(".math").count():  # let MathJax typeset (and load its fonts) before moving on
                page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
                page.evaluate("() => { MathJax.startup.promise.then(() => { window.__typeset = true; }); }")
                page.wait_for_function("() => window.__typeset === true", timeout=20_000)  # evaluate has none
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
    with _open(context, log, f"{base}/search.html?q={words[0]}", wait_for="#search-results ul li") as page:
        hrefs = page.eval_on_selector_all("#search-results ul li a", "els => els.map(e => e.href)")
    assert any("/cases/" in h for h in hrefs), f"searching {words[0]!r} found no case: {hrefs[:10]}"


def test_worked_examples_show_figures_and_a_widget_renders(site):
    base, context, log = site
    examples = sorted(HTML.glob("notebooks/*.html"))
    assert examples, "no worked example built"
    rendered = []
    for path in examples:
        rel = path.relative_to(HTML).as_posix()
        with _open(context, log, f"{base}/{rel}") as page:
            loaded = page.eval_on_selector_all(
                "article img", "els => els.filter(e => e.naturalWidth > 0).length"
            )
            assert loaded > 0, f"{rel}: no figure loaded"
            if "application/vnd.jupyter.widget-state+json" in path.read_text(encoding="utf-8"):
                page.wait_for_selector(".jupyter-widgets", state="visible", timeout=20_000)
                controls = page.locator(
                    ".widget-slider, .widget-dropdown, .widget-toggle-buttons, .widget-text"
                )
                rendered.append((rel, controls.count()))
    assert rendered, "no worked example carries widget state"
    assert all(n > 0 for _, n in rendered), f"widget state saved but no control rendered: {rendered}"
    assert not log["foreign"], f"requests to other hosts: {sorted(set(log['foreign']))[:10]}"


def _numeric_feedback(page, box, value: str, verdict: str) -> str:
    """Type ``value`` into a quiz's numeric box and return the text of the first ``verdict`` ("correct" or
    "incorrect") feedback once it shows."""
    box.fill(value)
    box.press("Enter")
    feedback = page.locator(f".Feedback.{verdict}").first
    feedback.wait_for(state="visible")
    return feedback.inner_text()


def test_quizzes_mark_answers_right_and_wrong_offline(site):
    """The self-check quiz of a worked example: a wrong answer is marked wrong with its explanation, a right one
    right, in the static page with nothing loaded from another host."""
    base, context, log = site
    with _open(context, log, f"{base}/notebooks/cluster-mapping.html", wait_for="input.Input-text") as page:
        box = page.locator("input.Input-text").first
        wrong_text = _numeric_feedback(page, box, "0.25", "incorrect")
        assert "inverse" in wrong_text
        right_text = _numeric_feedback(page, box, "4", "correct")
        assert "Right" in right_text
        page.locator("label.MCButton", has_text="size").first.click()
        page.wait_for_function(
            "() => [...document.querySelectorAll('.Feedback.incorrect')].some(e => e.innerText.includes('size ranks'))"
        )
        page.locator("label.MCButton", has_text="focus").first.click()
        page.wait_for_function(
            "() => [...document.querySelectorAll('.Feedback.correct')].some(e => e.innerText.includes('pooled') "
            "|| e.innerText.includes('repeat the LQ'))"
        )
        quiz = page.locator(".Quiz").first
        quiz.scroll_into_view_if_needed()
        page.screenshot(path=str(HTML.parent / "quiz-checked.png"), full_page=False)
    assert not log["foreign"], f"requests to other hosts: {sorted(set(log['foreign']))[:10]}"
    assert not log["errors"], f"console errors: {log['errors'][:10]}"


#: the worked examples' widget labels (their English, as the notebooks give them to ``gettext_``)
WIDGET_LABELS = (
    "Stage", "Local share", "Province", "LQ threshold", "Top share", "% of threshold", "Indicator", "Cluster",
    "Sector", "Shock (M EUR)",
)  # fmt: skip


def _turkish(message: str) -> str:
    """``message`` as the Turkish book shows it (clusterkit's catalogue, as the build's kernels read it)."""
    from clusterkit.i18n import gettext_, set_language

    set_language("tr")
    try:
        translated = gettext_(message)
    finally:
        set_language(None)
    assert translated != message, f"no Turkish for {message!r} in clusterkit's catalogues"
    return translated


def test_turkish_quiz_asks_and_answers_in_turkish_offline(site):
    """The Turkish twin of the quiz above: the question, the box's label and the choices in Turkish; a wrong and a
    right answer get their Turkish feedback; no English question is left."""
    base, context, log = site
    question = (
        "A region has 200 furniture jobs out of 10,000 jobs in all; the nation has 5,000 furniture jobs out of "
        "1,000,000. What is the region's location quotient in furniture?"
    )
    with _open(
        context, log, f"{base}/tr/notebooks/cluster-mapping.html", wait_for="input.Input-text"
    ) as page:
        quiz = page.locator(".Quiz").first
        assert _turkish(question) in quiz.inner_text() and question not in quiz.inner_text()
        assert _turkish("Type numeric answer here:") in quiz.locator("label.InpLabel").first.inner_text()
        box = page.locator("input.Input-text").first
        wrong_text = _numeric_feedback(page, box, "0.25", "incorrect")
        assert wrong_text.strip() == _turkish(
            "That is the inverse: the region's share goes on top, the nation's below."
        )
        right_text = _numeric_feedback(page, box, "4", "correct")
        assert right_text.strip() == _turkish(
            "Right: (200 / 10,000) / (5,000 / 1,000,000) = 0.02 / 0.005 = 4."
        )
        page.locator("label.MCButton", has_text=_turkish("size")).first.click()
        page.wait_for_function(
            "t => [...document.querySelectorAll('.Feedback.incorrect')].some(e => e.innerText.includes(t))",
            arg=_turkish("No: size ranks regions within one sector."),
        )
        page.locator("label.MCButton", has_text=_turkish("focus")).first.click()
        page.wait_for_function(
            "t => [...document.querySelectorAll('.Feedback.correct')].some(e => e.innerText.includes(t))",
            arg=_turkish("Right: ranked within one sector the share of regional jobs would repeat the LQ."),
        )
        quiz.scroll_into_view_if_needed()
        page.screenshot(path=str(HTML.parent / "quiz-checked-tr.png"), full_page=False)
    with _open(context, log, f"{base}/tr/notebooks/value-chains.html", wait_for=".jupyter-widgets") as page:
        labels = page.eval_on_selector_all(
            ".jupyter-widgets .widget-label", "els => els.map(e => e.innerText)"
        )
        assert _turkish("Stage") in labels and _turkish("Local share") in labels, labels
        text = (
            page.evaluate(  # what the cells show (a printed line, the widget's saved output), not their code
                "() => { const a = document.querySelector('article').cloneNode(true);"
                " a.querySelectorAll('.cell_input').forEach(e => e.remove()); return a.textContent; }"
            )
        )
        for sentence in (
            "value added along the chain: {va:,.1f} million EUR",
            "captured value: {new:,.1f} million EUR (baseline {baseline:,.1f}; change {change:+,.1f})",
        ):
            assert _turkish(sentence).split("{")[0] in text and sentence.split("{")[0] not in text, sentence
        widget = page.locator(".jupyter-widgets .widget-dropdown").first
        widget.scroll_into_view_if_needed()
        page.screenshot(path=str(HTML.parent / "widget-tr.png"), full_page=False)
    # every widget label of the worked examples is Turkish in the Turkish book, and fits its box (ipywidgets cuts
    # a longer one short with an ellipsis)
    wanted = {_turkish(label) for label in WIDGET_LABELS}
    shown: dict[str, bool] = {}
    for path in sorted((HTML / "tr" / "notebooks").glob("*.html")):
        if "application/vnd.jupyter.widget-state+json" not in path.read_text(encoding="utf-8"):
            continue
        rel = path.relative_to(HTML).as_posix()
        with _open(context, log, f"{base}/{rel}", wait_for=".jupyter-widgets .widget-label") as page:
            for text, fits in page.eval_on_selector_all(
                ".jupyter-widgets .widget-label",
                "els => els.map(e => [e.innerText, e.scrollWidth <= e.clientWidth])",
            ):
                shown[text] = fits
    assert wanted <= set(shown), f"Turkish widget labels not shown: {sorted(wanted - set(shown))}"
    assert all(shown[label] for label in wanted), f"cut short: {[t for t in wanted if not shown[t]]}"
    assert not log["foreign"], f"requests to other hosts: {sorted(set(log['foreign']))[:10]}"
    assert not log["errors"], f"console errors: {log['errors'][:10]}"


def test_widget_pages_say_plainly_where_the_controls_respond(site):
    """A static widget cannot respond without a kernel: each page with one says so next to it and offers the
    notebook (download button) and the way to JupyterLab."""
    base, context, log = site
    pages = [
        p.relative_to(HTML).as_posix()
        for p in sorted(HTML.glob("notebooks/*.html"))
        if "application/vnd.jupyter.widget-state+json" in p.read_text(encoding="utf-8")
    ]
    assert pages, "no worked example carries widget state"
    for rel in pages:
        with _open(context, log, f"{base}/{rel}", wait_for=".jupyter-widgets") as page:
            note = page.locator(
                ".admonition.note", has_text="respond only when this notebook runs in JupyterLab"
            )
            assert note.count() >= 1, f"{rel}: no note saying where the controls respond"
            assert note.first.is_visible()
            assert page.locator("a[href*='how-to-use']").count() >= 1, f"{rel}: no way to JupyterLab offered"
            downloads = page.locator(".dropdown-download-buttons a, a[href$='.ipynb']")
            assert downloads.count() >= 1, f"{rel}: no download of the notebook"


def test_search_snippets_show_no_raw_latex(site):
    """Snippets under search results replace formulas by "[formula]" instead of showing their LaTeX source."""
    base, context, log = site
    # in the input-output chapter "agency" first appears right after the formulas of the multipliers (Sphinx's
    # snippet starts 120 characters before a page's first match of the stemmed term)
    with _open(context, log, f"{base}/search.html?q=agency", wait_for="#search-results ul li p") as page:
        # results fill in one by one (each page is fetched for its snippet): wait for the chapter's own snippet
        page.wait_for_function(
            "() => [...document.querySelectorAll('#search-results ul li')].some(li => li.querySelector('a')"
            " && li.querySelector('a').href.includes('methods/input-output') && li.querySelector('p.context'))",
            timeout=40_000,
        )
        snippets = page.eval_on_selector_all(
            "#search-results ul li p.context", "els => els.map(e => e.innerText)"
        )
        chapter = page.eval_on_selector_all(
            "#search-results ul li",
            "els => els.filter(li => li.querySelector('a').href.includes('methods/input-output'))"
            ".map(li => li.querySelector('p.context') ? li.querySelector('p.context').innerText : '')",
        )
    assert snippets, "no search snippet"
    raw = [s for s in snippets if re.search(r"\\\(|\\\[|\\frac|_\{", s)]
    assert not raw, f"raw LaTeX in search snippets: {raw[:3]}"
    assert any("[formula]" in s for s in chapter), f"the formula before 'agency' was not replaced: {chapter}"


def test_exercise_pages_offer_the_notebook_and_a_course_pack_that_carries_the_case_data(site):
    """Each exercise page's download links work, and the course pack holds what a trainee's own Python needs."""
    base, context, log = site
    pages = sorted(HTML.glob("book/exercises/generated/*.html"))
    assert pages, "no exercise page built"
    for path in pages:
        name = path.stem
        rel = path.relative_to(HTML).as_posix()
        with _open(context, log, f"{base}/{rel}") as page:
            links = page.eval_on_selector_all("a.download", "els => els.map(e => e.href)")
            assert any(h.endswith(f"/{name}.ipynb") for h in links), f"{rel}: no notebook download: {links}"
            packs = [h for h in links if h.endswith(f"/{name}-course-pack.zip")]
            assert len(packs) == 1, f"{rel}: no course pack download: {links}"
            for href in links:
                assert page.request.get(href).status == 200, f"{rel}: broken download {href}"
            pack = zipfile.ZipFile(io.BytesIO(page.request.get(packs[0]).body()))
        members = {Path(m).name: m for m in pack.namelist()}
        assert f"{name}.ipynb" in members and "README.txt" in members, sorted(members)
        (wheel,) = [m for m in members if m.startswith("clusterkit-") and m.endswith(".whl")]
        inside = zipfile.ZipFile(io.BytesIO(pack.read(members[wheel]))).namelist()
        assert any(m.startswith("clusterkit/cases/") and m.endswith("/data/schema.json") for m in inside)
        assert not any("teaching-notes" in m or "solution" in m.lower() for m in inside), inside
    assert not log["foreign"], f"requests to other hosts: {sorted(set(log['foreign']))[:10]}"


# ---- the Turkish book (_build/html/tr) -----------------------------------------------------------------------------

SWITCHED = [
    "book/intro.html",
    "book/methods/value-chains.html",
    "notebooks/input-output.html",
    "cases/izmir-clean-energy/case.html",
    "book/terminology.html",
    "search.html",
]


def test_every_english_page_has_its_turkish_twin():
    english = {p for p in _pages() if not p.startswith("tr/")}
    turkish = {p.removeprefix("tr/") for p in _pages() if p.startswith("tr/")}
    assert turkish, f"the Turkish book is not built ({HTML}/tr): run `make book`"
    assert english == turkish, (
        f"only English: {sorted(english - turkish)}; only Turkish: {sorted(turkish - english)}"
    )


def test_language_switch_leads_to_the_same_page_and_back(site):
    base, context, log = site
    generated = sorted(HTML.glob("book/exercises/generated/*.html"))
    pages = SWITCHED + [p.relative_to(HTML).as_posix() for p in generated[:1]]
    for rel in pages:
        with _open(context, log, f"{base}/{rel}") as page:
            assert page.get_attribute("html", "lang") == "en", rel
            page.locator("a.language-switch").click()
            page.wait_for_url(f"{base}/tr/{rel}")
            assert page.get_attribute("html", "lang") == "tr", f"tr/{rel} is not the Turkish page"
            if rel == "book/terminology.html":
                page.screenshot(path=str(HTML.parent / "book-tr-terminology.png"), full_page=False)
                switch = page.locator("a.language-switch")
                switch.hover()
                page.screenshot(
                    path=str(HTML.parent / "book-tr-switch.png"), clip=_around(switch.bounding_box())
                )
            page.locator("a.language-switch").click()
            page.wait_for_url(f"{base}/{rel}")
            assert page.get_attribute("html", "lang") == "en", f"the switch of tr/{rel} did not lead back"
    # a copy of the site opened from the disk (file://): the relative links work there too
    with _open(context, log, (HTML / "book" / "glossary.html").as_uri()) as page:
        page.locator("a.language-switch").click()
        page.wait_for_url((HTML / "tr" / "book" / "glossary.html").as_uri())
    assert not log["foreign"], f"requests to other hosts: {sorted(set(log['foreign']))[:10]}"
    assert not log["errors"], f"console errors: {log['errors'][:10]}"


def _around(box: dict | None, margin: int = 60) -> dict:
    assert box, "the language switch is not visible"
    x, y = max(box["x"] - 4 * margin, 0), max(box["y"] - margin, 0)
    return {"x": x, "y": y, "width": box["width"] + 5 * margin, "height": box["height"] + 2 * margin}


def _article_words(path: Path) -> set[str]:
    from bs4 import BeautifulSoup

    article = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").select_one("article")
    return set(re.findall(r"\w+", article.get_text(" ").lower())) if article else set()


def _turkish_case_word(case: str) -> str:
    """A Turkish word of the translated text of case ``case`` that no other page of either book has."""
    from babel.messages.pofile import read_po

    with (ROOT / "locales" / "tr" / "LC_MESSAGES" / "cases" / case / "case.po").open("rb") as fh:
        messages = [m for m in read_po(fh) if m.id and m.string and not m.fuzzy]
    english = {w.lower() for m in messages for w in re.findall(r"\w+", m.id)}
    translated = {w.lower() for m in messages for w in re.findall(r"\w+", m.string)}
    own = _article_words(HTML / "tr" / "cases" / case / "case.html")
    elsewhere = set()
    for path in HTML.rglob("*.html"):
        if path != HTML / "tr" / "cases" / case / "case.html" and "_static" not in path.parts:
            elsewhere |= _article_words(path)
    candidates = sorted(
        (w for w in translated & own - english - elsewhere if 7 <= len(w) <= 20 and re.search("[çğışöü]", w)),
        key=lambda w: (-len(w), w),
    )
    assert candidates, (
        f"the {case} case has no Turkish word of its own in the Turkish book (is case.po translated?)"
    )
    return candidates[0]  # the longest: the least likely to be a stem of another page's word


def test_turkish_search_finds_a_turkish_word_of_a_case(site):
    base, context, log = site
    word = _turkish_case_word("izmir-clean-energy")
    with _open(context, log, f"{base}/tr/search.html?q={word}", wait_for="#search-results ul li") as page:
        hrefs = page.eval_on_selector_all("#search-results ul li a", "els => els.map(e => e.href)")
        page.screenshot(path=str(HTML.parent / "book-tr-search.png"), full_page=False)
    assert any(h.startswith(f"{base}/tr/cases/izmir-clean-energy/") for h in hrefs), (
        f"searching the Turkish book for {word!r} did not find the İzmir case: {hrefs[:10]}"
    )
    assert not log["errors"], f"console errors: {log['errors'][:10]}"
