"""The built book (``make book`` -> ``_build/html``): complete, offline, and free of answers.

These tests read the built site; they FAIL (never skip) when it is missing, because ``make test`` builds the book
before running them. ``BOOK_DIR=/path/to/a/copy`` points them at another checkout's build (``<dir>/_build/html``).
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import sys
import zipfile
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(os.environ.get("BOOK_DIR", Path(__file__).resolve().parents[1]))
HTML = ROOT / "_build" / "html"
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
TEXT_SUFFIXES = {
    ".html",
    ".js",
    ".css",
    ".txt",
    ".md",
    ".ipynb",
    ".json",
    ".py",
    ".csv",
    ".yml",
    ".yaml",
    ".svg",
}
MIN_SECRET = 16  # characters (whitespace-normalised): shorter lines such as `return df` say nothing

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
from offline import external_resources  # noqa: E402  (the same check the build runs)


def _norm(text: str) -> str:
    return " ".join(text.split())


def _cell_lines(nb_path: Path) -> list[tuple[str, str]]:
    """(cell_type, source) of a notebook's cells."""
    return _cell_lines_from_text(nb_path.read_text(encoding="utf-8"))


def _cell_lines_from_text(text: str) -> list[tuple[str, str]]:
    out = []
    for cell in json.loads(text).get("cells", []):
        src = cell.get("source", "")
        out.append((cell.get("cell_type", ""), "".join(src) if isinstance(src, list) else src))
    return out


def _plain(path: str, data: bytes) -> str:
    """What a reader (or a search engine) can read from one file of the site, whitespace-normalised."""
    text = data.decode("utf-8", errors="replace")
    if path.endswith(".html"):
        text = html.unescape(re.sub(r"<[^>]+>", " ", text)) + " " + text
    elif path.endswith(".ipynb"):
        try:
            text = "\n".join(src for _, src in _cell_lines_from_text(text)) + "\n" + text
        except ValueError:
            pass
    return _norm(text)


