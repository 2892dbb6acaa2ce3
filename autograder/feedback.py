"""Per-trainee HTML feedback: their answers, their scores and the visible tests' messages, never hidden tests.

nbgrader's own feedback is the autograded notebook, which contains the hidden tests nbgrader injected. This job
writes its own page per notebook (``<course>/feedback/<trainee>/<assignment>/<notebook>.html``) instead:

* test cells are shown as RELEASED to trainees (visible tests only), with the score and the error name and
  message; a message that comes from hidden test code is replaced by "a hidden test failed";
* the trainee's own cells are shown with their (truncated) outputs; any line or string literal of a hidden test
  that appears in an output (e.g. a trainee printing the kernel's input history) is masked;
* no source notebook content is rendered other than what the released notebook already shows.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import re
import sys
import tokenize
from pathlib import Path

from autograder.common import (
    COURSE_ID,
    EXIT_OK,
    EXIT_USAGE,
    Progress,
    UsageError,
    add_course_arguments,
    atomic_write_text,
    iter_students,
)

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS\n?(.*?)### END HIDDEN TESTS", re.S)
MAX_OUTPUT_CHARS = 4000
MASK = "[hidden]"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument("--assignment", "-a", action="append", help="only this assignment (repeatable)")
    parser.add_argument("--student", "-s", action="append", help="only this trainee id (repeatable)")


def hidden_fragments(source_nb, released_nb=None) -> list[str]:
    """Lines and string literals of the hidden tests in a source notebook (the texts feedback must not show).

    Fragments that also occur in the released notebook (``released_nb``) are public and left out.
    """
    frags: set[str] = set()
    for cell in source_nb.cells:
        if cell.cell_type != "code":
            continue
        for block in HIDDEN_BLOCK.findall(cell.source):
            for line in block.splitlines():
                if len(line.strip()) >= 8:
                    frags.add(line.strip())
            try:
                for tok in tokenize.generate_tokens(io.StringIO(block).readline):
                    if tok.type == tokenize.STRING:
                        literal = tok.string.strip("rbuRBUfF").strip("'\"")
                        if len(literal) >= 6:
                            frags.add(literal)
            except (tokenize.TokenError, IndentationError, SyntaxError):
                pass
    if released_nb is not None:
        public = "\n".join(c.source for c in released_nb.cells)
        frags = {f for f in frags if f not in public}
    return sorted(frags, key=len, reverse=True)


def scrub(text: str, fragments: list[str]) -> str:
    for frag in fragments:
        if frag in text:
            text = text.replace(frag, MASK)
    return text


def _clip(text: str) -> str:
    text = ANSI.sub("", text)
    if len(text) > MAX_OUTPUT_CHARS:
        text = text[:MAX_OUTPUT_CHARS] + f"\n[... {len(text) - MAX_OUTPUT_CHARS} more characters not shown]"
    return text


CELL_LINE = re.compile(r"Cell In\[\d*\], line (\d+)")


def _raised_in_hidden_part(cell, out) -> bool:
    """True if the error's traceback points into the cell's hidden-test block (IPython's "Cell In[n], line L")."""
    tb = ANSI.sub("", "\n".join(str(t) for t in out.get("traceback", [])))
    m = CELL_LINE.search(tb)
    if not m:
        return False
    line = int(m.group(1))
    inside, start = False, None
    for i, text in enumerate(cell.source.splitlines(), start=1):
        if "### BEGIN HIDDEN TESTS" in text:
            inside, start = True, i
        elif "### END HIDDEN TESTS" in text and inside:
            if start <= line <= i:
                return True
            inside = False
    return inside and start is not None and line >= start


def render_outputs(cell, fragments: list[str], *, test_cell: bool, hidden_text: str) -> str:
    parts = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "error":
            ename, evalue = str(out.get("ename", "")), ANSI.sub("", str(out.get("evalue", "")))
            if test_cell and (
                (evalue.strip() and evalue.strip() in hidden_text) or _raised_in_hidden_part(cell, out)
            ):
                evalue = "a hidden test failed"
            parts.append(
                f'<pre class="err">{html.escape(scrub(_clip(f"{ename}: {evalue}"), fragments))}</pre>'
            )
        elif kind == "stream":
            parts.append(f"<pre>{html.escape(scrub(_clip(str(out.get('text', ''))), fragments))}</pre>")
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if "image/png" in data and not test_cell:
                png = str(data["image/png"]).replace("\n", "")
                try:
                    base64.b64decode(png, validate=True)
                    parts.append(f'<img alt="plot" src="data:image/png;base64,{png}">')
                    continue
                except ValueError:
                    pass
            if "text/plain" in data:
                text = data["text/plain"]
                text = "".join(text) if isinstance(text, list) else str(text)
                parts.append(f"<pre>{html.escape(scrub(_clip(text), fragments))}</pre>")
    return "\n".join(parts)


CSS = """
body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap}
pre.err{background:#fdecea}
.cell{border-left:4px solid #ddd;margin:1em 0;padding-left:.8em}
.test{border-color:#4a7}
.answer{border-color:#47a}
.score{font-weight:bold}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .6em}
"""


def render_notebook(
    student: str,
    assignment: str,
    name: str,
    graded,
    released,
    grades: dict,
    fragments: list[str],
    hidden_text: str,
    summary: dict,
    notes: list[str],
) -> str:
    released_cells = {
        c.metadata.get("nbgrader", {}).get("grade_id"): c for c in released.cells if "nbgrader" in c.metadata
    }
    body = []
    for cell in graded.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        is_test = cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")
        is_answer = bool(meta.get("solution"))
        if is_test:
            shown = released_cells.get(gid, cell) if gid in released_cells else None
            src = shown.source if shown is not None else "# (test cell)"
            score = grades.get(gid)
            label = f"{_fmt(score[0])} / {_fmt(score[1])}" if score else ""
            body.append(
                f'<div class="cell test"><div class="score">Test {html.escape(str(gid))}: {label}</div>'
                f"<pre>{html.escape(scrub(src, fragments))}</pre>"
                f"{render_outputs(cell, fragments, test_cell=True, hidden_text=hidden_text)}</div>"
            )
        elif is_answer:
            score = grades.get(gid)
            label = f'<div class="score">{_fmt(score[0])} / {_fmt(score[1])}</div>' if score else ""
            body.append(
                f'<div class="cell answer"><div>Your answer ({html.escape(str(gid))})</div>{label}'
                f"<pre>{html.escape(scrub(_clip(cell.source), fragments))}</pre>"
                f"{render_outputs(cell, fragments, test_cell=False, hidden_text=hidden_text)}</div>"
            )
        elif cell.cell_type == "markdown":
            body.append(f'<div class="cell"><pre>{html.escape(scrub(cell.source, fragments))}</pre></div>')
        else:
            body.append(
                f'<div class="cell"><pre>{html.escape(scrub(_clip(cell.source), fragments))}</pre>'
                f"{render_outputs(cell, fragments, test_cell=False, hidden_text=hidden_text)}</div>"
            )
    note_html = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Feedback {html.escape(assignment)}"
        f"</title><style>{CSS}</style></head><body>"
        f"<h1>Feedback: {html.escape(assignment)} / {html.escape(name)}</h1>"
        f"<p>Trainee: <b>{html.escape(student)}</b>. Score: <b>{_fmt(summary['score'])} / "
        f"{_fmt(summary['max_score'])}</b>"
        + (f" (late penalty {_fmt(summary['penalty'])})" if summary.get("penalty") else "")
        + "</p>"
        + (f"<ul>{note_html}</ul>" if notes else "")
        + "\n".join(body)
        + "</body></html>"
    )


