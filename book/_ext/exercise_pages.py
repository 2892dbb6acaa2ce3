"""Sphinx extension: one book page per exercise, generated from the STUDENT RELEASE (never the source).

Before Sphinx looks for documents (``config-inited``), every assignment in ``exercises/release/<assignment>/``
(made by ``python -m autograder release --all``, which ``make book`` runs first) becomes
``book/exercises/generated/<assignment>.md``: the student-facing text of its notebooks, the graded parts and
their points, a download of the student notebook(s) (copied to ``book/exercises/generated/files/``) and how to
submit. ``_toc.yml`` picks the pages up with a glob, so a new assignment needs no toc edit. The generated folder
is git-ignored. Files are rewritten only when their content changes, so an unchanged rebuild stays incremental.

In a translated edition of the book (``language`` ``tr``: book/_ext/editions.py) the pages come from that
language's releases, ``exercises/release/<assignment>-tr/`` (the Turkish assignments, same grade_ids and
points), under the SAME docnames as the English pages, so the language switch leads from page to page; the
page's own words (headings, how to submit) come from ``locales/<language>/LC_MESSAGES/_ext/exercise_pages.po``.
A translated build fails, naming them, when an assignment has no release in its language. The English pages
leave the translated releases out.

Run by hand with ``python book/_ext/exercise_pages.py [repo_root [language]]``.
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
#: the page's own words in another language (msgid -> msgstr; Babel reads the .po, nothing is compiled)
CATALOGUE = "locales/{language}/LC_MESSAGES/_ext/exercise_pages.po"
#: the suffix of a translated assignment's name (interface: ``<NAME>-tr`` is ``<NAME>`` in Turkish)
TRANSLATED_SUFFIX = "-{language}"


class NoReleaseError(RuntimeError):
    """The student release the exercise pages are built from is missing."""


def _(message: str) -> str:
    """Marks the page's own words for the catalogue (the extractor looks for ``_("…")``); :func:`render_page`
    translates them with the language's catalogue."""
    return message


def page_catalogue(root: Path, language: str) -> dict[str, str]:
    """The page's own words in ``language`` (English: none), read from the language's ``.po`` file.

    Raises:
        NoReleaseError: when the catalogue is missing.
    """
    if language == "en":
        return {}
    from babel.messages.pofile import read_po

    path = root / CATALOGUE.format(language=language)
    if not path.is_file():
        raise NoReleaseError(f"the {language} exercise pages' own words are missing: {path}")
    with path.open("rb") as fh:
        catalog = read_po(fh)
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


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


def _count(n: float, one: str, many: str, tr: dict[str, str]) -> str:
    return tr.get(one if n == 1 else many, one if n == 1 else many).format(n=f"{n:g}")


def _write_if_changed(path: Path, data: bytes) -> None:
    if path.exists() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def render_page(
    assignment: str,
    notebooks: list[tuple[Path, dict[str, Any]]],
    downloads: list[str],
    tr: dict[str, str] | None = None,
    label: str | None = None,
) -> str:
    """The MyST page of one assignment (``notebooks``: release path and parsed notebook, in order); ``tr``: the
    page's own words in the page's language (:func:`page_catalogue`; empty: English); ``label``: the page's
    target name (the English assignment's name, the same in every language; default ``assignment``)."""
    tr = tr or {}

    def t(message: str, **fields: Any) -> str:
        return tr.get(message, message).format(**fields)

    title = _title(notebooks, assignment)
    total = sum(p for _, nb in notebooks for _, p in _graded_parts(nb))
    n_parts = sum(len(_graded_parts(nb)) for _, nb in notebooks)
    files = ", ".join(f"`{p.name}`" for p, _ in notebooks)
    lines = [
        f"(exercise-{label or assignment})=",
        f"# {title}",
        "",
        t(
            _("Assignment **`{assignment}`**: {notebooks}, {parts}, {points} in total."),
            assignment=assignment,
            notebooks=_count(len(notebooks), _("{n} notebook"), _("{n} notebooks"), tr),
            parts=_count(n_parts, _("{n} graded part"), _("{n} graded parts"), tr),
            points=_count(total, _("{n} point"), _("{n} points"), tr),
        ),
        "",
        "## " + t(_("Download")),
        "",
    ]
    lines += [f"- {{download}}`{name} <{target}>`" for name, target in downloads]
    lines += [
        "",
        t(
            _(
                "Open the notebook in JupyterLab (`make lab` on your own machine, or the course JupyterHub), work "
                "through it from top to bottom and run the checks in it as you go. Without the course's "
                "JupyterLab, take the course pack: unzip it and follow its `README.txt` (install the `clusterkit` "
                "wheel, which carries the case data, with pip; start JupyterLab; open the notebook)."
            )
        ),
        "",
        "## " + t(_("How to submit")),
        "",
        "1. "
        + t(
            _(
                "Keep the file name {files} and the folder name `{folder}`; do not delete, copy or reorder the "
                "graded cells."
            )
            if len(notebooks) == 1
            else _(
                "Keep the file names {files} and the folder name `{folder}`; do not delete, copy or reorder "
                "the graded cells."
            ),
            files=files,
            folder=notebooks[0][0].parent.name,
        ),
        "2. "
        + t(
            _(
                "Restart the kernel and run all cells (*Kernel → Restart Kernel and Run All Cells*), then save."
            )
        ),
        "3. "
        + t(
            _(
                "Hand the notebook in: in the course's JupyterLab (`make lab`, or the course JupyterHub) open "
                "*Nbgrader ▸ Assignment List* and press *Submit*; otherwise send the saved `.ipynb` to your "
                "trainer as they tell you."
            )
        ),
        "",
        t(
            _(
                "The trainer grades it automatically, then reads the written answers; see {{doc}}`the exercises "
                "overview <{doc}>` for the whole cycle."
            ),
            doc=HOW_TO_SUBMIT_DOC,
        ),
        "",
    ]
    for path, nb in notebooks:
        lines += ["## " + t(_("What the notebook asks")) if len(notebooks) == 1 else f"## `{path.name}`", ""]
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
                body += (
                    "\n\n*("
                    + t(_("{points} point(s), answered in the notebook"), points=f"{float(meta['points']):g}")
                    + ")*"
                )
            lines += [body, ""]
    return "\n".join(lines).rstrip() + "\n"


