"""The Turkish book (issue 18): its catalogues complete and current, its pages free of leftover English, its
terminology the binding one.

* Completeness: every catalogue under ``locales/tr`` (the book's pages, the exercises', the exercise pages' and the
  interface's words) is fully translated; the test stops at the FIRST untranslated or fuzzy entry and names it.
* Staleness: the English text's message templates, made again by Sphinx's gettext builder, hold exactly the strings
  of each page's catalogue; a sentence changed in English and not in the catalogue is named with its page. Proved
  on a copy of the book with one changed sentence; the figure words and the exercise pages' words likewise.
* No leftover English: in ``_build/html/tr`` (``make book``), no block of a page's main text (outside code, maths,
  notebook outputs, the API's docstrings and the bibliography) reads as an English sentence.
* Terminology: where an English term of ``locales/tr/terminology.csv`` occurs in a msgid, its msgstr has the
  Turkish term's stem.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML_TR = Path(os.environ.get("BOOK_DIR", ROOT)) / "_build" / "html" / "tr"
CATALOGUES = ROOT / "locales" / "tr" / "LC_MESSAGES"
FIGURES = ROOT / "src" / "clusterkit" / "locale" / "tr" / "LC_MESSAGES"

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import editions  # noqa: E402  (the same code `make catalogues` runs)

pytestmark = pytest.mark.xdist_group("book-translation")


def _read_po(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        return read_po(fh)


# ---- completeness ------------------------------------------------------------------------------------------------


def first_unfinished(paths: list[Path]) -> str | None:
    """``file: untranslated|fuzzy: msgid`` of the first entry (files in order, entries in file order) that is
    not translated, or None when every entry of every file is."""
    for path in paths:
        for message in _read_po(path):
            if not message.id:  # the header
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy:
                return f"{path}: fuzzy: {message.id!r}"
            if not all(s and s.strip() for s in strings):
                return f"{path}: untranslated: {message.id!r}"
    return None


def test_every_turkish_catalogue_is_complete():
    paths = sorted(CATALOGUES.rglob("*.po"))
    assert len(paths) > 20, f"the Turkish catalogues are missing from {CATALOGUES}"
    unfinished = first_unfinished(paths)
    assert unfinished is None, f"not translated yet (the first one found): {unfinished}"


def test_completeness_stops_at_the_first_untranslated_or_fuzzy_entry(tmp_path):
    header = 'msgid ""\nmsgstr ""\n"Language: tr\\n"\n\n'
    done = tmp_path / "a.po"
    done.write_text(header + 'msgid "One."\nmsgstr "Bir."\n', encoding="utf-8")
    fuzzy = tmp_path / "b.po"
    fuzzy.write_text(
        header + '#, fuzzy\nmsgid "Two."\nmsgstr "İki."\n\nmsgid "Three."\nmsgstr ""\n', encoding="utf-8"
    )
    empty = tmp_path / "c.po"
    empty.write_text(header + 'msgid "Four."\nmsgstr ""\n', encoding="utf-8")
    assert first_unfinished([done]) is None
    assert first_unfinished([done, fuzzy, empty]) == f"{fuzzy}: fuzzy: 'Two.'"
    assert first_unfinished([done, empty, fuzzy]) == f"{empty}: untranslated: 'Four.'"


def numbered_headings_lost(paths: list[Path]) -> list[str]:
    """Translations of a numbered heading ("## 3. Grade ...") that Markdown would read as a list item: Sphinx then
    keeps the English heading. The number's dot must be escaped in the msgstr ("3\\. ...")."""
    found = []
    for path in paths:
        for message in _read_po(path):
            if message.id and isinstance(message.string, str) and re.match(r"\d+\. ", message.id):
                if re.match(r"\d+[.)] ", message.string):
                    found.append(
                        f"{path}: write {message.string.split(' ')[0][:-1]}\\. in {message.string[:60]!r}"
                    )
    return found


