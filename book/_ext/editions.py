"""The book in another language: its Sphinx configuration, its build, and the catalogues it is translated from.

Jupyter Book 1's command line cannot pass ``-D language`` (jupyter-book #1791), so a translated edition is built
with Sphinx itself, from the configuration ``jupyter-book config sphinx`` derives from ``_config.yml`` (the one
definition of the book's settings) plus what the edition changes: its language, the catalogues under
``locales/`` (one per page, ``gettext_compact = False``), and the settings in ``locales/<language>/sphinx.yml``
(title, search language, the search box's text). Each edition has its own doctrees and its own execution cache
(``book/_ext/execution_cache.py``), so no English output is ever reused in a translated page. Usage::

    python book/_ext/editions.py build tr        # the Turkish book into _build/html/tr (strict: -W -n)
    python book/_ext/editions.py pot DIR          # the English text's message templates (.pot) into DIR
    python book/_ext/editions.py update tr        # after the English changed: pots + `sphinx-intl update`

``make book`` runs the first, ``make catalogues`` the last.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
LOCALES = "locales"
#: pages whose text is not translated through the book's catalogues: the exercise pages are generated from the
#: translated assignments (book/_ext/exercise_pages.py)
UNTRANSLATED = ("book/exercises/generated/",)
#: pages whose catalogue keeps only the entries of the page's own text: the API's docstrings stay English
OWN_TEXT_ONLY = ("book/reference/api",)


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def sphinx_conf(
    root: Path,
    folder: Path,
    language: str,
    extra: dict[str, Any] | None = None,
    without: tuple[str, ...] = (),
) -> Path:
    """Write ``folder/conf.py``: ``jupyter-book config sphinx`` of ``root`` for ``language``; return its folder.

    The generated settings are read from ``root/_config.yml``; paths Sphinx resolves against the configuration's
    folder are made absolute (the file lives in ``folder``, not in the book), and the language's own settings
    (``locales/<language>/sphinx.yml``, dictionaries merged key by key) and ``extra`` are added; the extensions
    named in ``without`` are left out.
    """
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(root / "_config.yml", folder / "_config.yml")
    subprocess.run(
        [
            _bin("jupyter-book"),
            "config",
            "sphinx",
            str(root),
            "--config",
            str(folder / "_config.yml"),
            "--toc",
            str(root / "_toc.yml"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    own = root / LOCALES / language / "sphinx.yml"
    settings: dict[str, Any] = {
        "language": language,
        "locale_dirs": [str(root / LOCALES)],
        "gettext_compact": False,
    }
    if language != "en":
        settings.update(yaml.safe_load(own.read_text(encoding="utf-8")) or {})
    settings.update(extra or {})
    lines = [
        "",
        f"# ---- {language} edition (book/_ext/editions.py): what differs from _config.yml ----",
        "import sys as _sys",
        *(f"_sys.path.insert(0, {str(root / p)!r})" for p in _local_extension_paths(root)),
        f"_root = __import__('pathlib').Path({str(root)!r})",
        "html_static_path = [str(_root / p) for p in html_static_path]",
        "html_favicon = str(_root / html_favicon) if html_favicon else html_favicon",
        "bibtex_bibfiles = [str(_root / p) for p in globals().get('bibtex_bibfiles', [])]",
    ]
    if without:
        lines.append(f"extensions = [e for e in extensions if e not in {list(without)!r}]")
    for key, value in settings.items():
        if isinstance(value, dict):
            lines.append(f"{key} = {{**globals().get({key!r}, {{}}), **{value!r}}}")
        else:
            lines.append(f"{key} = {value!r}")
    conf = folder / "conf.py"
    conf.write_text(conf.read_text(encoding="utf-8") + "\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _local_extension_paths(root: Path) -> list[str]:
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    return sorted(set((config.get("sphinx", {}).get("local_extensions") or {}).values()))


def build(root: Path, language: str, strict: bool = True) -> int:
    """Build the ``language`` edition of the book at ``root`` into ``_build/html/<language>``; Sphinx's exit code."""
    if language == "en":
        raise SystemExit("the English book is built by `jupyter-book build .` (make book)")
    # Sphinx builds into _build/<language>/html (myst-nb writes the executed notebooks beside the output folder,
    # in jupyter_execute/, which must not land inside the published English site), then the finished site is
    # copied to _build/html/<language>, where the language switch of the English pages points.
    work = root / "_build" / language
    conf = sphinx_conf(root, work / ".sphinx", language)
    cmd = [
        _bin("sphinx-build"), "-b", "html", "-c", str(conf), "-d", str(work / ".doctrees"),
        "-D", f"language={language}", *(["-W", "-n", "--keep-going"] if strict else []),
        str(root), str(work / "html"),
    ]  # fmt: skip
    env = {**os.environ, "CLUSTERKIT_LANG": language}
    print("+", " ".join(cmd), flush=True)
    code = subprocess.run(cmd, env=env, cwd=root).returncode
    if code == 0:
        published = root / "_build" / "html" / language
        shutil.rmtree(published, ignore_errors=True)
        shutil.copytree(work / "html", published)
        print(f"the {language} book: {published}/index.html", flush=True)
    return code


