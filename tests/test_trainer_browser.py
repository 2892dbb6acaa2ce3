"""The trainer's loop on the REAL ex2, through the README's commands and the pages a trainer clicks.

A Moodle "Download all submissions" zip of six trainees with Turkish names (tests/ex2_class.py) is graded with
``make grade AUTOGRADER_COURSE_DIR=<tmp> ARGS="<zip> ..."``; ``make formgrader`` (same variable) starts the trainer's
JupyterLab, where the formgrader lists the six submissions and shows W1's rubric right under Ayşe's written answer;
the trainer scores and comments it; ``make grade`` again rebuilds feedback, grades and report, and Ayşe's feedback
page shows the comment and the new score. Screenshots for the trainers' first-hour page are taken at 1280x800.
"""

from __future__ import annotations

import csv
import os
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from playwright.sync_api import expect

from autograder.sandbox import bwrap_works
from tests.ex2_class import EX2, MANUAL, TRAINEES, W1, write_moodle_zip
from tests.lab_servers import (
    VIEWPORT,
    PageLog,
    launched_browser,
    loopback_only,
    start_make_target,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("trainer")]

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "book" / "images" / "screenshots"
UPDATE_SCREENSHOTS = os.environ.get("UPDATE_SCREENSHOTS") == "1"
STUDENT = "ayse-yilmaz"
W1_SCORE = 3.0
COMMENT = "Good reading of the smile and the leaks. Say which forward-linkage definition you use."


