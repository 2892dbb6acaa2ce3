"""The trainee's loop through the README's doors only: ``make lab``, the Assignment List, ``make grade``.

``make lab`` is started from the checkout (as root when the tests run as root, like CI) with ``WORKSPACE`` and
``CLUSTER_EXCHANGE`` pointed at temp folders; it releases the course to that exchange itself. In chromium the
trainee fetches ex2, answers Q1 wrongly (a short message, no traceback), then rightly (the confirmation),
validates and submits. ``make grade`` (course directory in a temp folder) collects, grades and releases feedback;
the trainee fetches the feedback in the Assignment List and opens it. Then ``make release`` and ``make grade``
again must leave the workspace byte-identical, and the lab's contents API must show nothing of the trainers'.
With ``UPDATE_SCREENSHOTS=1`` (``make screenshots``) the steps are saved under book/images/screenshots/.

``make lab LANG=tr`` (a second lab on its own workspace): the UI is Turkish (JupyterLab's Turkish language pack),
the Turkish twin of ex2 fetches from the Assignment List, and a wrong answer gets its check's message in Turkish.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import expect

from autograder.release import list_assignments
from autograder.sandbox import bwrap_works
from tests.lab_servers import VIEWPORT, PageLog, free_port, loopback_only

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("lab")]

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "book" / "images" / "screenshots"
UPDATE_SCREENSHOTS = os.environ.get("UPDATE_SCREENSHOTS") == "1"
COURSE_ID = "cluster-excellence"
EX2 = "ex2-clean-energy-value-chain"
EX2_TR = f"{EX2}-tr"
# Every assignment of the course, as `make lab` releases them: the folders of exercises/source/.
ASSIGNMENTS = list_assignments(ROOT / "exercises")
# A first try a trainee might well write: right numbers, but the table keeps pandas' row numbers 0, 1, 2, ...
WRONG_Q1 = (
    "q1_value_added = pd.DataFrame({'stage': stages['stage']})\n"
    "q1_value_added['value_added'] = stages['output'] - stages['bought_in_inputs']\n"
    "q1_value_added['margin'] = q1_value_added['value_added'] / stages['output']"
)
# ... and the fix the message names.
RIGHT_Q1 = WRONG_Q1 + "\nq1_value_added = q1_value_added.set_index('stage')"
FORBIDDEN = {"source", "rubrics", "autograder", "gradebook.db", "teaching-notes.md", "nbgrader_config.py"}


def make(*args: str, env: dict[str, str], timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` (hidden ones included), by relative path."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def shot(page, name: str, tmp: Path) -> None:
    """Save the book's screenshot ``name`` (only under UPDATE_SCREENSHOTS=1), else require the committed one."""
    if UPDATE_SCREENSHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name))
    else:
        page.screenshot(path=str(tmp / name))
        assert (SHOTS / name).is_file(), f"{SHOTS / name} missing: run `make screenshots`"


@pytest.fixture(scope="module")
def trainee(tmp_path_factory):
    """``make lab`` on a fresh workspace and exchange (temp folders), as the README says; stopped at the end."""
    yield from _make_lab(tmp_path_factory.mktemp("trainee"))


@pytest.fixture(scope="module")
def trainee_tr(tmp_path_factory):
    """``make lab LANG=tr`` on its own fresh workspace and exchange; stopped at the end."""
    yield from _make_lab(tmp_path_factory.mktemp("trainee-tr"), "LANG=tr")