def test_translated_numbered_headings_stay_headings(tmp_path):
    assert not (lost := numbered_headings_lost(sorted(CATALOGUES.rglob("*.po")))), "\n".join(lost)
    po = tmp_path / "page.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n\nmsgid "3. Grade written answers"\nmsgstr "3. Yazılı yanıtları puanlayın"\n\n'
        'msgid "4. Feedback"\nmsgstr "4\\\\. Geri bildirim"\n',
        encoding="utf-8",
    )
    assert numbered_headings_lost([po]) == [f"{po}: write 3\\. in '3. Yazılı yanıtları puanlayın'"]


# ---- staleness ---------------------------------------------------------------------------------------------------

#: the sentence the staleness test changes in its copy of the book (the glossary's first sentence)
CHANGED_PAGE = "book/glossary"
CHANGED_FROM = "Terms used throughout the course"
CHANGED_TO = "Words used throughout the course"


def _copy_of_the_book(dest: Path) -> None:
    """What Sphinx's gettext builder reads of the book: configuration, toc, pages, notebooks (the rest linked)."""
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, dest / name)
    shutil.copytree(
        ROOT / "book",
        dest / "book",
        ignore=shutil.ignore_patterns("_static", "generated", "__pycache__"),
    )
    (dest / "book" / "_static").symlink_to(ROOT / "book" / "_static")
    for page in ROOT.glob("cases/*/*.md"):
        (dest / page.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(page, dest / page.relative_to(ROOT))
    # autograder/: the build's kernel-wait fix is the grader's own (_executor.py, loaded by execution_cache.py)
    for name in ("notebooks", "locales", "autograder"):
        (dest / name).symlink_to(ROOT / name)


def test_stale_catalogue_strings_are_named_with_their_page(tmp_path):
    """One gettext build of a copy of the book in which one English sentence changed: the report must name that
    page and that sentence, and nothing else (anything else is a real stale string of the repository)."""
    book = tmp_path / "book-copy"
    book.mkdir()
    _copy_of_the_book(book)
    page = book / f"{CHANGED_PAGE}.md"
    text = page.read_text(encoding="utf-8")
    assert CHANGED_FROM in text, f"{CHANGED_PAGE}.md no longer has the sentence this test changes"
    page.write_text(text.replace(CHANGED_FROM, CHANGED_TO, 1), encoding="utf-8")
    editions.pot(book, tmp_path / "gettext")
    report = editions.stale_messages(tmp_path / "gettext", CATALOGUES)
    injected = [r for r in report if r.startswith(f"{CHANGED_PAGE}: ") and "Words used throughout" in r]
    assert injected, f"the changed sentence of {CHANGED_PAGE} was not reported: {report[:5]}"
    assert any(r.startswith(f"{CHANGED_PAGE}: catalogue keeps") and CHANGED_FROM in r for r in report), (
        report[:5]
    )
    real = [r for r in report if CHANGED_FROM not in r and "Words used throughout" not in r]
    assert not real, (
        "catalogues behind the English text (run `make catalogues`, then translate):\n" + "\n".join(real[:40])
    )


def _python_messages(code: str, keyword: str) -> list[str]:
    from babel.messages.extract import extract

    code = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith(("%", "!")))
    return [m for _, m, _, _ in extract("python", io.BytesIO(code.encode()), keywords={keyword: None})]


def test_figure_words_and_exercise_page_words_are_in_their_catalogues():
    """Every string the worked examples, clusterkit and the book's extensions give ``gettext_`` (figure words,
    quizzes, widget labels, printed sentences, jupyterquiz's own words) is in a Turkish catalogue of clusterkit;
    every string book/_ext/exercise_pages.py marks with ``_`` is in its catalogue, and that one keeps no other."""
    known: set[str] = set()
    for po in sorted(FIGURES.glob("*.po")):
        known |= {m.id for m in _read_po(po) if m.id}
    missing = []
    sources = sorted(ROOT.glob("src/clusterkit/*.py")) + sorted(ROOT.glob("book/_ext/*.py"))
    for path in sources + sorted(ROOT.glob("notebooks/*.ipynb")):
        if path.suffix == ".ipynb":
            cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
            code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        else:
            code = path.read_text(encoding="utf-8")
        missing += [
            f"{path.relative_to(ROOT)}: {m!r}" for m in _python_messages(code, "gettext_") if m not in known
        ]
    assert not missing, "strings with no Turkish in src/clusterkit/locale/tr:\n" + "\n".join(missing)
    source = (ROOT / "book" / "_ext" / "exercise_pages.py").read_text(encoding="utf-8")
    marked = set(_python_messages(source, "_"))
    catalogue = {m.id for m in _read_po(CATALOGUES / "_ext" / "exercise_pages.po") if m.id}
    assert marked, "exercise_pages.py marks no string for translation"
    assert marked == catalogue, (
        f"exercise_pages.po is behind exercise_pages.py: new {sorted(marked - catalogue)}, "
        f"gone {sorted(catalogue - marked)}"
    )