def _fmt(x) -> str:
    if x is None:
        return "—"
    return f"{float(x):g}"


def generate_feedback(
    course_dir: Path,
    assignments: list[str] | None = None,
    students: list[str] | None = None,
    quiet: bool = False,
) -> list[Path]:
    import nbformat
    from nbgrader.api import Gradebook, MissingEntry

    from autograder.autograde import result_path
    from autograder.common import assignments_of, read_json
    from autograder.course import db_url

    assignments = assignments or assignments_of(course_dir)
    frag_cache: dict[str, tuple[list[str], str]] = {}
    jobs = [
        (s, a)
        for s in iter_students(course_dir)
        if not students or s in students
        for a in assignments
        if (course_dir / "autograded" / s / a).is_dir()
    ]
    progress = Progress("feedback", len(jobs), quiet)
    written = []
    with Gradebook(db_url(course_dir), COURSE_ID) as gb:
        for student, a in jobs:
            record = read_json(result_path(course_dir, a, student), {}) or {}
            try:
                submission = gb.find_submission(a, student)
            except MissingEntry:
                progress.step()
                continue
            for snb in submission.notebooks:
                graded_path = course_dir / "autograded" / student / a / f"{snb.name}.ipynb"
                if not graded_path.exists():
                    continue
                key = f"{a}/{snb.name}"
                if key not in frag_cache:
                    src = nbformat.read(course_dir / "source" / a / f"{snb.name}.ipynb", as_version=4)
                    rel = nbformat.read(course_dir / "release" / a / f"{snb.name}.ipynb", as_version=4)
                    hidden_text = "\n".join(
                        b for c in src.cells if c.cell_type == "code" for b in HIDDEN_BLOCK.findall(c.source)
                    )
                    frag_cache[key] = (hidden_fragments(src, rel), hidden_text, rel)
                fragments, hidden_text, released = frag_cache[key]
                graded = nbformat.read(graded_path, as_version=4)
                grades = {g.name: (g.score, g.max_score) for g in snb.grades}
                penalty = snb.late_submission_penalty or 0
                summary = {"score": snb.score - penalty, "max_score": snb.max_score, "penalty": penalty}
                info = record.get("notebooks", {}).get(snb.name, {})
                notes = []
                if info.get("status") not in (None, "ok"):
                    notes.append(
                        f"Execution stopped: {info.get('status', '').replace('_', ' ')}. "
                        "Tests that did not run score 0."
                    )
                if info.get("patched"):
                    notes.append(
                        "Your code replaced functions the tests use; they were restored before testing."
                    )
                if info.get("deleted_tests") or info.get("edited_tests"):
                    notes.append("Test cells you deleted or edited were restored before grading.")
                page = render_notebook(
                    student, a, snb.name, graded, released, grades, fragments, hidden_text, summary, notes
                )
                out = course_dir / "feedback" / student / a / f"{snb.name}.html"
                atomic_write_text(out, page)
                written.append(out)
            progress.step(f"{student}/{a}")
    return written


def run(args: argparse.Namespace) -> int:
    try:
        if not (args.course_dir / "gradebook.db").exists():
            raise UsageError(f"no gradebook in {args.course_dir}: run import and autograde first")
        written = generate_feedback(args.course_dir, args.assignment, args.student, args.quiet)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"feedback: {len(written)} page(s) in {args.course_dir / 'feedback'}", file=sys.stderr)
    return EXIT_OK