def _make_lab(base: Path, *extra: str):
    """Run ``make lab`` (with ``extra`` make variables) until the test is done; yield what the tests need."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "CLUSTER_"))}
    env.update(HOME=str(base / "home"), IPYTHONDIR=str(base / "ipython"))
    (base / "home").mkdir()
    port, token = free_port(), secrets.token_hex(16)
    variables = [
        f"WORKSPACE={base / 'workspace'}",
        f"CLUSTER_EXCHANGE={base / 'exchange'}",
        f"LAB_ARGS=--port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token}",
        *extra,
    ]
    log = base / "make-lab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            ["make", "--no-print-directory", "lab", *variables],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300  # the first start releases every assignment
        while True:
            assert proc.poll() is None, f"make lab exited with {proc.returncode}:\n{log.read_text()[-4000:]}"
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, f"make lab did not answer:\n{log.read_text()[-4000:]}"
                time.sleep(0.5)
        yield {
            "base": base,
            "env": env,
            "url": url,
            "token": token,
            "workspace": base / "workspace",
            "exchange": base / "exchange",
            "course": base / "course",
            "variables": variables,
            "log": log,
        }
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def api(trainee, path: str) -> dict:
    url = f"{trainee['url']}/{urllib.parse.quote(path)}?token={trainee['token']}"
    with urllib.request.urlopen(url, timeout=30) as resp:
        return json.load(resp)


def grade(trainee) -> subprocess.CompletedProcess:
    args = f"--course-dir {trainee['course']} -a {EX2} --quiet" + ("" if bwrap_works() else " --no-sandbox")
    return make("grade", *trainee["variables"][1:2], f"ARGS={args}", env=trainee["env"])


def item(page, listing, name: str):
    """The row of assignment ``name`` in an Assignment List section, matched exactly (``ex2-...`` is also the start
    of its Turkish twin ``ex2-...-tr``)."""
    return listing.locator(".list_item").filter(has=page.get_by_text(name, exact=True))


def cell(panel, text: str):
    return panel.locator(".jp-Cell", has_text=text).first


def into_view(page, locator) -> None:
    """Scroll ``locator`` to the middle of the notebook and wait until it is on screen (for a screenshot)."""
    locator.evaluate("e => e.scrollIntoView({block: 'center'})")
    expect(locator).to_be_in_viewport()
    page.wait_for_timeout(300)  # let the windowed notebook render the cells around it


def run_all(page, panel, menu: str = "Run", item: str = "Run All Cells") -> None:
    """Run ▸ Run All Cells (``menu`` ▸ ``item`` in the UI's language), once more if the kernel was not listening
    yet (the first cell got no number)."""
    first = panel.locator(".jp-CodeCell .jp-InputPrompt").first
    first.evaluate("e => e.scrollIntoView({block: 'center'})")
    before = first.text_content()
    for _attempt in range(3):
        page.locator(".lm-MenuBar-itemLabel", has_text=menu).click()
        page.locator(".lm-Menu:visible .lm-Menu-itemLabel").get_by_text(item, exact=True).click()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            first.evaluate("e => e.scrollIntoView({block: 'center'})")
            now = first.text_content() or ""
            if now != before and re.search(r"\[[0-9*]+\]", now):
                return
            page.wait_for_timeout(500)
    raise AssertionError("Run All Cells ran nothing (the first code cell has no execution number)")


def wait_output(page, cell_, output, text: str, timeout: float = 180) -> None:
    """Wait until ``output`` of ``cell_`` shows ``text``. The notebook renders only the cells near the screen and
    Run All moves the view, so the cell is brought back on screen while waiting."""
    deadline = time.monotonic() + timeout
    while True:
        cell_.evaluate("e => e.scrollIntoView({block: 'center'})")
        if output.count() and text in (output.first.text_content() or ""):
            return
        assert time.monotonic() < deadline, f"no output {text!r} after {timeout}s"
        page.wait_for_timeout(1000)


def type_into(page, cell_, text: str) -> None:
    cell_.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def _open_lab(browser, server: dict, log: PageLog):
    """A loopback-only browser context on the trainee's lab, its first page opened and the lab shown."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(60_000)
    loopback_only(context, server["url"], log)
    context.on("page", log.watch)
    page = context.new_page()
    page.goto(f"{server['url']}/lab?token={server['token']}")
    page.wait_for_selector("#jp-main-statusbar", state="visible")
    return context, page


def test_trainee_first_hour_screenshots(trainee, tmp_path):
    import nbgrader  # noqa: F401  (the lab's extensions; imported so a missing install fails here, clearly)

    from tests.lab_servers import launched_browser

    log = PageLog()
    with launched_browser() as browser:
        context, page = _open_lab(browser, trainee, log)
        try:
            # Only the trainee's parts of nbgrader; no news pop-up.
            page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
            labels = page.locator(".lm-Menu:visible .lm-Menu-itemLabel").all_inner_texts()
            page.keyboard.press("Escape")
            assert [t.strip() for t in labels if t.strip()] == ["Assignment List"], labels
            assert page.get_by_text("Create Assignment").count() == 0
            assert page.get_by_text("official Jupyter news").count() == 0

            # The Assignment List lists every assignment of exercises/source/, and nothing else.
            assert EX2 in ASSIGNMENTS and len(ASSIGNMENTS) >= 8, ASSIGNMENTS
            page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
            page.locator(".lm-Menu:visible .lm-Menu-itemLabel", has_text="Assignment List").click()
            released = page.locator("#released_assignments_list")
            for name in ASSIGNMENTS:
                expect(item(page, released, name)).to_have_count(1)
            expect(released.locator(".list_item")).to_have_count(len(ASSIGNMENTS))
            expect(page.get_by_text("Error fetching")).to_have_count(0)
            expect(page.get_by_text("exchange directory does not exist")).to_have_count(0)
            shot(page, "trainee-assignment-list.png", tmp_path)

            # Fetch ex2 into the workspace and open it.
            item(page, released, EX2).get_by_role("button", name="Fetch").click()
            fetched = page.locator("#fetched_assignments_list")
            fetched.locator(".list_item", has_text=EX2).first.wait_for()
            assert (trainee["workspace"] / EX2 / f"{EX2}.ipynb").is_file()
            # fetched work is never fetched over: the list no longer offers ex2 (and nbgrader refuses to)
            expect(item(page, released, EX2)).to_have_count(0)
            fetched.locator("a.assignment-notebooks-link", has_text=EX2).click()
            fetched.locator(".nested_list_item a", has_text=EX2).click()
            panel = page.locator(".jp-NotebookPanel:visible")
            panel.wait_for()
            expect(panel.locator(".jp-KernelName")).to_have_text("Python 3 (ipykernel)", timeout=90_000)
            panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=90_000)

            # Q1 answered wrongly: Run All stops at its check, which shows the message alone.
            answer = cell(panel, "q1_value_added = None")
            type_into(page, answer, WRONG_Q1)
            run_all(page, panel)
            check = cell(panel, "# Check Q1 (2 points)")
            error = check.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            wait_output(page, check, error, "set_index('stage')")
            text = (error.text_content() or "").strip()
            assert len(text.splitlines()) <= 3, text
            assert "Traceback" not in text and "grading.py" not in text and "File " not in text, text
            assert text.startswith("The value-added table should have one row per stage"), text
            into_view(page, check)
            shot(page, "trainee-check-message.png", tmp_path)

            # ... and rightly: the confirmation.
            type_into(page, cell(panel, "q1_value_added = pd.DataFrame"), RIGHT_Q1)
            run_all(page, panel)
            wait_output(
                page, check, check.locator(".jp-OutputArea-output"), "Q1: the form of your answer is right"
            )
            expect(check.locator(".jp-OutputArea-output")).to_have_text(
                "Q1: the form of your answer is right. Its values are checked when your work is graded.",
                timeout=120_000,
            )
            page.keyboard.press("Control+S")
            expect(page.locator(".jp-mod-current.jp-mod-dirty")).to_have_count(0)
            into_view(page, check)
            shot(page, "trainee-check-passed.png", tmp_path)

            # Validate: the unanswered questions' checks are listed, each with its short message only.
            panel.locator(".jp-Toolbar").get_by_text("Validate", exact=True).click()
            dialog = page.locator(".jp-Dialog")
            dialog.wait_for(timeout=240_000)
            expect(dialog).to_contain_text("The following cell failed:", timeout=240_000)
            body = dialog.inner_text()
            for q in ("Q2", "Q3", "Q4", "Q5", "Q6"):
                assert f"# Check {q} (" in body, f"Validate does not list the unanswered {q}"
            assert "# Check Q1 (" not in body and "Traceback" not in body, body[:3000]
            assert "There is no answer for" in body
            messages = dialog.locator("pre", has_text="There is no answer for").all()
            assert len(messages) == 5, len(messages)
            for pre in messages:  # nothing cut off on the right, a few lines each
                assert pre.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), pre.inner_text()[:300]
                assert len(pre.inner_text().strip().splitlines()) <= 3, pre.inner_text()
            shot(page, "trainee-validate.png", tmp_path)
            dialog.get_by_role("button").last.click()

            # Submit from the Assignment List.
            page.locator(".lm-TabBar-tab", has_text="Assignments").click()
            fetched.locator(".list_item", has_text=EX2).get_by_role("button", name="Submit").click()
            submitted = page.locator("#submitted_assignments_list .list_item", has_text=EX2)
            submitted.first.wait_for()
            inbound = sorted((trainee["exchange"] / COURSE_ID / "inbound").glob(f"*+{EX2}+*"))
            assert len(inbound) == 1, inbound
            sent = nbformat.read(inbound[0] / f"{EX2}.ipynb", as_version=4)
            assert any(c.source == RIGHT_Q1 for c in sent.cells)
            shot(page, "trainee-submitted.png", tmp_path)

            # The trainer's `make grade`: collect from the exchange, grade, release the feedback.
            before = tree_digest(trainee["workspace"])
            graded = grade(trainee)
            assert graded.returncode == 0, graded.stdout[-2000:] + graded.stderr[-4000:]
            assert "feedback released to the exchange" in graded.stderr and "1 submission(s)" in graded.stderr
            assert list((trainee["exchange"] / COURSE_ID / "feedback").glob("*.html"))
            assert tree_digest(trainee["workspace"]) == before, "make grade changed the trainee's workspace"

            # The trainee fetches the feedback and opens it.
            page.locator(
                ".lm-MenuBar-itemLabel", has_text="Nbgrader"
            ).click()  # (re)opening it refreshes the list
            page.locator(".lm-Menu:visible .lm-Menu-itemLabel", has_text="Assignment List").click()
            row = page.locator("#submitted_assignments_list .list_item", has_text=EX2).first
            button = row.get_by_role("button", name="Fetch Feedback")
            expect(button).to_be_enabled(timeout=60_000)
            button.click()
            view = row.get_by_text("(view feedback)")
            view.wait_for(timeout=60_000)
            pages = sorted((trainee["workspace"] / EX2 / "feedback").glob(f"*/{EX2}.html"))
            assert len(pages) == 1, pages
            shot(page, "trainee-feedback-fetched.png", tmp_path)
            view.click()
            listing = page.locator(".jp-DirListing-item", has_text=f"{EX2}.html")
            listing.wait_for()
            listing.dblclick()
            frame = page.frame_locator(
                ".jp-HTMLViewer:visible iframe, .jp-MainAreaWidget:visible iframe"
            ).first
            expect(frame.locator("body")).to_contain_text(EX2, timeout=30_000)
            expect(frame.locator("body")).to_contain_text("Q1")
            shot(page, "trainee-feedback.png", tmp_path)
        finally:
            page.screenshot(path=str(tmp_path / "last-page.png"))
            context.close()
    assert not log.foreign, f"requests left the loopback server: {log.foreign}"
    assert not log.errors, "console errors in the page:\n" + "\n".join(log.errors)