def make(*args: str, course: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    """A make target as the README gives it, with the course directory moved by AUTOGRADER_COURSE_DIR."""
    return subprocess.run(
        ["make", "--no-print-directory", *args, f"AUTOGRADER_COURSE_DIR={course}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def shot(page, name: str, tmp: Path, **kw) -> None:
    if UPDATE_SCREENSHOTS:
        page.screenshot(path=str(SHOTS / name), **kw)
    else:
        page.screenshot(path=str(tmp / name), **kw)
        assert (SHOTS / name).is_file(), f"{SHOTS / name} missing: run `make screenshots`"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    from autograder.common import Settings
    from autograder.course import prepare

    base = tmp_path_factory.mktemp("trainer")
    scratch = base / "release"  # the trainees' side: the released ex2 they worked on
    prepare(scratch, ROOT / "exercises", Settings(), [EX2])
    zip_path = write_moodle_zip(
        scratch / "release" / EX2, scratch / "source" / EX2 / f"{EX2}.ipynb", base / "moodle-ex2.zip"
    )
    course = base / "course"
    sandbox = "" if bwrap_works() else " --no-sandbox"
    run = make("grade", f"ARGS={zip_path} --assignment {EX2} --jobs 2 --quiet{sandbox}", course=course)
    return {"base": base, "course": course, "zip": zip_path, "run": run, "sandbox": sandbox}


@pytest.fixture(scope="module")
def browser():
    with launched_browser() as browser:
        yield browser


def saved(gb, read, timeout: float = 20):
    """Poll the gradebook: the formgrader saves each field with its own request when the field loses focus."""
    deadline = time.monotonic() + timeout
    while True:
        gb.db.expire_all()
        value = read()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.25)


def test_trainer_loop_on_ex2_screenshots(graded, browser, tmp_path):
    course = graded["course"]
    run = graded["run"]
    # make grade completed: exit 0, the two written answers are listed as needing a look
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    for sid in MANUAL:
        assert f"needs a look: {sid}/{EX2}: {EX2}: needs manual grading" in run.stderr
    ids = sorted(sid for _, _, sid in TRAINEES)
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ids  # Turkish names transliterated

    server = start_make_target(
        graded["base"], ROOT, "formgrader", course, {"AUTOGRADER_COURSE_DIR": str(course)}
    )
    log = PageLog()
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    loopback_only(context, server.base, log)
    context.on("page", log.watch)
    try:
        page = context.new_page()
        page.goto(server.url("lab"))
        page.wait_for_selector("#jp-main-dock-panel", state="visible")
        page.locator(".jp-DirListing-item").first.wait_for()
        page.locator(".lm-MenuBar-itemLabel").get_by_text("Nbgrader", exact=True).click()
        page.locator(".lm-Menu:visible .lm-Menu-itemLabel").get_by_text("Formgrader", exact=True).click()
        frame = page.frame_locator(".jp-MainAreaWidget:visible iframe")
        frame.locator(f"a[href$='/formgrader/manage_submissions/{EX2}']").click()
        for sid in ids:
            expect(frame.locator("tr", has_text=sid)).to_have_count(1)
        expect(frame.locator("tr", has_text=STUDENT)).to_contain_text("needs manual grading")

        # Manual grading: assignment -> notebook -> Ayşe's submission (the link to its grading page)
        frame.get_by_role("link", name="Manual Grading").click()
        # by address, not by text: the Turkish twin's name starts with EX2, and the notebook's link exists only on
        # the next page (so the second click cannot land on the first page while it is still being left)
        frame.locator(f"a[href$='/formgrader/gradebook/{EX2}']").first.click()
        frame.locator(f"a[href$='/formgrader/gradebook/{EX2}/{EX2}']").first.click()
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
            nb_id = gb.find_submission_notebook(EX2, EX2, STUDENT).id
            frame.locator(f"a[href$='/submissions/{nb_id}']").first.click()
            score = frame.locator(f"input.score#{W1}")
            score.wait_for()
            rubric = frame.get_by_text(f"Rubric (trainers only): {W1}")
            expect(rubric).to_be_visible()
            answer = frame.get_by_text("Yes, a smile: margins are thinnest")
            next_prompt = frame.get_by_text("W2 — Recommendation to the cluster's board")
            y = [loc.bounding_box()["y"] for loc in (answer, rubric, next_prompt)]
            assert y[0] < y[1] < y[2], f"the rubric is not between W1's answer and W2: {y}"
            rubric.scroll_into_view_if_needed()
            page.mouse.wheel(0, -120)
            shot(page, "trainer-rubric.png", tmp_path)

            score.fill(str(W1_SCORE))
            score.press("Tab")
            assert saved(gb, lambda: gb.find_grade(W1, EX2, EX2, STUDENT).manual_score) == W1_SCORE
            comment = frame.locator(f"textarea#{W1}-comment")
            comment.fill(COMMENT)
            comment.press("Tab")
            assert saved(gb, lambda: gb.find_comment(W1, EX2, EX2, STUDENT).manual_comment) == COMMENT
    finally:
        context.close()
        server.stop()
    assert not log.foreign, f"requests left the loopback server: {log.foreign}"
    assert not log.errors, "console errors in the page:\n" + "\n".join(log.errors)

    # The README's command again: nothing is regraded; feedback, grades and report are rebuilt
    again = make("grade", f"ARGS=--assignment {EX2} --quiet{graded['sandbox']}", course=course)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"needs a look: {STUDENT}/" not in again.stderr and "needs a look: ibrahim-celik/" in again.stderr
    with open(course / "grades-moodle.csv", newline="", encoding="utf-8") as fh:
        moodle = {(r["First name"], r["Last name"]): r for r in csv.DictReader(fh)}
    assert float(moodle[("Ayşe", "Yılmaz")][f"Assignment: {EX2} (Real)"]) == 12.0 + W1_SCORE
    with zipfile.ZipFile(course / f"feedback-moodle-{EX2}.zip") as zf:
        assert f"Ayşe Yılmaz_1001_assignsubmission_file_/{EX2}.html" in zf.namelist()
    for page_path in (course / "feedback").rglob("*.html"):
        text = page_path.read_text()
        assert "Rubric (trainers only)" not in text and "<script" not in text, page_path

    context = browser.new_context(viewport=VIEWPORT)
    requests: list[str] = []
    context.on(
        "request", lambda r: requests.append(r.url) if not r.url.startswith(("file:", "data:")) else None
    )
    try:
        page = context.new_page()
        page.goto((course / "feedback" / STUDENT / EX2 / f"{EX2}.html").as_uri())
        expect(page.locator(".fb-total")).to_have_text(f"Score: {12 + W1_SCORE:g} / 20")
        box = page.locator(".fb-box", has_text="W1 interpretation:")
        expect(box).to_contain_text(f"W1 interpretation: {W1_SCORE:g} / 4")
        expect(box).to_contain_text(COMMENT)
        assert "fb-partial" in box.get_attribute("class")  # 3 of 4: orange, not green
        expect(page.locator(".fb-box.fb-pass", has_text="Q1 value added: 2 / 2")).to_have_count(1)
        expect(page.locator("math").first).to_be_attached()  # the prompt's maths as MathML
        expect(page.locator("table.dataframe").first).to_be_visible()  # a rendered table, not raw text
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
        shot(page, "trainer-feedback-page.png", tmp_path)
        box.evaluate("e => e.scrollIntoView({block: 'center'})")
        shot(page, "trainer-feedback-comment.png", tmp_path)

        page.goto((course / "feedback" / "gulsen-ozturk" / EX2 / f"{EX2}.html").as_uri())
        failed = page.locator(".fb-box.fb-fail", has_text="Q1 value added: 0 / 2")
        expect(failed).to_contain_text("off by 39.0% of the expected size")
        failed.evaluate("e => e.scrollIntoView({block: 'center'})")
        shot(page, "trainer-feedback-check.png", tmp_path)

        page.goto((course / "report.html").as_uri())
        look = page.locator(".look")
        expect(look).to_contain_text(f"ibrahim-celik/{EX2}")  # still awaiting manual grading
        expect(look).not_to_contain_text(f"{STUDENT}/{EX2}")  # graded in the formgrader: no longer listed
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
        shot(page, "trainer-report-overview.png", tmp_path)
        page.get_by_role("link", name=EX2).first.click()
        expect(page.locator("body")).to_contain_text("Facility: the mean score")
        expect(page.locator("body")).to_contain_text("SyntaxError")  # Ömer's first error, as itself
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"]
    finally:
        context.close()
    assert not requests, f"feedback or report pages loaded from elsewhere: {requests}"
