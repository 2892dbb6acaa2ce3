"""Trainer report (``<course>/report.html``): score distribution, question difficulty and discrimination, the
most common failure messages, and the submissions that need a human look.

Per question (each graded cell of each assignment), over the trainees who submitted that assignment:

* difficulty ``p = mean(score) / max_score`` (classical test theory's item facility: 1 = everybody right);
* discrimination: the corrected item-total correlation ``r(item, total - item)``, the Pearson correlation of the
  item score with the rest of the assignment's score (Nunnally & Bernstein, *Psychometric Theory*, 3rd ed.,
  1994, ch. 8; items below about 0.2 deserve a look). Undefined (shown "n/a") when either side is constant.

Plots are matplotlib PNGs embedded in the HTML, so the report is one self-contained file.
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
    read_json,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_course_arguments(parser)
    parser.add_argument("--output", "-o", type=Path, help="HTML path (default: <course-dir>/report.html)")


def item_scores(course_dir: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Scores per trainee (rows) and question ``assignment/notebook/grade_id`` (columns); max per question."""
    from nbgrader.api import Gradebook

    from autograder.common import assignments_of
    from autograder.course import db_url

    records, maxima = {}, {}
    with Gradebook(db_url(course_dir), COURSE_ID) as gb:
        for a in assignments_of(course_dir):
            try:
                subs = gb.assignment_submissions(a)
            except Exception:  # noqa: BLE001 - assignment not in the gradebook yet
                continue
            for sub in subs:
                for snb in sub.notebooks:
                    for g in snb.grades:
                        key = f"{a}/{snb.name}/{g.name}"
                        records.setdefault(sub.student.id, {})[key] = float(g.score or 0.0)
                        maxima[key] = float(g.max_score)
    frame = pd.DataFrame.from_dict(records, orient="index").sort_index()
    frame.index.name = "trainee"
    return frame.reindex(columns=sorted(maxima)), pd.Series(maxima, dtype=float).sort_index()


def item_statistics(scores: pd.DataFrame, maxima: pd.Series) -> pd.DataFrame:
    """Difficulty (mean/max) and corrected item-total correlation per question, within its assignment."""
    rows = []
    for col in scores.columns:
        assignment = col.split("/")[0]
        same = [c for c in scores.columns if c.split("/")[0] == assignment]
        sub = scores[same].dropna(how="all")
        item = sub[col].fillna(0.0)
        rest = sub.drop(columns=[col]).fillna(0.0).sum(axis=1)
        if len(item) > 2 and item.std() > 0 and rest.std() > 0:
            disc = float(np.corrcoef(item, rest)[0, 1])
        else:
            disc = float("nan")
        rows.append(
            {
                "question": col,
                "max_score": float(maxima[col]),
                "n": int(len(item)),
                "difficulty": float(item.mean() / maxima[col]) if maxima[col] else float("nan"),
                "discrimination": disc,
            }
        )
    return (
        pd.DataFrame(rows).set_index("question")
        if rows
        else pd.DataFrame(columns=["max_score", "n", "difficulty", "discrimination"])
    )


def failure_messages(course_dir: Path, top: int = 10) -> list[tuple[str, int]]:
    counts: Counter[str] = Counter()
    for path in sorted((course_dir / ".autograder" / "results").glob("*/*.json")):
        rec = read_json(path, {}) or {}
        for nb in rec.get("notebooks", {}).values():
            for gid, cell in nb.get("cells", {}).items():
                if cell.get("error"):
                    counts[f"{gid}: {cell['error'].splitlines()[0][:160]}"] += 1
    return counts.most_common(top)


