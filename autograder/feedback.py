"""Per-trainee HTML feedback a trainee wants to read: their own notebook, each question's score and what its check
found, the trainer's comments; never hidden tests, never a check's code.

nbgrader's own feedback is the autograded notebook, which contains the hidden tests nbgrader injected. This job
writes its own page per notebook (``<course>/feedback/<trainee>/<assignment>/<notebook>.html``, where nbgrader's
``release_feedback`` finds it) from three sources:

* the trainee's SUBMITTED notebook, with their own outputs (run in their own kernel, where no hidden test ever
  was), rendered by nbconvert's HTML exporter with the course template ``templates/feedback``: markdown, tables and
  figures render; maths become MathML (``latex2mathml``), so the page has no script and loads nothing;
* the gradebook: each graded cell's score (written answers not graded yet are *awaiting your trainer*) and the
  trainer's comment;
* the result record ``.autograder/results/<a>/<trainee>.json``: each check's status and plain-words message
  (``checks``, or derived from the per-cell errors of a record without it). A message that is a literal of the
  hidden test code is replaced by "a hidden test failed"; ``[feedback.<a>] check_messages = false`` in
  grading.toml withholds the messages of failed hidden checks for that assignment.

Each check cell is replaced by a box coloured by its result: green full marks, orange part, red none, grey pending.
Any hidden-test text in an output is masked all the same.
"""

from __future__ import annotations

import argparse
import html
import io
import re
import sys
import tokenize
from dataclasses import dataclass
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
    language,
    notebook_language,
    question_label,
)
from autograder.course import has_gradebook
from clusterkit.grading import N_
from clusterkit.i18n import get_language, gettext_

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
HIDDEN_BLOCK = re.compile(r"### BEGIN HIDDEN TESTS\n?(.*?)### END HIDDEN TESTS", re.S)
MAX_OUTPUT_CHARS = 6000
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


TEMPLATES = Path(__file__).resolve().parent / "templates"
PASS, PARTIAL, FAIL, PENDING = "pass", "partial", "fail", "pending"
HIDDEN_FAILED = N_("a hidden test failed")
HIDDEN_WITHHELD = N_("Your answer has the right form, but its values are not right yet.")
# exceptions whose message is written for the trainee (clusterkit.grading's WrongAnswer/Unanswered, plain asserts)
PLAIN_WORDS = ("WrongAnswer", "Unanswered", "AssertionError", "NotImplementedError", "NotExecutedError")
MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$\w])\$(?=\S)([^$\n]+?)(?<=\S)\$(?![\w$])", re.S)
CODE_SPAN = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def is_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def check_results(record: dict, notebook: str) -> dict[str, dict]:
    """Per check (grade_id): ``{"score", "max", "status", "message"}``.

    Read from the result record's ``checks`` (written by autograde), else derived from the record's per-cell
    entries (``{"executed", "error": "Name: message", "auto_score", "max_score"}``). Status is one of ``pass``,
    ``fail``, ``error``, ``not_run``, ``unanswered``; the message is the check's own words, never code.
    """
    checks = record.get("checks")
    if isinstance(checks, dict) and checks:
        return {str(k): dict(v) for k, v in checks.items()}
    out: dict[str, dict] = {}
    for gid, cell in record.get("notebooks", {}).get(notebook, {}).get("cells", {}).items():
        error = str(cell.get("error") or "")
        ename, _, evalue = error.partition(": ")
        if ename == "NotExecutedError" or not cell.get("executed", True):
            status = "not_run"
            message = gettext_("This check did not run: {why}.").format(
                why=evalue or gettext_("the notebook stopped before it")
            )
        elif not error:
            status, message = "pass", ""
        elif ename in ("Unanswered", "NotImplementedError"):
            status = "unanswered"
            message = evalue or gettext_(
                "There is no answer yet: the answer still raises NotImplementedError."
            )
        elif ename in PLAIN_WORDS:
            status, message = "fail", evalue
        else:
            status = "error"
            message = gettext_("The check stopped with an error: {error}").format(error=f"{ename}: {evalue}")
        out[gid] = {
            "score": cell.get("auto_score"),
            "max": cell.get("max_score"),
            "status": status,
            "message": message,
        }
    return out


def result_class(score, max_score, pending: bool = False) -> str:
    """Colour class of a question: pending (grey), pass (full marks, green), partial (orange), fail (red)."""
    if pending or score is None:
        return PENDING
    if max_score and float(score) >= float(max_score) - 1e-9:
        return PASS
    return PARTIAL if float(score) > 0 else FAIL


