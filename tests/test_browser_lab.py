"""Trainee and trainer experience in a real browser: JupyterLab + nbgrader driven by Playwright (headless chromium).

One ``jupyter lab`` (from the venv, loopback, token, isolated Jupyter dirs) and one browser serve the whole module.
The first test is the regression guard for the pinned versions: nbgrader's lab extension must not only be listed by
``jupyter labextension list`` but create its menu and commands in the page, widgets must render, and the page must
log no console errors. FAILS (never skips) when chromium is missing: ``make browser-deps`` installs it.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.lab_servers import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, LabServer, PageLog, loopback_only, start_lab

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("lab")]

COURSE_ID = "cluster-excellence"


def _code(src: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(textwrap.dedent(src).strip())


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> dict[str, Path]:
    """A trainee/trainer workspace: lab root, nbgrader course directory inside it, exchange outside it."""
    base = tmp_path_factory.mktemp("lab")
    root = base / "ws"
    course = root / "course"
    exchange = base / "exchange"
    for d in (root, course, exchange):
        d.mkdir(parents=True)
    config = textwrap.dedent(
        f"""
        c = get_config()  # noqa: F821
        c.CourseDirectory.root = {str(course)!r}
        c.CourseDirectory.course_id = {COURSE_ID!r}
        c.Exchange.root = {str(exchange)!r}
        """
    )
    (root / "nbgrader_config.py").write_text(config)
    (course / "nbgrader_config.py").write_text(config)
    nb = nbformat.v4.new_notebook(
        cells=[
            _code("import sys\nprint('prefix=' + sys.prefix)"),
            _code(
                "import ipywidgets as widgets\nwidgets.IntSlider(value=7, min=0, max=10, description='Firms')"
            ),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
        },
    )
    nbformat.write(nb, root / "kernel-check.ipynb")
    return {"base": base, "root": root, "course": course, "exchange": exchange}


@pytest.fixture(scope="module")
def lab(workspace) -> LabServer:
    server = start_lab(workspace["base"], workspace["root"])
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).is_file(), f"{CHROMIUM} missing: run `make browser-deps` (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def ctx(browser, lab):
    """A fresh browser context (and its error log) per test; asserts the test left no page errors behind."""
    log = PageLog()
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    loopback_only(context, lab.base, log)
    context.on("page", log.watch)
    try:
        yield context, log
    finally:
        context.close()
    assert not log.foreign, f"requests left the loopback server: {log.foreign}"
    assert not log.errors, "console errors in the page:\n" + "\n".join(log.errors)


def open_lab(context, lab: LabServer, path: str = "lab"):
    page = context.new_page()
    page.goto(lab.url(path))
    page.wait_for_selector("#jp-main-dock-panel", state="visible")
    page.wait_for_selector("#jp-main-statusbar", state="visible")
    return page


def menu(page, top: str, item: str) -> None:
    """Click ``top`` in the main menu bar, then its entry labelled exactly ``item``."""
    page.locator(".lm-MenuBar-itemLabel").get_by_text(top, exact=True).click()
    page.locator(".lm-Menu:visible .lm-Menu-itemLabel").get_by_text(item, exact=True).click()


def menu_items(page, menu: str) -> list[str]:
    page.locator(".lm-MenuBar-itemLabel").get_by_text(menu, exact=True).click()
    items = page.locator(".lm-Menu:visible .lm-Menu-itemLabel")
    items.first.wait_for()
    labels = [t.strip() for t in items.all_inner_texts()]
    page.keyboard.press("Escape")
    return labels


def palette_finds(page, query: str, label: str) -> bool:
    page.keyboard.press("Control+Shift+C")
    box = page.locator(".lm-CommandPalette-input:visible")
    box.fill(query)
    item = page.locator(".lm-CommandPalette-item:visible", has_text=label)
    try:
        item.first.wait_for(timeout=5_000)
        return True
    except PlaywrightTimeout:
        return False
    finally:
        page.keyboard.press("Escape")


def test_nbgrader_extensions_load_in_the_page(ctx, lab):
    context, log = ctx
    page = open_lab(context, lab)
    page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").wait_for()
    labels = menu_items(page, "Nbgrader")
    assert {"Assignment List", "Course List", "Formgrader"} <= set(labels), labels
    # The same commands through the command palette (registered commands, not only menu entries).
    for query, label in [("formgrader", "Formgrader"), ("assignment list", "Assignment List")]:
        assert palette_finds(page, query, label), f"command palette has no {label!r} command"


def test_notebook_runs_on_the_course_kernel_and_renders_a_widget(ctx, lab):
    context, log = ctx
    page = open_lab(context, lab, "lab/tree/kernel-check.ipynb")
    panel = page.locator(".jp-NotebookPanel:visible")
    panel.wait_for()
    expect(panel.locator(".jp-KernelName")).to_have_text("Python 3 (ipykernel)", timeout=60_000)
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=60_000)
    menu(page, "Run", "Run All Cells")
    slider = panel.locator(".widget-slider")
    slider.wait_for(timeout=60_000)
    assert "Firms" in panel.locator(".widget-slider .widget-label").first.inner_text()
    assert panel.locator(".widget-readout").first.inner_text().strip() == "7"
    out = panel.locator(".jp-OutputArea-output", has_text="prefix=").first.inner_text()
    assert out.strip() == f"prefix={sys.prefix}"
