"""Sphinx extension: one book page per exercise, generated from the STUDENT RELEASE (never the source).

Before Sphinx looks for documents (``config-inited``), every assignment in ``exercises/release/<assignment>/``
(made by ``python -m autograder release --all``, which ``make book`` runs first) becomes
``book/exercises/generated/<assignment>.md``: the student-facing text of its notebooks, the graded parts and
their points, a download of the student notebook(s) (copied to ``book/exercises/generated/files/``) and how to
submit. ``_toc.yml`` picks the pages up with a glob, so a new assignment needs no toc edit. The generated folder
is git-ignored. Files are rewritten only when their content changes, so an unchanged rebuild stays incremental.

Run by hand with ``python book/_ext/exercise_pages.py [repo_root]``.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

RELEASE = Path("exercises/release")
GENERATED = Path("book/exercises/generated")
FILES = GENERATED / "files"
HOW_TO_SUBMIT_DOC = "/book/exercises/index"


class NoReleaseError(RuntimeError):
    """The student release the exercise pages are built from is missing."""


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def normalise_headings(markdown: str, top: int, state: dict[str, int]) -> str:
    """Shift the headings of ``markdown`` one level down (a notebook's ``##`` becomes ``###`` under the page's own
    ``##`` section), none above level ``top`` and none skipping a level.

    ``state["level"]`` carries the last emitted level across cells (MyST warns on jumps, and ``-W`` fails on
    warnings). Lines inside fenced code blocks are left alone.
    """
    out = []
    fence: str | None = None
    for line in markdown.splitlines():
        stripped = line.lstrip()
        m_fence = re.match(r"(`{3,}|~{3,})", stripped)
        if m_fence:
            if fence is None:
                fence = m_fence.group(1)[0] * len(m_fence.group(1))
            elif stripped.startswith(fence):
                fence = None
            out.append(line)
            continue
        m = re.match(r"^(#{1,6})\s+(.*)$", line) if fence is None else None
        if m:
            wanted = max(top, len(m.group(1)) + 1)
            level = min(wanted, state.get("level", top - 1) + 1, 6)
            state["level"] = level
            line = "#" * level + " " + m.group(2).rstrip("# ")
        out.append(line)
    return "\n".join(out)


def _title(notebooks: list[tuple[Path, dict[str, Any]]], assignment: str) -> str:
    for _, nb in notebooks:
        for cell in nb.get("cells", []):
            if cell.get("cell_type") == "markdown":
                m = re.search(r"^#\s+(.+?)\s*#*\s*$", _source(cell), re.MULTILINE)
                if m:
                    return m.group(1)
    return assignment.replace("-", " ").replace("_", " ").capitalize()


def _graded_parts(nb: dict[str, Any]) -> list[tuple[str, float]]:
    parts = []
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") or meta.get("task"):
            parts.append((str(meta.get("grade_id", "?")), float(meta.get("points", 0) or 0)))
    return parts


def _count(n: float, noun: str) -> str:
    return f"{n:g} {noun}" + ("" if n == 1 else "s")


def _write_if_changed(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def render_page(assignment: str, notebooks: list[tuple[Path, dict[str, Any]]], downloads: list[str]) -> str:
    """The MyST page of one assignment (``notebooks``: release path and parsed notebook, in order)."""
    title = _title(notebooks, assignment)
    total = sum(p for _, nb in notebooks for _, p in _graded_parts(nb))
    n_parts = sum(len(_graded_parts(nb)) for _, nb in notebooks)
    lines = [
        f"(exercise-{assignment})=",
        f"# {title}",
        "",
        f"Assignment **`{assignment}`**: {_count(len(notebooks), 'notebook')}, {_count(n_parts, 'graded part')}, "
        f"{_count(total, 'point')} in total.",
        "",
        "## Download",
        "",
    ]
    lines += [f"- {{download}}`{name} <{target}>`" for name, target in downloads]
    lines += [
        "",
        "Open the notebook in JupyterLab (`make lab` on your own machine, or the course JupyterHub), work "
        "through it from top to bottom and run the checks in it as you go. Without the course's JupyterLab, "
        "take the course pack: unzip it and follow its `README.txt` (install the `clusterkit` wheel, which "
        "carries the case data, with pip; start JupyterLab; open the notebook).",
        "",
        "## How to submit",
        "",
        f"1. Keep the file name{'s' if len(notebooks) > 1 else ''} "
        + ", ".join(f"`{p.name}`" for p, _ in notebooks)
        + " and the folder name "
        + f"`{assignment}`; do not delete, copy or reorder the graded cells.",
        "2. Restart the kernel and run all cells (*Kernel → Restart Kernel and Run All Cells*), then save.",
        "3. Hand the notebook in: in the course's JupyterLab (`make lab`, or the course JupyterHub) open "
        "*Nbgrader ▸ Assignment List* and press *Submit*; otherwise send the saved `.ipynb` to your trainer "
        "as they tell you.",
        "",
        f"The trainer grades it automatically, then reads the written answers; see {{doc}}`the exercises "
        f"overview <{HOW_TO_SUBMIT_DOC}>` for the whole cycle.",
        "",
    ]
    for path, nb in notebooks:
        lines += ["## What the notebook asks" if len(notebooks) == 1 else f"## `{path.name}`", ""]
        state = {"level": 2}
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.get("cell_type") != "markdown" or meta.get("solution"):
                continue
            text = _source(cell).strip()
            if not text:
                continue
            if re.match(r"^#\s+", text) and _title([(path, {"cells": [cell]})], "") == title:
                text = re.sub(r"^#\s+.*\n?", "", text, count=1).strip()  # the page title already says it
                if not text:
                    continue
            body = normalise_headings(text, 3, state)
            if meta.get("points"):
                body += f"\n\n*({float(meta['points']):g} point(s), answered in the notebook)*"
            lines += [body, ""]
    return "\n".join(lines).rstrip() + "\n"


def generate(root: Path) -> list[Path]:
    """Write the exercise pages for every assignment of ``root/exercises/release``; return the pages."""
    release = root / RELEASE
    assignments = (
        sorted(d for d in release.iterdir() if d.is_dir() and any(d.glob("*.ipynb")))
        if release.is_dir()
        else []
    )
    if not assignments:
        raise NoReleaseError(
            f"no student release found in {release} (expected {RELEASE}/<assignment>/*.ipynb): the exercise pages "
            "are built from it. Run `make release` (python -m autograder release --all) before building the book."
        )
    gen, files = root / GENERATED, root / FILES
    pages, keep = [], set()
    for adir in assignments:
        name = adir.name
        notebooks = [(p, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(adir.glob("*.ipynb"))]
        downloads = []
        for p, _ in notebooks:
            target = files / name / p.name
            _write_if_changed(target, p.read_bytes())
            downloads.append((f"{p.name} (student notebook)", f"files/{name}/{p.name}"))
            keep.add(target)
        pack = release / "coursepack" / f"{name}.zip"  # made by `make coursepack` (autograder/coursepack.py)
        if pack.is_file():
            target = files / name / f"{name}-course-pack.zip"
            _write_if_changed(target, pack.read_bytes())
            downloads.append(
                (
                    f"{target.name} (course pack: the notebook, the clusterkit package with the case data, "
                    "and README.txt on how to install it)",
                    f"files/{name}/{target.name}",
                )
            )
            keep.add(target)
        page = gen / f"{name}.md"
        _write_if_changed(page, render_page(name, notebooks, downloads).encode("utf-8"))
        pages.append(page)
        keep.add(page)
    for stale in sorted(gen.rglob("*"), reverse=True):  # assignments withdrawn from the release
        if stale.is_file() and stale not in keep:
            stale.unlink()
        elif stale.is_dir() and not any(stale.iterdir()):
            shutil.rmtree(stale)
    return pages


def _on_config_inited(app: Any, config: Any) -> None:
    from sphinx.errors import ExtensionError

    try:
        generate(Path(app.srcdir))
    except NoReleaseError as err:
        raise ExtensionError(str(err)) from None


def setup(app: Any) -> dict[str, Any]:
    # before sphinx_external_toc (priority 500) resolves the toc's glob against the documents found
    app.connect("config-inited", _on_config_inited, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    for page in generate(Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()):
        print(page)