def math_to_mathml(markdown: str) -> str:
    """Replace ``$...$`` and ``$$...$$`` outside code spans by MathML (rendered by the browser, no script)."""
    from latex2mathml.converter import convert

    def repl(m: re.Match) -> str:
        tex, block = (m.group(1), True) if m.group(1) is not None else (m.group(2), False)
        try:
            mathml = convert(tex.strip(), display="block" if block else "inline").replace("\n", " ")
        except Exception:  # noqa: BLE001 - a formula latex2mathml cannot read stays as source
            return m.group(0)
        return f'\n\n<div class="math">{mathml}</div>\n\n' if block else mathml

    parts = CODE_SPAN.split(markdown)
    for i in range(0, len(parts), 2):
        parts[i] = MATH.sub(repl, parts[i])
    return "".join(parts)


def _clean_outputs(cell, fragments: list[str]) -> None:
    """Trainee outputs for the page: ANSI codes removed, long texts clipped, hidden-test text masked."""
    kept = []
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            out["text"] = scrub(_clip(str(out.get("text", ""))), fragments)
        elif kind == "error":
            out["traceback"] = [
                scrub(_clip(ANSI.sub("", str(t))), fragments) for t in out.get("traceback", [])
            ]
            out["evalue"] = scrub(str(out.get("evalue", "")), fragments)
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            data.pop(WIDGET_VIEW, None)  # no widget state on a static page: the text fallback is shown
            for mime in ("text/plain", "text/html", "text/markdown", "text/latex"):
                if mime in data:
                    text = data[mime]
                    data[mime] = scrub(
                        _clip("".join(text) if isinstance(text, list) else str(text)), fragments
                    )
            if not data:
                continue
        kept.append(out)
    cell["outputs"] = kept


def _box(cls: str, title: str, message: str = "", comment: str = "") -> str:
    parts = [f'<div class="fb-box fb-{cls}"><div class="fb-title">{title}</div>']
    if message:
        parts.append(f'<div class="fb-message">{html.escape(message)}</div>')
    if comment:
        parts.append(
            '<div class="fb-comment"><b>' + gettext_("Your trainer:") + f"</b> {html.escape(comment)}</div>"
        )
    return "".join(parts) + "</div>"


def _raw_html(text: str):
    import nbformat

    return nbformat.v4.new_raw_cell(text, metadata={"format": "text/html", "raw_mimetype": "text/html"})


def _points(x) -> str:
    return _fmt(x) if x is not None else "—"


@dataclass
class Question:
    """One graded cell of a notebook as the trainee's page shows it."""

    grade_id: str
    label: str
    score: float | None
    max_score: float
    pending: bool
    written: bool
    comment: str = ""
    message: str = ""

    @property
    def cls(self) -> str:
        return result_class(self.score, self.max_score, self.pending)

    def box(self) -> str:
        if self.pending:
            title = gettext_("{label}: awaiting your trainer ({points} points)").format(
                label=html.escape(self.label), points=_fmt(self.max_score)
            )
        else:
            title = f"{html.escape(self.label)}: {_points(self.score)} / {_fmt(self.max_score)}"
        return _box(
            self.cls, title, "" if self.cls == PASS and not self.written else self.message, self.comment
        )


def build_page(
    submitted,
    questions: dict[str, Question],
    fragments: list[str],
    header: str,
    title: str,
) -> str:
    """The feedback page: the trainee's submitted notebook (their own outputs) through nbconvert's HTML exporter
    with the course template; each check cell replaced by its result box, each graded answer followed by its
    score, status and the trainer's comment."""
    import copy

    import nbformat
    from nbconvert import HTMLExporter

    nb = copy.deepcopy(submitted)
    nb.metadata.pop("widgets", None)
    cells, shown = [], set()
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        q = questions.get(gid) if gid else None
        if is_test_cell(cell):
            if q is not None:
                cells.append(_raw_html(q.box()))
                shown.add(gid)
            continue
        if cell.cell_type == "raw":
            continue
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("nbgrader",)}
        if cell.cell_type == "markdown":
            cell.source = math_to_mathml(scrub(cell.source, fragments))
        elif cell.cell_type == "code":
            cell.source = scrub(_clip(cell.source), fragments)
            _clean_outputs(cell, fragments)
        cells.append(cell)
        if q is not None and (q.written or q.comment):
            cells.append(_raw_html(q.box()))
            shown.add(gid)
    missing = [q for gid, q in questions.items() if gid not in shown and (q.max_score or q.comment)]
    if missing:
        cells.append(
            nbformat.v4.new_markdown_cell("## " + gettext_("Checks of cells missing from your notebook"))
        )
        cells.extend(_raw_html(q.box()) for q in missing)
    nb.cells = cells
    nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name="feedback",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code=get_language(),
    )
    body, _ = exporter.from_notebook_node(nb, resources={"feedback_header": header})
    return body


