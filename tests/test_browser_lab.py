"""Trainee and trainer experience in a real browser: JupyterLab + nbgrader driven by Playwright (headless chromium).

One ``jupyter lab`` (from the venv, loopback, token, isolated Jupyter dirs) and one browser serve the whole module.
The first test is the regression guard for the pinned versions: nbgrader's lab extension must not only be listed by
``jupyter labextension list`` but create its menu and commands in the page, widgets must render, and the page must
log no console errors. FAILS (never skips) when chromium is missing: ``make browser-deps`` installs it.
"""

from __future__ import annotations

import csv
import os
import shutil
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.lab_servers import (
    VIEWPORT,
    LabServer,
    PageLog,
    launched_browser,
    loopback_only,
    start_lab,
)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("lab")]

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "book" / "images" / "screenshots"
UPDATE_SCREENSHOTS = os.environ.get("UPDATE_SCREENSHOTS") == "1"
COURSE_ID = "cluster-excellence"
ASSIGNMENT = "lq-warmup"  # small generated assignment of the trainer flow (one code and one written answer)
EXERCISE = "ex1-mapping-leading-sectors"  # the course's real first exercise, released to the trainee
Q1 = "q1_lq_corum"
STUDENT = "trainee01"
WRITTEN_POINTS = 2.0
MANUAL_SCORE = 1.5
TRAINER_COMMENT = "Right: concentration is not yet a cluster. Name one linkage you would look for next."
WRITTEN_ANSWER = (
    "No. A high LQ shows that machinery jobs are concentrated here; a cluster also needs linked firms, "
    "suppliers and institutions that cooperate."
)


def _nbgrader(**meta) -> dict:
    base = {"grade": False, "locked": False, "schema_version": 3, "solution": False, "task": False}
    return {"nbgrader": {**base, **meta}}


def source_assignment() -> nbformat.NotebookNode:
    """A small nbgrader assignment in the shape of the course's exercises: widget, answer, visible check, essay."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [
        md(
            "# Warm-up: a location quotient\n\nA region employs 1,200 of its 10,000 workers in machinery; "
            "the country employs 50,000 of its 1,000,000 workers there. Move the slider, then compute the LQ.",
            metadata=_nbgrader(grade_id="intro", locked=True),
        ),
        code(
            "import ipywidgets as widgets\n\n"
            "widgets.IntSlider(value=1200, min=0, max=5000, step=100, description='Regional jobs')",
            metadata=_nbgrader(grade_id="explore", locked=True),
        ),
        code(
            "### BEGIN SOLUTION\nlq = (1200 / 10000) / (50000 / 1000000)\n### END SOLUTION",
            metadata=_nbgrader(grade_id="answer_lq", solution=True),
        ),
        code(
            "assert abs(lq - 2.4) < 1e-9, f'lq should be the regional share over the national share, got {lq}'\n"
            "print('check passed: lq =', round(lq, 2))",
            metadata=_nbgrader(grade_id="check_lq", grade=True, locked=True, points=1),
        ),
        md(
            "In two sentences: does an LQ of 2.4 prove that the region has a cluster?",
            metadata=_nbgrader(grade_id="why_prompt", locked=True),
        ),
        md(
            "YOUR ANSWER HERE",
            metadata=_nbgrader(grade_id="why", grade=True, solution=True, points=WRITTEN_POINTS),
        ),
    ]
    return nbformat.v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
        },
    )


def q1_solution() -> str:
    """The instructor's answer to Q1 of ex1, read from the source notebook's solution region."""
    nb = nbformat.read(ROOT / "exercises" / "source" / EXERCISE / f"{EXERCISE}.ipynb", as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == Q1)
    return cell.source.split("### BEGIN SOLUTION\n")[1].split("\n### END SOLUTION")[0]


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
        c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
        c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
        c.Execute.timeout = 30
        """
    )
    # The lab's own config (its cwd) also names the student: nbgrader's exchange would otherwise submit under the
    # OS login name (on JupyterHub, the hub user), which is "root" in a CI container.
    (root / "nbgrader_config.py").write_text(config + f"c.CourseDirectory.student_id = {STUDENT!r}\n")
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
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(source_assignment(), course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    shutil.copytree(
        ROOT / "exercises" / "source" / EXERCISE,
        course / "source" / EXERCISE,
        ignore=shutil.ignore_patterns(".ipynb_checkpoints"),
    )
    return {"base": base, "root": root, "course": course, "exchange": exchange}


@pytest.fixture(scope="module")
def lab(workspace) -> LabServer:
    server = start_lab(workspace["base"], workspace["root"])
    try:
        # The trainer's side of the release: student version, then into the local exchange.
        for name in (EXERCISE, ASSIGNMENT):
            server.run("nbgrader", "generate_assignment", name, "--force", cwd=workspace["course"])
            server.run("nbgrader", "release_assignment", name, "--force", cwd=workspace["course"])
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    with launched_browser() as browser:
        yield browser


@pytest.fixture
def ctx(browser, lab, tmp_path):
    """A fresh browser context (and its error log) per test; asserts the test left no page errors behind."""
    log = PageLog()
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    loopback_only(context, lab.base, log)
    context.on("page", log.watch)
    try:
        yield context, log
    finally:
        for i, page in enumerate(context.pages):  # what the pages showed at the end, for debugging failures
            page.screenshot(path=str(tmp_path / f"last-page-{i}.png"))
        context.close()
    assert not log.foreign, f"requests left the loopback server: {log.foreign}"
    assert not log.errors, "console errors in the page:\n" + "\n".join(log.errors)


def open_lab(context, lab: LabServer, path: str = "lab"):
    page = context.new_page()
    page.goto(lab.url(path))
    page.wait_for_selector("#jp-main-dock-panel", state="visible")
    page.wait_for_selector("#jp-main-statusbar", state="visible")
    page.locator(".jp-DirListing-item").first.wait_for()  # the file browser has listed the workspace
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
    box = page.locator(".lm-CommandPalette-input:visible")
    for _ in range(3):  # the shortcut is lost if it arrives while the shell still moves focus around
        page.locator("#jp-main-dock-panel").click(position={"x": 5, "y": 5})
        page.keyboard.press("Control+Shift+C")
        try:
            box.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
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


def shot(page, name: str, tmp: Path, **kw) -> None:
    """Save the book's screenshot ``name`` (only under UPDATE_SCREENSHOTS=1), else require the committed one."""
    if UPDATE_SCREENSHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), **kw)
    else:
        page.screenshot(path=str(tmp / name), **kw)  # kept with the test's temp files for debugging
        assert (SHOTS / name).is_file(), f"{SHOTS / name} missing: run `make screenshots`"


