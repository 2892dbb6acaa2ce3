"""Sphinx extension: let autodoc render clusterkit's module docstrings, which use plain-text section headings.

The package's module docstrings head their lists of sources with an underlined title (``Sources`` over a row of
dashes), readable in ``help()`` and in an editor. Inside an autodoc block reStructuredText does not allow section
titles, so each such heading is turned into a ``.. rubric::`` before the docstring is parsed.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx

_UNDERLINE = re.compile(r"^\s*([-=~^])\1{2,}\s*$")


def _rubrics(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    i = 0
    while i < len(lines) - 1:
        title, under = lines[i], lines[i + 1]
        if title.strip() and _UNDERLINE.match(under) and len(under.strip()) >= len(title.strip()) - 1:
            lines[i : i + 2] = [f".. rubric:: {title.strip()}", ""]
        i += 1


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("autodoc-process-docstring", _rubrics)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
