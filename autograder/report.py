"""Trainer report: an overview page (``<course>/report.html``) and one page per graded assignment
(``<course>/report-<assignment>.html``). Only assignments with submissions appear.

The overview starts with the submissions that need a human look, then per assignment the number of submissions,
mean and median score and the points still awaiting manual grading, the distribution of total scores and the grade
table. Each assignment's page has, per question (each graded cell), over the trainees whose answer is graded
(answers awaiting manual grading count as *pending*, not as 0):

* **facility** ``p = mean(score) / max_score`` (classical test theory's item facility or "p-value": 1 = everybody
  got full marks, low = a hard question);
* **discrimination**: the corrected item-total correlation ``r(item, total - item)``, the Pearson correlation of the
  question's score with the rest of the assignment's score (Nunnally & Bernstein, *Psychometric Theory*, 3rd ed.,
  1994, ch. 8; below about 0.2 the question does not separate strong from weak trainees and deserves a look).
  Undefined ("n/a") when either side is constant or fewer than three answers are graded;

then every failure message (whole) with how many trainees got it, and for each submission the first error its own
code raised (a SyntaxError shows as itself, not as the NameError it caused further down).

Plots are matplotlib PNGs embedded in the HTML, so every page is one self-contained file.
"""

from __future__ import annotations

import argparse
import base64
import html
import io
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from autograder.common import (
    COURSE_ID,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    add_course_arguments,
    atomic_write_text,
    language,
    notebook_language,
    question_label,
    read_json,
)
from autograder.course import has_gradebook
from clusterkit.grading import N_
from clusterkit.i18n import get_language, gettext_

FACILITY_NOTE = N_(
    "Facility: the mean score as a share of the question's points (1 = everybody got full marks; low = hard)."
)
DISCRIMINATION_NOTE = N_(
    "Discrimination: how well the question separates strong from weak trainees: the correlation of its score "
    "with the rest of the assignment's score (below 0.2 deserves a look)."
)
CSS = """
body{font-family:system-ui,sans-serif;max-width:1180px;margin:1.5em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;max-width:100%}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top;overflow-wrap:anywhere}
td.num,th.num{text-align:right;white-space:nowrap}td:first-child{white-space:nowrap}
img{max-width:100%;height:auto}
.look{background:#fff8e1;border-left:5px solid #e65100;padding:.4em .9em}
.note{color:#555;margin:.2em 0}
.pending{color:#666;font-style:italic}
nav a{margin-right:1em}
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument(
        "--output", "-o", type=Path, help="overview HTML path (default: <course-dir>/report.html)"
    )


def item_scores(course_dir: Path) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame]:
    """Scores per trainee (rows) and question ``assignment/notebook/grade_id`` (columns), the max per question,
    and a same-shaped frame that is True where the answer awaits manual grading (its score is NaN)."""
    records: dict[str, dict] = {}
    pending: dict[str, dict] = {}
    maxima: dict[str, float] = {}
    for a, subs in _gradebook_submissions(course_dir):
        for sub in subs:
            for snb in sub.notebooks:
                for g in snb.grades:
                    key = f"{a}/{snb.name}/{g.name}"
                    waiting = bool(g.needs_manual_grade)
                    records.setdefault(sub.student.id, {})[key] = np.nan if waiting else float(g.score or 0.0)
                    pending.setdefault(sub.student.id, {})[key] = waiting
                    maxima[key] = float(g.max_score)
    cols = sorted(maxima)
    frame = pd.DataFrame.from_dict(records, orient="index").sort_index().reindex(columns=cols)
    frame.index.name = "trainee"
    waiting = pd.DataFrame.from_dict(pending, orient="index").sort_index().reindex(columns=cols)
    waiting = waiting.astype("boolean").fillna(False).astype(bool)
    return frame, pd.Series(maxima, dtype=float).reindex(cols), waiting


def item_statistics(
    scores: pd.DataFrame, maxima: pd.Series, pending: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Facility (mean/max) and corrected item-total correlation per question, within its assignment, over the
    graded answers; ``pending`` counts the answers awaiting manual grading (NaN in ``scores``)."""
    rows = []
    for col in scores.columns:
        assignment = col.split("/")[0]
        same = [c for c in scores.columns if c.split("/")[0] == assignment]
        submitted = scores[same].notna().any(axis=1) | (
            pending[same].any(axis=1) if pending is not None else False
        )
        sub = scores.loc[submitted, same]
        graded = sub[col].notna()
        item = sub.loc[graded, col]
        rest = sub.loc[graded].drop(columns=[col]).fillna(0.0).sum(axis=1)
        if len(item) > 2 and item.std() > 0 and rest.std() > 0:
            disc = float(np.corrcoef(item, rest)[0, 1])
        else:
            disc = float("nan")
        rows.append(
            {
                "question": col,
                "max_score": float(maxima[col]),
                "graded": int(graded.sum()),
                "pending": int((~graded).sum()),
                "facility": float(item.mean() / maxima[col]) if maxima[col] and len(item) else float("nan"),
                "discrimination": disc,
            }
        )
    columns = ["max_score", "graded", "pending", "facility", "discrimination"]
    return pd.DataFrame(rows).set_index("question") if rows else pd.DataFrame(columns=columns)