def releases(root: Path, language: str = "en") -> dict[str, Path]:
    """Page name -> release folder of each assignment, in ``language`` (English: the untranslated releases).

    Raises:
        NoReleaseError: when there is no release, or an assignment has none in ``language``.
    """
    release = root / RELEASE
    found = (
        {d.name: d for d in sorted(release.iterdir()) if d.is_dir() and any(d.glob("*.ipynb"))}
        if release.is_dir()
        else {}
    )
    suffixes = tuple(TRANSLATED_SUFFIX.format(language=lang) for lang in TRANSLATED_LANGUAGES)
    english = {name: d for name, d in found.items() if not name.endswith(suffixes)}
    if not english:
        raise NoReleaseError(
            f"no student release found in {release} (expected {RELEASE}/<assignment>/*.ipynb): the exercise pages "
            "are built from it. Run `make release` (python -m autograder release --all) before building the book."
        )
    if language == "en":
        return english
    suffix = TRANSLATED_SUFFIX.format(language=language)
    missing = sorted(name for name in english if name + suffix not in found)
    if missing:
        raise NoReleaseError(
            f"the {language} book's exercise pages are built from the {language} releases, and these are missing: "
            + ", ".join(f"{RELEASE}/{name}{suffix}/" for name in missing)
            + f". Run `make release` (it releases the generated `<assignment>{suffix}` notebooks of "
            "exercises/source, made by exercises/authoring/build.py)."
        )
    return {name: found[name + suffix] for name in english}


#: the languages whose assignments are releases of their own (``<NAME>-tr``)
TRANSLATED_LANGUAGES = ("tr",)


def generate(root: Path, language: str = "en") -> list[Path]:
    """Write the exercise pages for every assignment of ``root/exercises/release`` in ``language``; return them."""
    release = root / RELEASE
    tr = page_catalogue(root, language)
    gen, files = root / GENERATED, root / FILES
    pages, keep = [], set()
    for page_name, adir in releases(root, language).items():
        name = adir.name
        notebooks = [(p, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(adir.glob("*.ipynb"))]
        downloads = []
        for path, _nb in notebooks:
            target = files / name / path.name
            _write_if_changed(target, path.read_bytes())
            downloads.append(
                (tr.get(_("{file} (student notebook)"), "{file} (student notebook)").format(file=path.name),
                 f"files/{name}/{path.name}")
            )  # fmt: skip
            keep.add(target)
        pack = release / "coursepack" / f"{name}.zip"  # made by `make coursepack` (autograder/coursepack.py)
        if pack.is_file():
            target = files / name / f"{name}-course-pack.zip"
            _write_if_changed(target, pack.read_bytes())
            what = _(
                "{file} (course pack: the notebook, the clusterkit package with the case data, "
                "and README.txt on how to install it)"
            )
            downloads.append((tr.get(what, what).format(file=target.name), f"files/{name}/{target.name}"))
            keep.add(target)
        page = gen / f"{page_name}.md"
        _write_if_changed(page, render_page(name, notebooks, downloads, tr, label=page_name).encode("utf-8"))
        pages.append(page)
        keep.add(page)
    for stale in sorted(gen.rglob("*"), reverse=True):  # assignments withdrawn from the release
        if stale.is_file() and stale not in keep:
            stale.unlink()
        elif stale.is_dir() and not any(stale.iterdir()):
            shutil.rmtree(stale)
    return pages


def _on_config_inited(app: Any, config: Any) -> None:
    from language_switch import language_of
    from sphinx.errors import ExtensionError

    try:
        generate(Path(app.srcdir), language_of(config))
    except NoReleaseError as err:
        raise ExtensionError(str(err)) from None


def setup(app: Any) -> dict[str, Any]:
    # before sphinx_external_toc (priority 500) resolves the toc's glob against the documents found
    app.connect("config-inited", _on_config_inited, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    args = sys.argv[1:]
    for page in generate(Path(args[0] if args else ".").resolve(), args[1] if len(args) > 1 else "en"):
        print(page)