def test_release_book_and_grade_leave_the_workspace_byte_identical(trainee):
    """After the trainee worked and submitted: ``make release``, ``make book`` and ``make grade`` touch nothing of
    theirs, neither the workspace the lab ran on nor the checkout's default ``workspace/``."""
    ws = trainee["workspace"]
    work = ws / EX2 / f"{EX2}.ipynb"
    assert work.is_file(), "the trainee flow did not leave work in the workspace"
    before = tree_digest(ws)
    default_ws = ROOT / "workspace"
    created = not default_ws.exists()
    if created:  # the default workspace of the checkout, holding the same work (removed again afterwards)
        (default_ws / EX2).mkdir(parents=True)
        (default_ws / EX2 / work.name).write_bytes(work.read_bytes())
    try:
        before_default = tree_digest(default_ws)
        released = make("release", *trainee["variables"][1:2], env=trainee["env"])
        assert released.returncode == 0, released.stderr[-3000:]
        assert tree_digest(ws) == before, "make release changed the trainee's workspace"
        built = make("book", *trainee["variables"][1:2], env=trainee["env"], timeout=1500)
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        assert tree_digest(ws) == before, "make book changed the trainee's workspace"
        assert tree_digest(default_ws) == before_default, "make book changed the checkout's workspace/"
        graded = grade(trainee)
        assert graded.returncode == 0, graded.stderr[-3000:]
        assert tree_digest(ws) == before, "make grade changed the trainee's workspace"
        assert tree_digest(default_ws) == before_default, "make grade changed the checkout's workspace/"
    finally:
        if created:
            for path in sorted(default_ws.rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
            default_ws.rmdir()


def test_contents_api_shows_nothing_of_the_trainers(trainee):
    """Walk the lab's contents API from its root: no sources, rubrics, autograder or gradebook anywhere."""
    seen, todo = [], [""]
    while todo:
        path = todo.pop()
        listing = api(trainee, f"api/contents/{path}")
        for item in listing["content"]:
            seen.append(item["path"])
            if item["type"] == "directory":
                todo.append(item["path"])
    assert any(p.endswith(f"{EX2}.ipynb") for p in seen), seen  # the walk sees the trainee's own work
    shown = {part for p in seen for part in p.split("/")}
    assert not shown & FORBIDDEN, sorted(shown & FORBIDDEN)
    # and the trainers' server extensions are not served
    for path in ("formgrader", "formgrader/api/assignments"):
        try:
            urllib.request.urlopen(f"{trainee['url']}/{path}?token={trainee['token']}", timeout=10)
            raise AssertionError(f"/{path} is served to the trainee")
        except urllib.error.HTTPError as exc:
            assert exc.code == 404, exc.code


def test_turkish_lab_fetches_the_turkish_assignment_and_answers_in_turkish(trainee_tr, tmp_path):
    """``make lab LANG=tr``: JupyterLab's menus in Turkish, the Turkish ex2 fetched from the Assignment List, and
    its Q1 check answering a wrong first try in Turkish in the trainee's kernel."""
    from tests.lab_servers import launched_browser

    assert EX2_TR in ASSIGNMENTS, ASSIGNMENTS
    log = PageLog()
    with launched_browser() as browser:
        context, page = _open_lab(browser, trainee_tr, log)
        try:
            menus = [t.strip() for t in page.locator(".lm-MenuBar-itemLabel").all_inner_texts()]
            assert {"Düzenle", "Çalıştır", "Ayarlar", "Yardım"} <= set(menus), menus
            assert not {"Edit", "Settings", "Help"} & set(menus), menus

            page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
            page.locator(".lm-Menu:visible .lm-Menu-itemLabel", has_text="Assignment List").click()
            released = page.locator("#released_assignments_list")
            expect(item(page, released, EX2_TR)).to_have_count(1)
            page.screenshot(path=str(tmp_path / "lab-tr-assignment-list.png"))
            item(page, released, EX2_TR).get_by_role("button", name="Fetch").click()
            fetched = page.locator("#fetched_assignments_list")
            fetched.locator(".list_item", has_text=EX2_TR).first.wait_for()
            work = trainee_tr["workspace"] / EX2_TR / f"{EX2_TR}.ipynb"
            assert nbformat.read(work, as_version=4).metadata["clusterkit"] == {"language": "tr"}
            fetched.locator("a.assignment-notebooks-link", has_text=EX2_TR).click()
            fetched.locator(".nested_list_item a", has_text=EX2_TR).click()
            panel = page.locator(".jp-NotebookPanel:visible")
            panel.wait_for()
            panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=90_000)

            type_into(page, cell(panel, "q1_value_added = None"), WRONG_Q1)
            run_all(page, panel, "Çalıştır", "Tüm Hücreleri Çalıştır")
            check = cell(panel, "g.expect_frame(")  # Q1's check cell, whatever language its comment is in
            error = check.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            wait_output(page, check, error, "set_index('stage')")
            text = " ".join((error.text_content() or "").split())
            assert "her stage için bir satır içermeli" in text and "diye numaralanmış" in text, text
            assert "should have one row" not in text and "Traceback" not in text, text
            into_view(page, check)
            page.screenshot(path=str(tmp_path / "lab-tr-check-message.png"))
        finally:
            page.screenshot(path=str(tmp_path / "last-page-tr.png"))
            context.close()
    assert not log.foreign, f"requests left the loopback server: {log.foreign}"
    assert not log.errors, "console errors in the page:\n" + "\n".join(log.errors)