@cache
def published() -> dict[str, str]:
    """Every readable file of the built site (zip members included): relative path -> normalised text."""
    assert (HTML / "index.html").is_file(), (
        f"the book is not built ({HTML}/index.html missing): run `make book`"
    )
    texts = {}
    for path in sorted(HTML.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(HTML).as_posix()
        if path.suffix == ".zip":
            with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as zf:
                for member in zf.namelist():
                    if Path(member).suffix in TEXT_SUFFIXES:
                        texts[f"{rel}!{member}"] = _plain(member, zf.read(member))
        elif path.suffix in TEXT_SUFFIXES:
            texts[rel] = _plain(rel, path.read_bytes())
    return texts


@cache
def public_sources() -> str:
    """Text the course publishes on purpose (worked examples, prose, cases, student release)."""
    parts = []
    for pattern in ["book/**/*.md", "cases/*/case.md", "notebooks/*.ipynb", "exercises/release/**/*.ipynb"]:
        for path in ROOT.glob(pattern):
            if path.suffix == ".ipynb":
                parts += [src for _, src in _cell_lines(path)]
            else:
                parts.append(path.read_text(encoding="utf-8"))
    return _norm("\n".join(parts))


def _secret_lines() -> set[str]:
    """Solution and hidden-test lines of the exercise sources that the course does not publish anywhere else."""
    secrets: set[str] = set()
    for nb_path in sorted((ROOT / "exercises" / "source").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in nb_path.parts:
            continue
        for _, src in _cell_lines(nb_path):
            inside = False
            for line in src.splitlines():
                if any(m in line for m in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS")):
                    inside = True
                elif any(m in line for m in ("END SOLUTION", "END HIDDEN TESTS")):
                    inside = False
                elif inside and len(_norm(line)) >= MIN_SECRET:
                    secrets.add(_norm(line))
    public = public_sources()
    return {s for s in secrets if s not in public}


def _toc_files() -> tuple[list[str], list[str]]:
    """(files, globs) of _toc.yml, paths without suffix."""
    files, globs = [], []

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(str(node["file"]))
            if "glob" in node:
                globs.append(str(node["glob"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files.append(str(toc["root"]))
    walk(toc)
    return [re.sub(r"\.(md|ipynb)$", "", f) for f in files], globs


def test_every_toc_page_is_built():
    published()  # fails clearly when the site is missing
    files, globs = _toc_files()
    missing = [f for f in files if not (HTML / f"{f}.html").is_file()]
    assert not missing, f"pages in _toc.yml that were not built: {missing}"
    for pattern in globs:
        assert list(HTML.glob(f"{pattern}.html")), f"toc glob {pattern!r} produced no page"


def test_exercise_pages_come_from_the_student_release():
    release = ROOT / "exercises" / "release"
    assignments = sorted(d for d in release.iterdir() if d.is_dir() and any(d.glob("*.ipynb")))
    assert assignments, "no student release: `make book` runs `make release` first"
    for adir in assignments:
        # a Turkish assignment <NAME>-tr has its page in the Turkish book, under the English page's name
        site = HTML / "tr" if adir.name.endswith("-tr") else HTML
        downloads = {p.read_bytes() for p in (site / "_downloads").rglob("*.ipynb")}
        page = site / "book" / "exercises" / "generated" / f"{adir.name.removesuffix('-tr')}.html"
        assert page.is_file(), f"no exercise page for assignment {adir.name}"
        for nb in adir.glob("*.ipynb"):
            assert nb.read_bytes() in downloads, f"{nb.relative_to(ROOT)} is not offered as a download"
            assert nb.name in page.read_text(encoding="utf-8"), f"{page.name} does not link {nb.name}"


def test_no_solution_marker_anywhere_in_the_site():
    hits = [(path, m) for path, text in published().items() for m in MARKERS if m in text]
    assert not hits, f"solution/hidden-test markers published: {hits[:10]}"


def test_no_solution_or_hidden_test_line_anywhere_in_the_site():
    secrets = _secret_lines()
    assert secrets, "found no solution or hidden-test lines in exercises/source: nothing to check against"
    leaks = [(path, s) for s in sorted(secrets) for path, text in published().items() if s in text]
    assert not leaks, f"{len(leaks)} solution/hidden-test lines published, e.g. {leaks[:5]}"


def test_no_source_is_cited_by_an_internal_file_name():
    """Readers cannot open the course's internal source files: pages cite headline, publisher and date."""
    seed_file = re.compile(r"\b\d{3}_[0-9a-f]{16}\.txt\b")
    hits = [(path, m.group(0)) for path, text in published().items() for m in [seed_file.search(text)] if m]
    assert not hits, f"internal source file names published: {hits[:10]}"
    bib = published().get("book/bibliography.html", "")
    assert "clustering within the scope of the project" in bib.lower() and "July 19, 2013" in bib


def _plain_words(text: str) -> str:
    """Words only: markup, quotes (straight or typographic) and punctuation dropped, whitespace normalised."""
    return _norm(re.sub(r"[`*\"'’‘“”()]", "", text))


def test_api_reference_documents_every_public_function():
    """The clusterkit API reference is generated from the docstrings: every function of each module's __all__
    has its entry (an anchor ``clusterkit.<module>.<function>``) with its docstring's first sentence."""
    import importlib
    import inspect

    page = HTML / "book" / "reference" / "api.html"
    assert page.is_file(), "book/reference/api.html is not built"
    text = page.read_text(encoding="utf-8")
    modules = re.findall(
        r"automodule:: (clusterkit\.\w+)", (ROOT / "book" / "reference" / "api.md").read_text()
    )
    assert len(modules) >= 6, modules
    missing = []
    for name in modules:
        mod = importlib.import_module(name)
        for fn in mod.__all__:
            obj = getattr(mod, fn)
            if not inspect.isfunction(obj):
                continue
            first = _plain_words(inspect.getdoc(obj).split("\n\n")[0]).split(" ")[:3]
            if f'id="{name}.{fn}"' not in text or " ".join(first) not in _plain_words(
                html.unescape(re.sub(r"<[^>]+>", " ", text))
            ):
                missing.append(f"{name}.{fn}")
    assert not missing, f"functions missing from the API reference: {missing}"


def test_generated_figures_have_real_alt_text():
    """Figures made by the worked examples get a description, not their hash file name, as alt text."""
    bad = []
    for page in sorted((HTML / "notebooks").glob("*.html")):
        for tag in re.findall(r"<img\b[^>]*>", page.read_text(encoding="utf-8")):
            src = re.search(r'src="([^"]+)"', tag)
            alt = re.search(r'alt="([^"]*)"', tag)
            if src and "_images/" in src.group(1):
                text = html.unescape(alt.group(1)) if alt else ""
                if len(text) < 40 or text.endswith((".png", ".svg")) or "_images/" in text:
                    bad.append((page.name, text[:60]))
    assert not bad, f"figures without a real description: {bad}"


def test_teaching_notes_and_trainer_guide_are_not_published():
    sources = list(ROOT.glob("cases/*/teaching-notes.md")) + list((ROOT / "trainer").rglob("*.md"))
    names = [
        p for p in published() if "teaching-notes" in p or p.startswith(("trainer/", "_sources/trainer/"))
    ]
    assert not names, f"trainer-only files published: {names}"
    public = public_sources()
    lines = {
        _norm(line)
        for path in sources
        for line in path.read_text(encoding="utf-8").splitlines()
        if len(_norm(line)) >= 60 and not line.lstrip().startswith(("#", "|", "```", ":"))
    }
    lines = {line for line in lines if line not in public}
    leaks = [
        (path, line[:60]) for line in sorted(lines) for path, text in published().items() if line in text
    ]
    assert not leaks, f"text of the teaching notes / trainer guide published: {leaks[:5]}"


def test_pages_load_nothing_from_another_host():
    pages = {p: text for p, text in published().items() if p.endswith(".html")}
    assert pages
    external = {p: external_resources((HTML / p).read_text(encoding="utf-8")) for p in pages}
    external = {p: urls for p, urls in external.items() if urls}
    assert not external, f"pages loading scripts/styles/images from other hosts: {external}"
    for css in HTML.rglob("*.css"):
        code = re.sub(r"/\*.*?\*/", "", css.read_text(encoding="utf-8", errors="replace"), flags=re.DOTALL)
        assert not re.search(r"(@import|url\()\s*[\"']?(https?:)?//", code), f"{css} loads from another host"


# (sphinx-thebe's THEBE_JS_URL on unpkg.com is only fetched when thebe is switched on: launch_buttons.thebe)
@pytest.mark.parametrize("needle", ["cdn.jsdelivr.net", "cdnjs.cloudflare.com", "fonts.googleapis.com"])
def test_no_cdn_in_page_markup(needle):
    offenders = [
        p for p in published() if p.endswith(".html") and needle in (HTML / p).read_text(encoding="utf-8")
    ]
    assert not offenders, f"{needle} referenced by {offenders[:5]}"


def test_worked_examples_have_figures_and_saved_widget_state():
    files, _ = _toc_files()
    examples = [f for f in files if f.startswith("notebooks/")]
    assert examples, "no worked-example notebook in _toc.yml"
    with_widgets = []
    for name in examples:
        page = (HTML / f"{name}.html").read_text(encoding="utf-8")
        images = re.findall(r"<img\b[^>]*\ssrc=\"([^\"]+)\"", page)
        assert images, f"{name}: no figure in the executed worked example"
        for src in images:
            if not src.startswith("data:"):
                assert (HTML / name).parent.joinpath(src.split("?")[0]).resolve().is_file(), (
                    f"{name}: {src} missing"
                )
        if "application/vnd.jupyter.widget-state+json" in page:
            with_widgets.append(name)
    assert with_widgets, "no worked example saves ipywidgets state: the static book would show no explorer"