def render_header(
    student: str, assignment: str, notebook: str, questions: list[Question], summary: dict, notes: list[str]
) -> str:
    graded = [q for q in questions if not q.pending]
    pending = [q for q in questions if q.pending]
    score = sum(float(q.score or 0) for q in graded) - float(summary.get("penalty") or 0)
    graded_max = sum(float(q.max_score) for q in graded)
    total_max = sum(float(q.max_score) for q in questions)
    if pending:
        total = gettext_(
            "Score so far: <b>{score} / {graded_max}</b> for what has been graded. "
            "{n} written answer(s) worth {waiting} points are awaiting your "
            "trainer; the full score is out of {total_max}."
        ).format(
            score=_fmt(score),
            graded_max=_fmt(graded_max),
            n=len(pending),
            waiting=_fmt(total_max - graded_max),
            total_max=_fmt(total_max),
        )
    else:
        total = gettext_("Score: <b>{score} / {total_max}</b>").format(
            score=_fmt(score), total_max=_fmt(total_max)
        )
    if summary.get("penalty"):
        total += gettext_(" (late penalty {penalty} included)").format(penalty=_fmt(summary["penalty"]))
    rows = "".join(
        f"<tr><td>{html.escape(q.label)}</td><td><span class='fb-badge fb-{q.cls}'>"
        + (gettext_("awaiting your trainer") if q.pending else f"{_points(q.score)} / {_fmt(q.max_score)}")
        + "</span></td></tr>"
        for q in questions
        if q.max_score
    )
    notes_html = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return (
        "<header class='fb-header'><h1>"
        + gettext_("Feedback: {notebook}").format(notebook=html.escape(notebook))
        + "</h1><p>"
        + gettext_("Trainee: <b>{student}</b> · assignment {assignment}").format(
            student=html.escape(student), assignment=html.escape(assignment)
        )
        + f"</p><p class='fb-total'>{total}</p>"
        + (f"<ul class='fb-notes'>{notes_html}</ul>" if notes else "")
        + "<table class='fb-summary'><tr><th>"
        + gettext_("question")
        + "</th><th>"
        + gettext_("score")
        + "</th></tr>"
        + f"{rows}</table><p>"
        + gettext_(
            "Each check below says what it found. Green: full marks; orange: part of the marks; red: no marks; "
            "grey: not graded yet."
        )
        + "</p></header>"
    )


def _fmt(x) -> str:
    """A score as the page's language writes it: 1.5 in English, 1,5 in Turkish."""
    if x is None:
        return "—"
    text = f"{float(x):g}"
    return text.replace(".", ",") if get_language() == "tr" else text


def _message(
    check: dict, fragments: list[str], hidden_text: str, show_hidden: bool, hidden_cell: bool
) -> str:
    status, message = check.get("status"), str(check.get("message") or "")
    if status == "pass":
        return ""
    message = ANSI.sub("", message).strip()
    if message and message in hidden_text:  # a literal of the hidden test code itself
        return gettext_(HIDDEN_FAILED)
    if hidden_cell and not show_hidden and status in ("fail", "error"):
        return gettext_(HIDDEN_WITHHELD)
    return scrub(message, fragments)


# why a notebook's execution stopped (result record's status), in words
STOPPED = {
    "dead_kernel": N_("dead kernel"),
    "notebook_timeout": N_("notebook timeout"),
    "executor_failed": N_("executor failed"),
}
QUESTION_HEADING = re.compile(
    r"^#{1,6}\s+(?P<code>[QW]\d+)\s+[—–-]+\s+(?P<title>.+?)(?:\s+\([^()]*\))?\s*$", re.M
)


def heading_labels(source_nb) -> dict[str, str]:
    """grade_id -> "Q1 — <the question's heading>" from the notebook's own headings (``## Q1 — Title (2 points)``),
    for the pages of a translated notebook, whose grade ids stay English."""
    titles = {}
    for cell in source_nb.cells:
        if cell.cell_type == "markdown":
            for m in QUESTION_HEADING.finditer(cell.source):
                titles.setdefault(m.group("code").lower(), f"{m.group('code')} — {m.group('title')}")
    out = {}
    for cell in source_nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid:
            code = re.sub(r"^(check|test)_", "", gid).split("_")[0]
            if code in titles:
                out[gid] = titles[code]
    return out


