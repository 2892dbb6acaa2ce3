"""The exercises' translation machinery (exercises/authoring/translate.py, build.py): what a message is, how a
translation goes back into the code, and how a catalogue out of date with the English cells is reported."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "exercises" / "authoring"))

import build  # noqa: E402
from translate import markdown_blocks, messages, translated_notebook  # noqa: E402

CHECK = """# Check Q1 (2 points). Run this cell.
# Second line of the comment.
g.expect_series(q1, "the scores", index=AREAS, noun="area")  # trailing note
g.expect_choice(_s, CODES, f"the leading sector of {_p!r}")
print("Q1: right.")
_emp = _load("sme-networking-turkey")["employment"].set_index("sector")
### BEGIN HIDDEN TESTS
g.expect_close(q1, _ref, "the scores")
### END HIDDEN TESTS"""


def _nb() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# Title\n\nA paragraph\non two lines.\n\n```python\nx = 1\n\ny = 2\n```"
        ),
        nbformat.v4.new_code_cell("from clusterkit import grading as g"),
        nbformat.v4.new_code_cell(CHECK),
    ]
    return nb


def test_messages_are_the_text_a_person_reads_and_never_data_keys():
    ids = [m.msgid for m in messages(_nb())]
    assert ids == [
        "# Title",
        "A paragraph\non two lines.",
        "```python\nx = 1\n\ny = 2\n```",
        "Check Q1 (2 points). Run this cell.\nSecond line of the comment.",
        "the scores",
        "area",
        "trailing note",
        "the leading sector of {_p!r}",
        "Q1: right.",
    ]
    for text in (
        "A\n\n\nB\n\n```\nc\n\nd\n```\n",
        "\n\nA\n",
        "A\n\n$$ x = 1 $$\n\nB",
        "A\n\n$$\nx\n\ny\n$$\n\nB",
    ):
        parts = markdown_blocks(text)
        assert "".join(parts) == text and all(not p.strip() for p in parts[1::2])
    assert markdown_blocks("A\n\n$$ x = 1 $$\n\nB")[::2] == ["A", "$$ x = 1 $$", "B"]  # one-line maths


def test_translations_are_written_back_as_valid_code_with_their_exact_text():
    hostile = 'it\'s "quoted" \\ back\nslash'

    def tr(msgid: str) -> str | None:
        if msgid == "the leading sector of {_p!r}":
            return "{_p!r} için {öncü} sektör"  # a placeholder the English does not have: stays English
        return f"TR {hostile} {msgid}"

    out = translated_notebook(_nb(), tr, "tr", 'i18n.set_language("tr")\n')
    assert out.metadata["clusterkit"] == {"language": "tr"}
    assert out.cells[1].source.startswith('i18n.set_language("tr")\nfrom clusterkit')
    code = out.cells[2].source
    tree = ast.parse(code)
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert f"TR {hostile} the scores" in strings and f"TR {hostile} area" in strings
    assert "sme-networking-turkey" in strings and "employment" in strings and "sector" in strings  # data keys
    assert 'f"the leading sector of {_p!r}"' in code
    assert "### BEGIN HIDDEN TESTS" in code and code.count("# TR it's") == 2  # the block and the trailing one
    assert out.cells[0].source.startswith("TR it's") and "\n\n" in out.cells[0].source
    again = {m.msgid for m in messages(out)}
    assert f"TR {hostile} Q1: right." in again


def test_check_names_the_messages_a_catalogue_misses_and_those_it_no_longer_needs(tmp_path):
    nb = _nb()
    cat = Catalog(locale="tr")
    for m in messages(nb)[1:]:
        cat.add(m.msgid, "x")
    cat.add("an old sentence", "eski bir cümle")
    problems = build.catalogue_problems(nb, cat, ROOT / "locales" / "tr" / "x.po")
    assert problems == [
        "locales/tr/x.po: msgid missing: '# Title'",
        "locales/tr/x.po: msgid obsolete: 'an old sentence'",
    ]
    assert build.catalogue_problems(nb, None, ROOT / "locales" / "tr" / "x.po")[0].startswith(
        "missing catalogue"
    )