def pot(root: Path, out: Path) -> list[Path]:
    """The English book's message templates, one ``.pot`` per translated page, into ``out``; return them.

    Sphinx's gettext builder (``gettext_compact = False``) over the English text, without executing the worked
    examples (their outputs are not translated); the generated exercise pages' templates are left out, and the
    API page's keeps only the entries of its own text (the docstrings stay English).
    """
    from babel.messages.pofile import read_po, write_po

    conf = sphinx_conf(
        root,
        out.parent / f".{out.name}-conf",
        "en",
        {"nb_execution_mode": "off"},
        without=("exercise_pages",),
    )
    cmd = [_bin("sphinx-build"), "-b", "gettext", "-q", "-c", str(conf), "-d", str(out.parent / f".{out.name}-doctrees"),
           "-E", str(root), str(out)]  # fmt: skip
    result = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"the gettext build failed:\n{result.stdout}\n{result.stderr}")
    pots = []
    for path in sorted(out.rglob("*.pot")):
        docname = path.relative_to(out).with_suffix("").as_posix()
        if docname.startswith(UNTRANSLATED) or docname == "sphinx":
            path.unlink()
            continue
        if docname in OWN_TEXT_ONLY:
            with path.open("rb") as fh:
                catalog = read_po(fh)
            for message in list(catalog):
                if message.id and not any(f.endswith(f"{docname}.md") for f, _ in message.locations):
                    del catalog[message.id]
            with path.open("wb") as fh:
                write_po(fh, catalog)
        pots.append(path)
    return pots


def _msgids(path: Path) -> list[str]:
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        return [m.id for m in read_po(fh) if m.id and not isinstance(m.id, tuple)]


def stale_messages(pots: Path, catalogues: Path) -> list[str]:
    """What the catalogues under ``catalogues`` (``locales/<language>/LC_MESSAGES``) lack or keep against the
    English text, whose templates are in ``pots`` (:func:`pot`): one line per page and string, empty when every
    page's catalogue holds exactly the page's current strings. Catalogues that are not a page's (the exercises',
    ``_ext/``, ``sphinx.po``) are checked elsewhere."""
    found = []
    templates = {p.relative_to(pots).with_suffix("").as_posix(): p for p in sorted(pots.rglob("*.pot"))}
    pages = {
        p.relative_to(catalogues).with_suffix("").as_posix(): p
        for p in sorted(catalogues.rglob("*.po"))
        if not p.relative_to(catalogues).as_posix().startswith(NOT_PAGES)
    }
    for page in sorted(set(templates) | set(pages)):
        if page not in pages:
            found.append(f"{page}: no catalogue (run `make catalogues`)")
            continue
        if page not in templates:
            found.append(f"{page}: catalogue of a page the book no longer has ({pages[page]})")
            continue
        english, translated = _msgids(templates[page]), set(_msgids(pages[page]))
        found += [f"{page}: English text not in the catalogue: {m!r}" for m in english if m not in translated]
        gone = translated - set(english)
        found += [f"{page}: catalogue keeps text the English no longer has: {m!r}" for m in sorted(gone)]
    return found


#: catalogues under locales/<language>/LC_MESSAGES that are not a book page's
NOT_PAGES = ("exercises/", "_ext/", "sphinx.po")


def update(root: Path, language: str) -> None:
    """Bring ``locales/<language>`` up to the English text: new pots, then ``sphinx-intl update`` (new strings
    empty, changed ones fuzzy, removed ones obsolete) for the translators."""
    out = root / "_build" / "gettext"
    shutil.rmtree(out, ignore_errors=True)
    pot(root, out)
    subprocess.run(
        [_bin("sphinx-intl"), "update", "-p", str(out), "-d", str(root / LOCALES), "-l", language],
        check=True,
    )


def main(argv: list[str]) -> int:
    usage = "usage: editions.py build LANGUAGE | pot DIR | update LANGUAGE"
    if len(argv) != 2:
        print(usage, file=sys.stderr)
        return 2
    command, arg = argv
    if command == "build":
        return build(ROOT, arg)
    if command == "pot":
        for path in pot(ROOT, Path(arg).resolve()):
            print(path)
        return 0
    if command == "update":
        update(ROOT, arg)
        return 0
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