def generate_feedback(
    course_dir: Path,
    assignments: list[str] | None = None,
    students: list[str] | None = None,
    quiet: bool = False,
) -> list[Path]:
    """Write ``<course>/feedback/<trainee>/<assignment>/<notebook>.html`` for every graded submission."""
    import nbformat
    from nbgrader.api import Gradebook, MissingEntry

    from autograder.autograde import result_path
    from autograder.common import assignments_of, load_settings, read_json
    from autograder.course import db_url

    settings = load_settings(course_dir)
    assignments = assignments or assignments_of(course_dir)
    cache: dict[str, tuple] = {}
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
                submitted_path = course_dir / "submitted" / student / a / f"{snb.name}.ipynb"
                if not submitted_path.exists():
                    continue
                key = f"{a}/{snb.name}"
                if key not in cache:
                    src = nbformat.read(course_dir / "source" / a / f"{snb.name}.ipynb", as_version=4)
                    rel = nbformat.read(course_dir / "release" / a / f"{snb.name}.ipynb", as_version=4)
                    hidden_cells = {
                        c.metadata.get("nbgrader", {}).get("grade_id")
                        for c in src.cells
                        if c.cell_type == "code" and HIDDEN_BLOCK.search(c.source)
                    }
                    hidden_text = "\n".join(
                        b for c in src.cells if c.cell_type == "code" for b in HIDDEN_BLOCK.findall(c.source)
                    )
                    written_ids = {
                        c.metadata["nbgrader"]["grade_id"]
                        for c in rel.cells
                        if c.metadata.get("nbgrader", {}).get("solution")
                        and c.metadata["nbgrader"].get("grade")
                    }
                    order = {
                        c.metadata.get("nbgrader", {}).get("grade_id"): i for i, c in enumerate(rel.cells)
                    }
                    lang = notebook_language(src)
                    labels = heading_labels(src) if lang != "en" else {}
                    cache[key] = (
                        hidden_fragments(src, rel),
                        hidden_text,
                        hidden_cells,
                        written_ids,
                        order,
                        lang,
                        labels,
                    )
                fragments, hidden_text, hidden_cells, written_ids, order, lang, labels = cache[key]
                with language(lang):
                    written.append(
                        _write_page(
                            course_dir,
                            student,
                            a,
                            snb,
                            submitted_path,
                            record,
                            settings,
                            (fragments, hidden_text, hidden_cells, written_ids, order, labels),
                        )
                    )
            progress.step(f"{student}/{a}")
    return written


def _write_page(course_dir, student, a, snb, submitted_path, record, settings, info_from_source) -> Path:
    """Write one notebook's feedback page (in the current language); return its path."""
    import nbformat

    fragments, hidden_text, hidden_cells, written_ids, order, labels = info_from_source
    submitted = nbformat.read(submitted_path, as_version=4)
    checks = check_results(record, snb.name)
    show_hidden = settings.check_messages.get(a, True)
    comments = {c.name: (c.manual_comment or "").strip() for c in snb.comments}
    questions: dict[str, Question] = {}
    for g in sorted(snb.grades, key=lambda g: order.get(g.name, len(order))):
        check = checks.get(g.name, {})
        questions[g.name] = Question(
            grade_id=g.name,
            label=labels.get(g.name) or question_label(g.name),
            score=g.score,
            max_score=float(g.max_score or 0),
            pending=bool(g.needs_manual_grade),
            written=g.name in written_ids,
            comment=comments.get(g.name, ""),
            message=_message(check, fragments, hidden_text, show_hidden, g.name in hidden_cells)
            if check
            else "",
        )
    for name, text in comments.items():  # comments on ungraded cells (e.g. a code answer)
        if text and name not in questions:
            label = labels.get(name) or question_label(name)
            questions[name] = Question(name, label, None, 0.0, False, False, text)
    penalty = snb.late_submission_penalty or 0
    info = record.get("notebooks", {}).get(snb.name, {})
    notes = []
    if info.get("status") not in (None, "ok"):
        notes.append(
            gettext_("Execution stopped: {why}. Checks that did not run score 0.").format(
                why=gettext_(STOPPED.get(info.get("status", ""), info.get("status", "").replace("_", " ")))
            )
        )
    if info.get("deleted_tests") or info.get("edited_tests") or record.get("tampered"):
        notes.append(gettext_("Check cells you deleted or edited were restored before grading."))
    header = render_header(student, a, snb.name, list(questions.values()), {"penalty": penalty}, notes)
    page = build_page(
        submitted, questions, fragments, header, gettext_("Feedback {assignment}").format(assignment=a)
    )
    out = course_dir / "feedback" / student / a / f"{snb.name}.html"
    atomic_write_text(out, page)
    return out


def run(args: argparse.Namespace) -> int:
    try:
        if not has_gradebook(args.course_dir):
            raise UsageError(f"no gradebook in {args.course_dir}: run import and autograde first")
        written = generate_feedback(args.course_dir, args.assignment, args.student, args.quiet)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"feedback: {len(written)} page(s) in {args.course_dir / 'feedback'}", file=sys.stderr)
    return EXIT_OK