def submit_by_cli(lab: LabServer, workspace: dict[str, Path], tmp: Path) -> None:
    home = tmp / "student"
    home.mkdir()
    (home / "nbgrader_config.py").write_text((workspace["root"] / "nbgrader_config.py").read_text())
    lab.run("nbgrader", "fetch_assignment", ASSIGNMENT, cwd=home)
    path = home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if "YOUR CODE HERE" in cell.source:
            cell.source = "lq = (1200 / 10000) / (50000 / 1000000)"
        elif "YOUR ANSWER HERE" in cell.source:
            cell.source = WRITTEN_ANSWER
    nbformat.write(nb, path)
    lab.run("nbgrader", "submit", ASSIGNMENT, cwd=home)


def test_trainer_first_hour_screenshots(ctx, lab, workspace, tmp_path):
    """Collect and autograde a warm-up submission, grade the written answer in the formgrader, export."""
    context, log = ctx
    course = workspace["course"]
    # The trainee test submits the real ex1 through the browser; the trainer's walk-through grades the small
    # warm-up assignment, submitted with nbgrader's student commands.
    submit_by_cli(lab, workspace, tmp_path)
    lab.run(
        "nbgrader", "db", "student", "add", STUDENT, "--first-name=Deniz", "--last-name=Trainee", cwd=course
    )
    lab.run("nbgrader", "collect", ASSIGNMENT, cwd=course)
    lab.run("nbgrader", "autograde", ASSIGNMENT, "--create", cwd=course)

    page = open_lab(context, lab)
    menu(page, "Nbgrader", "Formgrader")
    frame = page.frame_locator(".jp-MainAreaWidget:visible iframe")
    frame.locator(f"a[href$='/formgrader/manage_submissions/{ASSIGNMENT}']").click()
    row = frame.locator("tr", has_text=STUDENT)
    expect(row).to_contain_text("needs manual grading")
    shot(page, "trainer-submissions.png", tmp_path)

    # Manual grading: assignment -> notebook -> the (anonymised) submission.
    frame.get_by_role("link", name="Manual Grading").click()
    frame.locator("a", has_text=ASSIGNMENT).first.click()
    frame.locator("a", has_text=ASSIGNMENT).first.click()
    frame.locator("a", has_text="Submission #1").click()
    score = frame.locator("input.score#why")
    score.wait_for()
    comment = frame.locator("textarea#why-comment")
    gradebook = Gradebook(f"sqlite:///{course / 'gradebook.db'}")

    def saved(read, timeout: float = 20):
        """Poll the gradebook: the formgrader saves each field with its own request when the field loses focus."""
        deadline = time.monotonic() + timeout
        while True:
            gradebook.db.expire_all()
            value = read()
            if value or time.monotonic() > deadline:
                return value
            time.sleep(0.25)

    with gradebook as gb:
        score.fill(str(MANUAL_SCORE))
        score.press("Tab")
        assert (
            saved(lambda: gb.find_grade("why", ASSIGNMENT, ASSIGNMENT, STUDENT).manual_score) == MANUAL_SCORE
        )
        comment.fill(TRAINER_COMMENT)
        comment.press("Tab")
        assert saved(lambda: gb.find_comment("why", ASSIGNMENT, ASSIGNMENT, STUDENT).manual_comment) == (
            TRAINER_COMMENT
        )
        comment.scroll_into_view_if_needed()
        expect(score).to_have_value(str(MANUAL_SCORE))
        assert gb.find_grade("check_lq", ASSIGNMENT, ASSIGNMENT, STUDENT).score == 1.0  # autograded
        assert gb.find_submission(ASSIGNMENT, STUDENT).score == 1.0 + MANUAL_SCORE
    shot(page, "trainer-manual-grading.png", tmp_path)

    lab.run("nbgrader", "export", cwd=course)
    with open(course / "grades.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["student_id"] == STUDENT and r["assignment"] == ASSIGNMENT]
    assert len(rows) == 1, rows
    assert float(rows[0]["score"]) == 1.0 + MANUAL_SCORE
    assert float(rows[0]["max_score"]) == 1.0 + WRITTEN_POINTS