def needs_a_look(course_dir: Path) -> list[tuple[str, str]]:
    from autograder.importer import manifest_flags

    out = []
    manifest = read_json(course_dir / "manifest.json", {}) or {}
    for flag in manifest_flags(manifest):
        who, _, what = flag.partition(": ")
        out.append((who, what))
    for path in sorted((course_dir / ".autograder" / "results").glob("*/*.json")):
        rec = read_json(path, {}) or {}
        for flag in rec.get("flags", []):
            out.append((f"{rec.get('student')}/{rec.get('assignment')}", flag))
    return sorted(set(out))


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return f'<img alt="plot" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def build_report(course_dir: Path, output: Path | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from autograder.export import grade_table

    assignments, rows, maxima = grade_table(course_dir)
    grades = pd.DataFrame(rows).set_index("trainee") if rows else pd.DataFrame()
    scores, item_max = item_scores(course_dir)
    stats = item_statistics(scores, item_max)
    parts = [f"<h1>Grading report</h1><p>{len(grades)} trainee(s), {len(assignments)} assignment(s).</p>"]

    if not grades.empty:
        fig, ax = plt.subplots(figsize=(7, 3.2))
        max_total = float(grades["max_total"].iloc[0]) or 1.0
        ax.hist(
            100 * grades["total"] / max_total, bins=np.linspace(0, 100, 11), color="#47a", edgecolor="white"
        )
        ax.set_xlabel("total score (% of maximum)")
        ax.set_ylabel("trainees")
        ax.set_title("Score distribution")
        parts.append("<h2>Score distribution</h2>" + _png(fig))
        summary = pd.DataFrame(
            {
                a: {"max": maxima[a], "mean": grades[a].mean(), "median": grades[a].median()}
                for a in assignments
            }
        ).T
        parts.append(summary.round(2).to_html(classes="t"))

    if not stats.empty:
        fig, axes = plt.subplots(1, 2, figsize=(10, max(2.5, 0.35 * len(stats) + 1)), sharey=True)
        labels = [q.split("/", 1)[1] if len(assignments) == 1 else q for q in stats.index]
        axes[0].barh(labels, stats["difficulty"], color="#4a7")
        axes[0].set_xlim(0, 1)
        axes[0].set_xlabel("difficulty (mean score / max)")
        axes[1].barh(labels, stats["discrimination"].fillna(0), color="#a74")
        axes[1].set_xlim(-1, 1)
        axes[1].axvline(0.2, color="grey", ls=":")
        axes[1].set_xlabel("discrimination (corrected item-total r)")
        axes[0].invert_yaxis()
        parts.append("<h2>Questions</h2>" + _png(fig))
        table = stats.copy()
        table["difficulty"] = table["difficulty"].round(2)
        table["discrimination"] = table["discrimination"].map(lambda v: "n/a" if pd.isna(v) else f"{v:.2f}")
        parts.append(table.to_html(classes="t"))

    fails = failure_messages(course_dir)
    parts.append("<h2>Most common failure messages</h2>")
    if fails:
        parts.append(
            "<table><tr><th>count</th><th>test: message</th></tr>"
            + "".join(f"<tr><td>{n}</td><td><code>{html.escape(m)}</code></td></tr>" for m, n in fails)
            + "</table>"
        )
    else:
        parts.append("<p>No test failed.</p>")

    look = needs_a_look(course_dir)
    parts.append(f"<h2>Needs a human look ({len(look)})</h2>")
    parts.append(
        "<table><tr><th>submission</th><th>why</th></tr>"
        + "".join(f"<tr><td>{html.escape(w)}</td><td>{html.escape(f)}</td></tr>" for w, f in look)
        + "</table>"
    )
    if not grades.empty:
        parts.append("<h2>Grades</h2>" + grades.to_html(classes="t"))
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Grading report</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .5em}"
        "</style></head><body>" + "\n".join(parts) + "</body></html>"
    )
    out = output or course_dir / "report.html"
    atomic_write_text(out, page)
    return out


def run(args: argparse.Namespace) -> int:
    try:
        if not (args.course_dir / "gradebook.db").exists():
            raise UsageError(f"no gradebook in {args.course_dir}: run import and autograde first")
        out = build_report(args.course_dir, args.output)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    look = needs_a_look(args.course_dir)
    print(f"report: {out}; {len(look)} item(s) need a human look", file=sys.stderr)
    return EXIT_OK