def failure_messages(course_dir: Path, assignment: str | None = None) -> list[tuple[str, str, int]]:
    """(question label, whole message, count) of failed checks, most common first."""
    from autograder.feedback import check_results

    counts: Counter[tuple[str, str]] = Counter()
    pattern = f"{assignment}/*.json" if assignment else "*/*.json"
    for path in sorted((course_dir / ".autograder" / "results").glob(pattern)):
        rec = read_json(path, {}) or {}
        for nb in rec.get("notebooks", {}):
            for gid, check in check_results(rec, nb).items():
                if check.get("status") not in ("pass", None) and check.get("message"):
                    counts[(question_label(gid), str(check["message"]).strip())] += 1
    return [(q, m, n) for (q, m), n in counts.most_common()]


def first_errors(course_dir: Path, assignment: str) -> list[tuple[str, str, str]]:
    """(trainee, cell, "Name: message") of the first error raised by each submission's own code (not a check)."""
    import nbformat

    from autograder.feedback import ANSI, is_test_cell

    out = []
    for path in sorted((course_dir / "autograded").glob(f"*/{assignment}/*.ipynb")):
        student = path.parts[-3]
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - an unreadable notebook is listed by the review flags
            continue
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or is_test_cell(cell):
                continue
            err = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
            if err is not None:
                where = cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {i + 1}"
                text = ANSI.sub("", f"{err.get('ename')}: {err.get('evalue')}")
                out.append((student, question_label(where), text))
                break
    return out


def needs_a_look(course_dir: Path) -> list[tuple[str, str]]:
    """(trainee/assignment, why) for everything a trainer should look at: import flags, autograde flags, and
    the notebooks whose written answers still await manual grading (read from the gradebook now, so answers
    graded in the formgrader since the autograde run are no longer listed)."""
    from autograder.importer import manifest_flags

    out = []
    manifest = read_json(course_dir / "manifest.json", {}) or {}
    for flag in manifest_flags(manifest):
        who, _, what = flag.partition(": ")
        out.append((who, what))
    waiting = _awaiting_manual_grading(course_dir)
    for path in sorted((course_dir / ".autograder" / "results").glob("*/*.json")):
        rec = read_json(path, {}) or {}
        for flag in rec.get("flags", []):
            if not flag.endswith(": needs manual grading"):
                out.append((f"{rec.get('student')}/{rec.get('assignment')}", flag))
    out += [(f"{s}/{a}", f"{nb}: needs manual grading") for s, a, nb in waiting]
    if has_gradebook(course_dir):
        from autograder.export import both_languages

        out += both_languages(course_dir)
    return sorted(set(out))


def _awaiting_manual_grading(course_dir: Path) -> list[tuple[str, str, str]]:
    """(trainee, assignment, notebook) whose notebook has an answer awaiting manual grading in the gradebook."""
    if not has_gradebook(course_dir):
        return []
    return [
        (s.student.id, a, nb.name)
        for a, subs in _gradebook_submissions(course_dir)
        for s in subs
        for nb in s.notebooks
        if nb.needs_manual_grade
    ]


def _gradebook_submissions(course_dir: Path):
    """(assignment, its submissions) for each assignment of the course that the gradebook holds (open while
    iterated)."""
    from nbgrader.api import Gradebook

    from autograder.common import assignments_of
    from autograder.course import db_url

    with Gradebook(db_url(course_dir), COURSE_ID) as gb:
        for a in assignments_of(course_dir):
            try:
                subs = gb.assignment_submissions(a)
            except Exception:  # noqa: BLE001 - assignment not in the gradebook yet
                continue
            yield a, subs


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def _table(header: list[str], rows: list[list], num: set[int] = frozenset()) -> str:
    def cell(tag: str, i: int, v) -> str:
        cls = ' class="num"' if i in num else ""
        return f"<{tag}{cls}>{html.escape(str(v))}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join("<tr>" + "".join(cell("td", i, v) for i, v in enumerate(r)) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _page(title: str, parts: list[str]) -> str:
    return (
        f"<!doctype html><html lang='{get_language()}'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{CSS}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>"
    )


