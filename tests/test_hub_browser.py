"""The course hub in Chromium: trainees A and B and a trainer log in through the hub's login page.

A fetches ex1 in the Assignment List, opens it, types the answers into its cells (Q1, Q2 and a written answer),
saves, submits with the Submit button; B is refused A's server and files; the grading service grades A's submission;
the trainer opens the formgrader service, sees A's submission, scores the written answer; the grading service
re-releases the feedback; A fetches it in the Assignment List and reads the trainer's score on the page.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from tests.hub_servers import (
    EXERCISE,
    ROOT,
    Hub,
    installed_hub,
    new_prefix,
    solution_cells,
)
from tests.lab_servers import VIEWPORT, launched_browser
from tests.test_trainee_lab import type_into

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.geteuid() != 0, reason="the hub creates local accounts: needs root"),
]
WRITTEN = "w1_interpretation"
WRITTEN_TEXT = "Machinery and textiles lead in Gaziantep; both sell outside the province."
SHOTS = Path(tempfile.gettempdir()) / "cluster-hub-screenshots"


@pytest.fixture(scope="module", autouse=True)
def _installed_hub():
    installed_hub()


@pytest.fixture(scope="module")
def hub():
    tmp = Path(tempfile.mkdtemp(prefix="cluster-hub-browser-"))
    tmp.chmod(0o755)
    prefix = new_prefix()
    h = Hub(tmp, prefix, [(f"{prefix}a", "trainee", "Ayşe Yılmaz"), (f"{prefix}b", "trainee", "Burak Demir"),
                          (f"{prefix}t", "trainer", "Tülay Kaya")])  # fmt: skip
    try:
        h.start()
        yield h
    finally:
        h.stop()
        shutil.copyfile(tmp / "hub.log", Path(tempfile.gettempdir()) / "cluster-hub-browser-last.log")
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    with launched_browser() as browser:
        yield browser


def login(browser, hub: Hub, name: str):
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(60_000)
    # loopback only: anything else (nbgrader's formgrader page asks cdnjs for MathJax) is refused
    context.route(
        "**/*",
        lambda route, request: (
            route.continue_() if request.url.startswith((hub.base, "data:", "blob:")) else route.abort()
        ),
    )
    page = context.new_page()
    page.goto(f"{hub.base}/hub/login")
    page.fill("#username_input", name)
    page.fill("#password_input", hub.passwords[name])
    page.click("#login_submit")
    return context, page


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


def test_hub_in_chromium(hub, browser):
    from playwright.sync_api import expect

    a_name, b_name, t_name = (f"{hub.prefix}{x}" for x in "abt")
    # A logs in; the hub starts A's server and opens JupyterLab with nbgrader's Assignment List.
    ctx_a, page = login(browser, hub, a_name)
    page.wait_for_selector("#jp-main-dock-panel", state="visible", timeout=120_000)
    page.locator(".lm-MenuBar-itemLabel").get_by_text("Nbgrader", exact=True).click()
    page.locator(".lm-Menu:visible .lm-Menu-itemLabel").get_by_text("Assignment List", exact=True).click()
    expect(page.locator(".lm-Menu:visible .lm-Menu-itemLabel", has_text="Formgrader")).to_have_count(0)
    # exactly EXERCISE: its Turkish twin EXERCISE-tr is released too
    row = page.locator("#released_assignments_list .list_item").filter(
        has=page.get_by_text(EXERCISE, exact=True)
    )
    row.wait_for()
    row.get_by_role("button", name="Fetch").click()
    fetched = page.locator("#fetched_assignments_list .list_item", has_text=EXERCISE).first
    fetched.wait_for()
    shot(page, "hub-trainee-fetched.png")

    # A opens the fetched notebook from the Assignment List, types the answers into its cells and saves.
    fetched.locator("a.assignment-notebooks-link", has_text=EXERCISE).click()
    fetched.locator(".nested_list_item a", has_text=EXERCISE).click()
    panel = page.locator(".jp-NotebookPanel:visible")
    panel.wait_for()
    sol = solution_cells()
    for gid in ("q1_lq_corum", "q2_stars_kahramanmaras"):
        type_into(page, panel.locator(".jp-CodeCell", has_text=f"{gid} = None").first, sol[gid])
    written = panel.locator(".jp-MarkdownCell", has_text="YOUR ANSWER HERE").first
    written.dblclick()  # a rendered markdown cell opens its editor on a double click
    type_into(page, written, WRITTEN_TEXT)
    page.keyboard.press("Control+S")
    shot(page, "hub-trainee-answers-typed.png")
    a = hub.user(a_name)
    a.login()
    path = f"/api/contents/{EXERCISE}/{EXERCISE}.ipynb"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the save reached A's home (read back through A's server)
        saved = {c.get("metadata", {}).get("nbgrader", {}).get("grade_id"): c["source"]
                 for c in a.server("GET", path).json()["content"]["cells"]}  # fmt: skip
        if WRITTEN_TEXT in saved.get(WRITTEN, "") and sol["q2_stars_kahramanmaras"] in saved.get(
            "q2_stars_kahramanmaras", ""
        ):
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"the typed answers were not saved: {saved}")
    page.locator(".lm-TabBar-tab", has_text="Assignments").first.click()
    fetched.get_by_role("button", name="Submit").click()
    page.locator("#submitted_assignments_list .list_item", has_text=EXERCISE).first.wait_for()
    shot(page, "hub-trainee-submitted.png")

    # B is refused A's server, A's files and the formgrader.
    ctx_b, page_b = login(browser, hub, b_name)
    page_b.wait_for_selector("#jp-main-dock-panel", state="visible", timeout=120_000)
    for url in (
        f"/user/{a_name}/lab",
        f"/user/{a_name}/api/contents/{EXERCISE}",
        "/services/cluster-excellence/formgrader",
    ):
        r = page_b.goto(f"{hub.base}{url}")
        assert r.status == 403, (url, r.status)
    shot(page_b, "hub-trainee-b-403.png")
    r = page_b.goto(f"{hub.base}/user/{b_name}/api/contents")
    assert r.status == 200 and a_name not in r.text()
    ctx_b.close()

    # The grading service grades A's submission (Q1 + Q2: 4 points) before the trainer looks.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        ledger = Path(hub.cfg["course_dir"]) / ".autograder" / "hub" / "ledger.json"
        if ledger.exists() and f"{a_name}/{EXERCISE}" in ledger.read_text():
            break
        time.sleep(1)
    else:
        pytest.fail("the grading service did not grade A's submission in 180 s")

    # The trainer opens the formgrader service, sees A's submission and scores the written answer.
    ctx_t, page_t = login(browser, hub, t_name)
    page_t.wait_for_selector("#jp-main-dock-panel", state="visible", timeout=120_000)
    page_t.goto(f"{hub.base}/services/cluster-excellence/formgrader/manage_submissions/{EXERCISE}")
    submission_row = page_t.locator("tr", has_text=a_name)
    expect(submission_row).to_contain_text("needs manual grading", timeout=60_000)
    shot(page_t, "hub-trainer-submissions.png")
    page_t.goto(f"{hub.base}/services/cluster-excellence/formgrader/gradebook/{EXERCISE}/{EXERCISE}")
    page_t.locator("a", has_text="Submission #1").click()
    score = page_t.locator(f"input.score#{WRITTEN}")
    try:
        score.wait_for(timeout=120_000)  # the formgrader renders the whole notebook server-side first
        # a score box saves on "change" once the page's script has loaded the grades (formgrade.js binds it then)
        page_t.wait_for_function(
            "() => window.formgrader && formgrader.grades && formgrader.grades.loaded", timeout=120_000
        )
    finally:
        shot(page_t, "hub-trainer-grading-page.png")
        (SHOTS / "hub-trainer-grading-page.html").write_text(page_t.content())
    score.fill("3")
    score.press("Tab")
    deadline = time.monotonic() + 30
    sql = (
        f"SELECT g.manual_score FROM grade g JOIN base_cell c ON g.cell_id = c.id WHERE c.name = '{WRITTEN}'"
    )
    while time.monotonic() < deadline and hub.psql(sql).strip() != "3":
        time.sleep(0.5)
    assert hub.psql(sql).strip() == "3"
    shot(page_t, "hub-trainer-manual-grade.png")
    ctx_t.close()

    # The grading service re-releases A's feedback with the trainer's score; A fetches and reads it.
    total = _total_points(EXERCISE)
    expected = f"Score: <b>7 / {total:g}</b>"  # Q1 2 + Q2 2 + the trainer's 3 of the written answer's points
    page.locator(".list_item", has_text=EXERCISE).get_by_role("button", name="Fetch Feedback").first.click()
    deadline = time.monotonic() + 120
    html = ""
    while time.monotonic() < deadline:
        r = a.server("GET", f"/api/contents/{EXERCISE}/feedback")  # 404 until the click's fetch has run
        stamps = [c["path"] for c in r.json().get("content") or []] if r.status_code == 200 else []
        if stamps:
            html = a.server("GET", f"/api/contents/{stamps[-1]}/{EXERCISE}.html").json().get("content") or ""
            if expected in html:
                break
        page.locator(".list_item", has_text=EXERCISE).get_by_role(
            "button", name="Fetch Feedback"
        ).first.click()
        time.sleep(2)
    assert expected in html, html[html.find("Score:") :][:3000]
    fb = ctx_a.new_page()
    fb.goto(f"{hub.base}/user/{a_name}/files/{stamps[-1]}/{EXERCISE}.html")
    expect(fb.locator("body")).to_contain_text(f"Score: 7 / {total:g}", timeout=30_000)
    shot(fb, "hub-trainee-feedback.png")
    ctx_a.close()


def _total_points(exercise: str) -> float:
    """The exercise's points, as its source notebook's graded cells carry them."""
    import nbformat

    nb = nbformat.read(ROOT / "exercises" / "source" / exercise / f"{exercise}.ipynb", as_version=4)
    return sum(c.metadata.get("nbgrader", {}).get("points", 0) for c in nb.cells)
