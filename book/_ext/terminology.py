"""Sphinx extension: the ``terminology-table`` directive, the course's English-Turkish terms as a table.

``locales/tr/terminology.csv`` (columns ``en``, ``tr``, ``tr_stem``, ``usage``) is the binding terminology of the
Turkish edition: the translators use its Turkish term wherever the English one occurs, and a test checks that
they do. The book shows it on ``book/terminology`` in both editions::

    ```{terminology-table} ../locales/tr/terminology.csv
    ```

One row per term: the English term, the Turkish term and the usage it follows. The header cells go through the
page's catalogue like any text; the rows are the same in both editions (they are bilingual already), so they are
kept out of the catalogue.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

#: the CSV columns shown, and their headers (translated through the page's catalogue)
COLUMNS = (("en", "English"), ("tr", "Turkish"), ("usage", "Usage it follows"))


def read_terminology(path: Path) -> list[dict[str, str]]:
    """The rows of a terminology CSV; ValueError naming the file when a column or a value is missing."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    wanted = {"en", "tr", "tr_stem", "usage"}
    if not rows or not wanted <= set(rows[0]):
        raise ValueError(
            f"{path}: expected the columns {sorted(wanted)}, found {sorted(rows[0]) if rows else []}"
        )
    for i, row in enumerate(rows, start=2):
        empty = [c for c in wanted if not (row.get(c) or "").strip()]
        if empty:
            raise ValueError(f"{path}, line {i}: empty {', '.join(sorted(empty))}")
    return rows


class TerminologyTable(SphinxDirective):
    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        rel, path = self.env.relfn2path(self.arguments[0], self.env.docname)
        self.env.note_dependency(rel)
        try:
            rows = read_terminology(Path(path))
        except (OSError, ValueError) as err:
            raise self.error(str(err)) from None
        table = nodes.table(classes=["terminology"])
        group = nodes.tgroup(cols=len(COLUMNS))
        table += group
        group += [nodes.colspec(colwidth=w) for w in (3, 3, 5)]
        source, line = self.get_source_info()

        def row(cells: list[str], translatable: bool) -> nodes.row:
            r = nodes.row()
            for text in cells:
                para = nodes.paragraph(text, text, translatable=translatable)
                para.source, para.line = source, line
                r += nodes.entry("", para)
            return r

        head = nodes.thead()
        head += row([title for _, title in COLUMNS], translatable=True)
        body = nodes.tbody()
        for item in sorted(rows, key=lambda r: r["en"].casefold()):
            body += row([item[c].strip() for c, _ in COLUMNS], translatable=False)
        group += [head, body]
        return [table]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("terminology-table", TerminologyTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