def test_jupyterquiz_words_are_translated_in_its_script_and_nowhere_else():
    """The words jupyterquiz's script writes itself (the numeric answer box's label, its fallback feedback) are
    replaced as the script's string literals only: not in the page's text, not inside the quiz's JSON data."""
    import offline

    from clusterkit.i18n import set_language

    set_language("tr")
    try:
        words = offline.quiz_words()
    finally:
        set_language(None)
    assert all(words[english] != english for english in words), words
    page = (
        '<script>lab.innerHTML = "Type numeric answer here:"; fb.innerHTML = "Correct!";</script>'
        '<p>Correct! answers</p><div data-answers="[{\\"feedback\\": \\"Correct!\\"}]"></div>'
    )
    out = offline.translate_quiz_script(page, words)
    assert f'lab.innerHTML = "{words["Type numeric answer here:"]}";' in out
    assert f'fb.innerHTML = "{words["Correct!"]}";' in out
    assert "<p>Correct! answers</p>" in out and '\\"Correct!\\"' in out


def test_turkish_worked_examples_show_no_english_quiz_widget_or_printed_words():
    """A Turkish worked example keeps none of the English words it gives ``gettext_`` (quizzes, widget labels,
    printed sentences: the literal text before a placeholder) outside its code: not in its outputs, not in the
    quiz's data, not in its saved widget state."""
    pages = sorted(HTML_TR.glob("notebooks/*.html"))
    assert pages, f"the Turkish book is not built ({HTML_TR}): run `make book`"
    english: dict[str, set[str]] = {}
    for message in _read_po(FIGURES / "notebooks.po"):
        for where, _ in message.locations if message.id else []:
            text = re.split(r"\{", message.id)[0].strip()
            if (
                where.startswith("notebooks/") and " " in text and len(text) >= 8
            ):  # single words: table columns
                english.setdefault(Path(where).stem, set()).add(text)
    assert {"value-chains", "cluster-mapping", "input-output", "cluster-excellence"} <= set(english)
    from bs4 import BeautifulSoup

    left = []
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for code in soup.select(".cell_input"):  # the code itself stays English
            code.decompose()
        html = str(soup)
        forms = {
            t: (t, json.dumps(t)[1:-1], json.dumps(t, ensure_ascii=False)[1:-1])
            for t in english.get(page.stem, ())
        }
        left += [f"{page.name}: {t!r}" for t, variants in forms.items() if any(v in html for v in variants)]
    assert not left, "English left in the Turkish worked examples:\n" + "\n".join(left)


# ---- no leftover English -----------------------------------------------------------------------------------------

#: English words that carry no content (and are not Turkish words: "on", "a", "an" are left out)
FUNCTION_WORDS = frozenset(
    """the and of to in is are was were for with that this these those which who from by be been being as at
    or not but if then than their its it they them there here each every what how when where why will would can
    could should must may might has have had do does did your you we our into onto about between over under after
    before while also only such more most other others any all both either neither one's whose whom""".split()
)
#: what is not the page's prose: code, maths, notebook outputs, the API's docstrings, citations and references
SKIPPED = (
    "pre, code, .highlight, .math, math, mjx-container, script, style, .cell_output, .output, dl.py, "
    ".bibliography, .citation, .footnote, .docutils.container.bibliography, .headerlink, .language-switch, "
    "table.terminology tbody"  # the terminology's rows: bilingual data (English term, Turkish term)
)
BLOCKS = "p, li, dt, dd, th, td, h1, h2, h3, h4, h5, h6, caption, figcaption, .admonition-title"