def _look_section(look: list[tuple[str, str]]) -> str:
    if not look:
        return (
            "<h2>"
            + gettext_("Needs a human look ({n})").format(n=0)
            + "</h2><p>"
            + gettext_("Nothing: every submission was graded without a problem.")
            + "</p>"
        )
    return (
        "<div class='look'><h2>"
        + gettext_("Needs a human look ({n})").format(n=len(look))
        + "</h2>"
        + _table([gettext_("submission"), gettext_("why")], [list(x) for x in look])
        + "</div>"
    )


def _fmt(x: float) -> str:
    """A statistic with two decimals (decimal comma in Turkish); n/a when undefined."""
    if pd.isna(x):
        return gettext_("n/a")
    return f"{x:.2f}".replace(".", ",") if get_language() == "tr" else f"{x:.2f}"


def report_path(course_dir: Path, assignment: str, overview: Path | None = None) -> Path:
    return (overview.parent if overview else course_dir) / f"report-{assignment}.html"


def build_report(course_dir: Path, output: Path | None = None) -> Path:
    """Write the overview and one page per graded assignment; return the overview's path.

    An assignment's page is in the language of its notebooks (a Turkish assignment's page in Turkish, with its
    trainees' check messages as they read them); the overview is English unless every graded assignment is in one
    other language."""
    from autograder.export import grade_table

    assignments = grade_table(course_dir)[0]
    langs = {_assignment_language(course_dir, a) for a in assignments}
    with language(langs.pop() if len(langs) == 1 else "en"):
        return _build_report(course_dir, output)


