"""clusterkit's gettext catalogues (src/clusterkit/locale/): complete, compiled, and up to date with the code."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "clusterkit" / "locale"
# the code whose marked messages each catalogue must hold (figures.po is kept up to date by its own pipeline)
SOURCES = {
    "grading": ["src/clusterkit/grading.py", "autograder/checks.py", "autograder/autograde.py"],
    "feedback": ["autograder/feedback.py", "autograder/report.py"],
}
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def test_every_catalogue_is_complete_compiled_and_current():
    catalogues = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
    assert catalogues, f"no catalogue under {LOCALE}"
    for po in catalogues:
        name = po.relative_to(ROOT)
        with po.open("rb") as fh:
            cat = read_po(fh, abort_invalid=True)
        for m in cat:
            if not m.id:
                continue
            assert m.string, f"{name}: untranslated: {m.id!r}"
            assert not m.fuzzy, f"{name}: fuzzy: {m.id!r}"
            ids, strs = (m.id, m.string) if isinstance(m.id, str) else (m.id[0], m.string[0])
            # a message filled with .format() (Babel flags it); LaTeX braces in a figure label are not placeholders
            assert "python-brace-format" not in m.flags or sorted(PLACEHOLDER.findall(strs)) == sorted(
                PLACEHOLDER.findall(ids)
            ), f"{name}: the translation of {ids!r} has other placeholders: {strs!r}"
        compiled = io.BytesIO()
        write_mo(compiled, cat)
        mo = po.with_suffix(".mo")
        assert mo.exists() and mo.read_bytes() == compiled.getvalue(), (
            f"{mo.relative_to(ROOT)} is not what {name} compiles to: run "
            f"pybabel compile -D {po.stem} -d src/clusterkit/locale -l {po.parts[-3]}"
        )
        wanted = {
            msg
            for src in SOURCES.get(po.stem, [])
            for _, msg, _, _ in extract_from_file(
                "python", ROOT / src, keywords={"gettext_": None, "N_": None}
            )
        }
        missing = sorted(wanted - {m.id for m in cat})
        assert not missing, (
            f"{name}: messages of the code missing (see src/clusterkit/locale/README.md): {missing}"
        )
