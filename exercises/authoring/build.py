"""Write the nbgrader source notebooks from the authoring modules: ``python exercises/authoring/build.py``.

Each module ``ex*.py`` here defines ``NAME`` (the assignment), ``TOTAL`` (points stated in its first cell)
and ``cells()``. The notebooks are written without outputs to ``exercises/source/<NAME>/<NAME>.ipynb``.

Every assignment also has a Turkish twin ``<NAME>-tr`` (``exercises/source/<NAME>-tr/<NAME>-tr.ipynb``): the
same cells, cell ids, grade ids and points, its text taken from the catalogue
``locales/tr/LC_MESSAGES/exercises/<NAME>.po`` (what a message is: ``translate.py``); a message the catalogue
does not translate yet stays English. Its set-up cell calls ``i18n.set_language("tr")``, so clusterkit's checks
answer in Turkish in the trainee's kernel and in the grader, and its metadata ``"clusterkit": {"language": "tr"}``
tells the grading pipeline, the feedback pages and the report the trainee's language.

* ``build.py``            write the English and Turkish notebooks;
* ``build.py --extract``  write or update the catalogues from the English cells (translations are kept; a
  message the English no longer has is kept as obsolete ``#~``), then the notebooks;
* ``build.py --check``    write nothing; list the notebooks that differ from what would be written and the
  catalogues out of date with the English cells (their missing and obsolete messages); exit 1 if any.
"""

from __future__ import annotations

import datetime
import importlib
import io
import sys
from collections.abc import Callable
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from nbbuild import notebook, total_points  # noqa: E402
from translate import messages, translated_notebook  # noqa: E402

MODULES = sorted(p.stem for p in HERE.glob("ex*.py"))
#: Languages the exercises are generated in besides English.
LANGUAGES = ("tr",)
#: Header date of a new catalogue (fixed, so that extracting twice gives the same file).
FIRST_EXTRACTED = datetime.datetime(2026, 11, 30, tzinfo=datetime.timezone.utc)
SETUP = 'from clusterkit import i18n\n\ni18n.set_language("{lang}")\n'


def catalogue_path(name: str, lang: str) -> Path:
    return ROOT / "locales" / lang / "LC_MESSAGES" / "exercises" / f"{name}.po"


def translated_name(name: str, lang: str) -> str:
    return f"{name}-{lang}"


def source_path(name: str) -> Path:
    return HERE.parent / "source" / name / f"{name}.ipynb"


def read_catalogue(path: Path) -> Catalog | None:
    if not path.exists():
        return None
    with path.open("rb") as fh:
        return read_po(fh, abort_invalid=True)


def translator(cat: Catalog | None) -> Callable[[str], str | None]:
    """msgid -> its translation; None where the catalogue has none (empty or fuzzy)."""

    def tr(msgid: str) -> str | None:
        msg = cat.get(msgid) if cat is not None else None
        if msg is None or not msg.string or msg.fuzzy:
            return None
        return str(msg.string)

    return tr


def catalogue_text(nb: nbformat.NotebookNode, name: str, lang: str, old: Catalog | None) -> str:
    """The catalogue of ``nb``'s messages in ``lang``, keeping ``old``'s translations and header dates."""
    cat = Catalog(
        locale=lang,
        domain=name,
        project=f"Cluster Excellence course, exercise {name}",
        version="1",
        header_comment=f"# {lang} messages of the exercise {name} (exercises/authoring/build.py --extract).\n#",
        creation_date=old.creation_date if old else FIRST_EXTRACTED,
        revision_date=old.revision_date if old else FIRST_EXTRACTED,
        fuzzy=False,
    )
    for m in messages(nb):
        kept = old.get(m.msgid) if old else None
        cat.add(
            m.msgid,
            kept.string if kept else "",
            locations=[(f"{name}.ipynb#{c}", 0) for c in m.places],
            auto_comments=[m.kind],
            user_comments=kept.user_comments if kept else (),  # a translator's notes stay with the message
            flags=kept.flags if kept else (),
        )
    for msg in old or []:
        if msg.id and msg.id not in cat and msg.string:
            cat.obsolete[msg.id] = msg
    for key, msg in old.obsolete.items() if old else []:
        if key not in cat and key not in cat.obsolete:
            cat.obsolete[key] = msg
    buf = io.BytesIO()
    write_po(buf, cat, width=0, include_lineno=False)
    return buf.getvalue().decode("utf-8")


def catalogue_problems(nb: nbformat.NotebookNode, cat: Catalog | None, path: Path) -> list[str]:
    """What makes ``cat`` out of date with the English cells: a missing catalogue, missing and obsolete msgids."""
    if cat is None:
        return [f"missing catalogue: {path.relative_to(ROOT)} (run build.py --extract)"]
    want = [m.msgid for m in messages(nb)]
    have = {str(m.id) for m in cat if m.id}
    out = [f"{path.relative_to(ROOT)}: msgid missing: {m!r}" for m in want if m not in have]
    out += [f"{path.relative_to(ROOT)}: msgid obsolete: {m!r}" for m in sorted(have - set(want))]
    return out


def _write(path: Path, text: str, check: bool, stale: list[str], note: str = "") -> None:
    if check:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(f"out of date: {path}")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}{note}")


def _copy_companions(name: str, twin: str, check: bool, stale: list[str]) -> None:
    """The files an assignment's notebook reads beside it (e.g. ex7's ``data/`` templates), the same in its twin."""
    folder, twin_folder = source_path(name).parent, source_path(twin).parent
    for src in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = src.relative_to(folder)
        if rel == Path(f"{name}.ipynb") or ".ipynb_checkpoints" in rel.parts:
            continue
        dest = twin_folder / rel
        if check:
            if not dest.exists() or dest.read_bytes() != src.read_bytes():
                stale.append(f"out of date: {dest}")
            continue
        if not dest.exists() or dest.read_bytes() != src.read_bytes():
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(src.read_bytes())
            print(f"wrote {dest.relative_to(ROOT)}")


def build(check: bool = False, extract: bool = False) -> int:
    stale: list[str] = []
    for modname in MODULES:
        mod = importlib.import_module(modname)
        cells = mod.cells()
        got = total_points(cells)
        if got != mod.TOTAL:
            raise SystemExit(f"{modname}: points add up to {got}, the notebook states {mod.TOTAL}")
        nb = notebook(cells)
        _write(source_path(mod.NAME), nbformat.writes(nb) + "\n", check, stale, f" ({got:g} points)")
        for lang in LANGUAGES:
            po = catalogue_path(mod.NAME, lang)
            cat = read_catalogue(po)
            if extract and not check:
                _write(po, catalogue_text(nb, mod.NAME, lang, cat), False, stale)
                cat = read_catalogue(po)
            if check:
                stale.extend(catalogue_problems(nb, cat, po))
            twin = translated_notebook(nb, translator(cat), lang, SETUP.format(lang=lang))
            _write(source_path(translated_name(mod.NAME, lang)), nbformat.writes(twin) + "\n", check, stale)
            _copy_companions(mod.NAME, translated_name(mod.NAME, lang), check, stale)
    for s in stale:
        print(s)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(build(check="--check" in sys.argv, extract="--extract" in sys.argv))