def _build_report(course_dir: Path, output: Path | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from autograder.export import grade_table

    assignments, rows, maxima = grade_table(course_dir)
    grades = pd.DataFrame(rows).set_index("trainee") if rows else pd.DataFrame()
    scores, item_max, pending = item_scores(course_dir)
    look = needs_a_look(course_dir)
    overview = output or course_dir / "report.html"
    parts = [
        "<h1>" + gettext_("Grading report") + "</h1>",
        "<p>"
        + gettext_("{n} trainee(s). Graded assignments ({m}), each with its own page:").format(
            n=len(grades), m=len(assignments)
        )
        + " "
        + "".join(
            f"<a href='{html.escape(report_path(course_dir, a, overview).name)}'>{html.escape(a)}</a> "
            for a in assignments
        )
        + "</p>",
        _look_section(look),
    ]
    if not grades.empty and assignments:
        summary = []
        for a in assignments:
            submitted = [
                s
                for s in scores.index
                if scores.loc[s, [c for c in scores.columns if c.startswith(a + "/")]].notna().any()
                or pending.loc[s, [c for c in pending.columns if c.startswith(a + "/")]].any()
            ]
            waiting = int(pending[[c for c in pending.columns if c.startswith(a + "/")]].any(axis=1).sum())
            summary.append(
                [
                    a,
                    len(submitted),
                    f"{maxima[a]:g}",
                    f"{grades[a].mean():.2f}",
                    f"{grades[a].median():.2f}",
                    waiting,
                ]
            )
        parts.append("<h2>" + gettext_("Assignments") + "</h2>")
        parts.append(
            _table(
                [
                    gettext_("assignment"),
                    gettext_("submissions"),
                    gettext_("points"),
                    gettext_("mean"),
                    gettext_("median"),
                    gettext_("awaiting manual grading"),
                ],
                summary,
                {1, 2, 3, 4, 5},
            )
        )
        parts.append(
            "<p class='note'>"
            + gettext_(
                "Scores count written answers awaiting manual grading as 0 until they are graded in the "
                "formgrader (<code>make formgrader</code>); then run <code>make grade</code> again to rebuild "
                "feedback, grades and this report."
            )
            + "</p>"
        )
        fig, ax = plt.subplots(figsize=(7, 2.6))
        max_total = float(grades["max_total"].iloc[0]) or 1.0
        ax.hist(
            100 * grades["total"] / max_total, bins=np.linspace(0, 100, 11), color="#47a", edgecolor="white"
        )
        ax.set_xlabel(
            gettext_("total score (% of {points} points of the graded assignments)").format(
                points=f"{max_total:g}"
            )
        )
        ax.set_ylabel(gettext_("trainees"))
        ax.yaxis.get_major_locator().set_params(integer=True)
        parts.append("<h2>" + gettext_("Score distribution") + "</h2>" + _png(fig))
        table = grades.reset_index()
        parts.append("<h2>" + gettext_("Grades") + "</h2>")
        parts.append(
            _table(
                list(table.columns),
                [[f"{v:g}" if isinstance(v, float) else v for v in r] for r in table.itertuples(index=False)],
                set(range(1, len(table.columns))),
            )
        )
    atomic_write_text(overview, _page(gettext_("Grading report"), parts))
    for a in assignments:
        cols = [c for c in scores.columns if c.startswith(a + "/")]
        with language(_assignment_language(course_dir, a)):
            page = assignment_page(
                course_dir, a, scores[cols], item_max[cols], pending[cols], look, overview.name
            )
        atomic_write_text(report_path(course_dir, a, overview), page)
    return overview


def _assignment_language(course_dir: Path, assignment: str) -> str:
    """The language of an assignment's source notebook(s) (English when they disagree or are missing)."""
    import nbformat

    langs = {
        notebook_language(nbformat.read(p, as_version=4))
        for p in sorted((course_dir / "source" / assignment).glob("*.ipynb"))
    }
    return langs.pop() if len(langs) == 1 else "en"


def _labels(course_dir: Path, assignment: str) -> dict[str, str]:
    """grade_id -> label from the question headings of a translated assignment ({} for English)."""
    import nbformat

    from autograder.feedback import heading_labels

    if get_language() == "en":
        return {}
    out: dict[str, str] = {}
    for p in sorted((course_dir / "source" / assignment).glob("*.ipynb")):
        out.update(heading_labels(nbformat.read(p, as_version=4)))
    return out


def assignment_page(
    course_dir: Path,
    assignment: str,
    scores: pd.DataFrame,
    maxima: pd.Series,
    pending: pd.DataFrame,
    look: list[tuple[str, str]],
    overview_name: str,
) -> str:
    import matplotlib.pyplot as plt

    stats = item_statistics(scores, maxima, pending)
    mine = [x for x in look if x[0].split("/")[1:2] == [assignment] or x[0].endswith(f"/{assignment}")]
    named = _labels(course_dir, assignment)
    parts = [
        f"<nav><a href='{html.escape(overview_name)}'>" + gettext_("← overview") + "</a></nav>",
        f"<h1>{html.escape(assignment)}</h1>",
        _look_section(mine),
        "<h2>" + gettext_("Questions") + "</h2>",
        f"<p class='note'>{html.escape(gettext_(FACILITY_NOTE))}</p>"
        f"<p class='note'>{html.escape(gettext_(DISCRIMINATION_NOTE))}</p>",
    ]
    if not stats.empty:
        labels = [named.get(q.rsplit("/", 1)[1]) or question_label(q.rsplit("/", 1)[1]) for q in stats.index]
        parts.append(
            _table(
                [
                    gettext_("question"),
                    gettext_("points"),
                    gettext_("graded"),
                    gettext_("pending"),
                    gettext_("facility"),
                    gettext_("discrimination"),
                ],
                [
                    [
                        lab,
                        f"{r.max_score:g}",
                        r.graded,
                        r.pending or "",
                        _fmt(r.facility),
                        _fmt(r.discrimination),
                    ]
                    for lab, r in zip(labels, stats.itertuples(), strict=True)
                ],
                {1, 2, 3, 4, 5},
            )
        )
        fig, axes = plt.subplots(1, 2, figsize=(10, max(2.2, 0.3 * len(stats) + 1)), sharey=True)
        axes[0].barh(labels, stats["facility"].fillna(0), color="#4a7")
        axes[0].set_xlim(0, 1)
        axes[0].set_xlabel(gettext_("facility (mean score / points)"))
        axes[1].barh(labels, stats["discrimination"].fillna(0), color="#a74")
        axes[1].set_xlim(-1, 1)
        axes[1].axvline(0.2, color="grey", ls=":")
        axes[1].set_xlabel(gettext_("discrimination (corrected item-total r)"))
        axes[0].invert_yaxis()
        parts.append(_png(fig))
    fails = failure_messages(course_dir, assignment)
    parts.append("<h2>" + gettext_("Failure messages") + "</h2>")
    parts.append(
        _table(
            [gettext_("question"), gettext_("message"), gettext_("trainees")],
            [[named.get(_grade_id(q, named)) or q, m, n] for q, m, n in fails],
            {2},
        )
        if fails
        else "<p>" + gettext_("No check failed.") + "</p>"
    )
    errors = first_errors(course_dir, assignment)
    parts.append("<h2>" + gettext_("First error in each notebook") + "</h2>")
    parts.append(
        _table([gettext_("trainee"), gettext_("cell"), gettext_("error")], [list(e) for e in errors])
        if errors
        else "<p>" + gettext_("No notebook raised an error.") + "</p>"
    )
    return _page(gettext_("Grading report: {assignment}").format(assignment=assignment), parts)


def _grade_id(label: str, named: dict[str, str]) -> str:
    """The grade id whose English label is ``label`` (failure messages are counted under English labels)."""
    return next((gid for gid in named if question_label(gid) == label), "")


def run(args: argparse.Namespace) -> int:
    try:
        if not has_gradebook(args.course_dir):
            raise UsageError(f"no gradebook in {args.course_dir}: run import and autograde first")
        out = build_report(args.course_dir, args.output)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    look = needs_a_look(args.course_dir)
    print(f"report: {out}; {len(look)} item(s) need a human look", file=sys.stderr)
    return EXIT_OK