def english_blocks(html: str) -> list[str]:
    """The text blocks of a page's main content that read as English: at least 3 English function words making
    at least a fifth of the block's words, or (a short block: heading, list item) 2 making a third."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    main = soup.select_one("article") or soup.select_one("main") or soup
    for node in main.select(SKIPPED):
        node.decompose()
    for module in main.select(
        'section[id^="module-"]'
    ):  # automodule: the module's docstring under its heading
        for child in module.find_all(recursive=False):
            if not re.fullmatch(r"h[1-6]", child.name or ""):
                child.decompose()
    found = []
    for block in main.select(BLOCKS):
        if block.find(BLOCKS.split(", ")):  # counted in its innermost blocks
            continue
        text = " ".join(block.get_text(" ").split())
        words = re.findall(r"[A-Za-zÇĞİÖŞÜçğıöşü']+", text)
        english = [w for w in words if w.lower() in FUNCTION_WORDS]
        if not words:
            continue
        share = len(english) / len(words)
        if (len(english) >= 3 and share >= 0.2) or (len(words) < 10 and len(english) >= 2 and share >= 0.3):
            found.append(text)
    return found


def test_no_english_sentence_is_left_in_the_turkish_pages():
    pages = sorted(HTML_TR.rglob("*.html"))
    assert pages, f"the Turkish book is not built ({HTML_TR}): run `make book`"
    left = []
    for page in pages:
        rel = page.relative_to(HTML_TR).as_posix()
        if rel.startswith("_") or rel in ("genindex.html", "search.html", "py-modindex.html"):
            continue
        left += [f"{rel}: {block[:120]}" for block in english_blocks(page.read_text(encoding="utf-8"))]
    assert not left, f"{len(left)} English text blocks in the Turkish book, e.g.:\n" + "\n".join(left[:25])


def test_the_turkish_sidebar_names_the_parts_in_turkish():
    """The table of contents' part captions come from the root page's catalogue (language_switch.py)."""
    from babel.messages.pofile import read_po

    with (CATALOGUES / "book" / "intro.po").open("rb") as fh:
        turkish = {str(m.id): str(m.string) for m in read_po(fh) if m.id}
    page = (HTML_TR / "cases" / "izmir-clean-energy" / "case.html").read_text(encoding="utf-8")
    captions = re.findall(r'class="caption"[^>]*><span class="caption-text">([^<]+)<', page)
    assert captions, "no part captions in the Turkish sidebar"
    english = [c for c in captions if c in turkish and turkish[c] != c]
    assert not english, f"English part captions in the Turkish sidebar: {english}"
    assert all(c in turkish.values() for c in captions), captions


def test_the_leftover_english_heuristic_finds_an_english_paragraph_and_spares_turkish_code_and_names():
    english = "<p>The location quotient compares the share of a sector in the region with its share in the nation.</p>"
    turkish = (
        "<p>Yerelleşme katsayısı, bir sektörün bölgedeki payını ülkedeki payıyla karşılaştırır; "
        "BEST For Energy projesi ve European Cluster Excellence Initiative (ECEI) bu bölümde anlatılır.</p>"
    )
    code = "<pre>for the region in the list of all the provinces: print(the value)</pre>"
    output = '<div class="cell_output"><p>The value of the index is the mean of the pillars.</p></div>'
    autodoc = '<dl class="py function"><dd><p>Return the share of the region in the total of the nation.</p></dd></dl>'
    module = (
        '<section id="module-clusterkit.m"><h2>m</h2><p>All of the functions of the module.</p></section>'
    )
    heading = "<h2>What the notebook asks</h2>"

    def page(body: str) -> str:
        return f"<html><body><nav><p>Skip to the main content of this page</p></nav><article>{body}</article></body></html>"

    assert english_blocks(page(turkish + code + output + autodoc + module)) == []
    assert english_blocks(page(turkish + english)) == [re.sub("<[^>]+>", "", english)]
    assert english_blocks(page(heading)) == ["What the notebook asks"]


# ---- terminology -------------------------------------------------------------------------------------------------

#: terms of terminology.csv not checked, and why: words with a second meaning in the course's text
AMBIGUOUS = {
    "index": "also pandas' index (`.set_index`, 'indexed by')",
    "cluster": "also part of proper names that stay (e.g. a cluster's own English name)",
    "indicator": "also a column of the data ('indicator' tables), kept as code",
    "multiplier": "also the Lagrange/generic sense in formulas' prose",
    "pillar": "also a column name of the data",
    "SME": "also part of the programme's English name (SME Networking Project)",
}


@cache
def terminology() -> list[dict[str, str]]:
    with (ROOT / "locales" / "tr" / "terminology.csv").open(encoding="utf-8", newline="") as fh:
        return [row for row in csv.DictReader(fh) if row["en"] not in AMBIGUOUS]


def _term_pattern(term: str) -> re.Pattern[str]:
    *head, last = re.escape(term).split(r"\ ")
    last = last[:-1] + "(?:y|ies)" if last.endswith("y") else last + "(?:s|es)?"
    return re.compile(r"(?<![\w-])" + r"\ ".join([*head, last]) + r"(?![\w-])", re.IGNORECASE)


def _prose(msgid: str) -> str:
    """The words of a msgid, without inline code, maths, role targets and URLs (they stay as they are)."""
    text = re.sub(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|https?://\S+", " ", msgid, flags=re.DOTALL)
    return re.sub(r"\{[a-z:]+\}", " ", text)


def _lower_tr(text: str) -> str:
    """Lower case by Turkish rules: "İ" → "i" and "I" → "ı" (Python's lower() turns "İ" into "i" + a dot)."""
    return text.replace("İ", "i").replace("I", "ı").lower()


def _exceptions(message) -> set[str]:
    """Terms an entry may render otherwise, each named with its reason in a translator's comment of the entry:
    ``# terminology: not course ("change course" means change direction)``."""
    comments = " ".join(c.strip() for c in message.user_comments)  # a long comment is wrapped over lines
    return set(re.findall(r"terminology: not (.+?) \([^)]+\)", comments))


def term_violations(paths: list[Path]) -> list[str]:
    """``file: term 'en' without 'tr_stem': msgid`` for each translated entry that misses a term's Turkish."""
    terms = [(row, _term_pattern(row["en"])) for row in terminology()]
    found = []
    for path in paths:
        for message in _read_po(path):
            if not message.id or not message.string or message.fuzzy or isinstance(message.id, tuple):
                continue
            # a line break inside a paragraph is a space (Markdown), so a term may be wrapped over two lines
            prose = re.sub(r"\s+", " ", _prose(message.id))
            translated = re.sub(r"\s+", " ", _lower_tr(message.string))
            excepted = _exceptions(message)
            for row, pattern in terms:
                if row["en"] in excepted:
                    continue
                if pattern.search(prose) and _lower_tr(row["tr_stem"]) not in translated:
                    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                    found.append(f"{where}: {row['en']!r} without {row['tr_stem']!r}: {message.id[:80]!r}")
    return found


def test_translations_use_the_binding_terminology():
    paths = sorted(CATALOGUES.rglob("*.po"))
    violations = term_violations(paths)
    assert not violations, f"{len(violations)} translations miss a term of terminology.csv:\n" + "\n".join(
        violations[:40]
    )


def test_the_terminology_check_sees_a_missing_term_and_accepts_inflected_ones(tmp_path):
    po = tmp_path / "page.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: tr\\n"\n\n'
        'msgid "Two development agencies mapped the value chains with `value_chain()`."\n'
        'msgstr "İki kalkınma ajansı değer zincirlerini `value_chain()` ile çıkardı."\n\n'
        'msgid "The location quotient of the region."\n'
        'msgstr "Bölgenin LQ oranı."\n',
        encoding="utf-8",
    )
    found = term_violations([po])
    assert len(found) == 1, found
    assert "'location quotient' without 'yerelleşme katsayı'" in found[0], found
