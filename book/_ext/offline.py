"""Sphinx extension: keep the built course offline and make launch buttons configurable by environment.

* Launch buttons: ``_config.yml`` holds ``launch_buttons`` (all empty by default, so the public site has none).
  A deployment can switch them on without editing any file by setting, at build time::

      BOOK_JUPYTERHUB_URL=https://hub.example.org  BOOK_BINDERHUB_URL=https://mybinder.org
      BOOK_COLAB_URL=https://colab.research.google.com  BOOK_REPOSITORY_URL=https://github.com/org/repo

  (JupyterHub and Binder buttons need the repository URL: that is what the hub clones.)
* Scripts: sphinx-thebe registers its configuration script twice (``const THEBE_JS_URL`` declared twice is a
  console error on every page); duplicates are dropped, and with thebe off (the default) its scripts are left out
  altogether, so no page even names the thebe CDN.
* Quizzes: the self-check quizzes' questions, answers and feedback come from the notebooks, through
  ``clusterkit.i18n``; the few words jupyterquiz's script writes itself (the numeric answer box's label, the
  fallback "Correct!") are put in the edition's language after the build (the edition sets ``CLUSTERKIT_LANG``,
  book/_ext/language_switch.py). A quiz page of a translated edition without the label is reported.
* Offline: after the build, every ``<script src>``, ``<link href>`` and ``<img src>`` in the HTML must point into
  the site itself; a reference to another host is reported as a Sphinx warning, which ``-W`` turns into an error.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging

logger = logging.getLogger(__name__)

ENV_LAUNCH = {
    "BOOK_JUPYTERHUB_URL": "jupyterhub_url",
    "BOOK_BINDERHUB_URL": "binderhub_url",
    "BOOK_COLAB_URL": "colab_url",
}
# a resource the page loads by itself (not a link the reader may follow)
_LOADED = re.compile(
    r"<(?:script|img|iframe|source|video|audio)\b[^>]*?\ssrc=[\"']([^\"']+)[\"']"
    r"|<link\b(?=[^>]*\srel=[\"'](?:stylesheet|preload|prefetch|preconnect|modulepreload|icon|dns-prefetch)[\"'])"
    r"[^>]*?\shref=[\"']([^\"']+)[\"']",
    re.IGNORECASE,
)


def external_resources(html: str) -> list[str]:
    """URLs to another host that ``html`` loads by itself (scripts, styles, images, fonts, frames)."""
    found = []
    for match in _LOADED.finditer(html):
        url = match.group(1) or match.group(2)
        if re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//", url, re.IGNORECASE) and not url.startswith("data:"):
            found.append(url)
    return found


def _apply_env_launch_buttons(app: Sphinx, config: Config) -> None:
    options: dict[str, Any] = dict(config.html_theme_options or {})
    buttons = dict(options.get("launch_buttons") or {})
    changed = False
    for var, key in ENV_LAUNCH.items():
        if os.environ.get(var):
            buttons[key] = os.environ[var]
            changed = True
    if os.environ.get("BOOK_REPOSITORY_URL"):
        options["repository_url"] = os.environ["BOOK_REPOSITORY_URL"]
        changed = True
    if changed:
        options["launch_buttons"] = buttons
        config.html_theme_options = options


def _tidy_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    thebe_on = bool((app.config.html_theme_options or {}).get("launch_buttons", {}).get("thebe"))
    kept = []
    for script in dict.fromkeys(
        scripts
    ):  # ordered de-duplication (scripts are hashable by file and attributes)
        body = getattr(script, "attributes", {}).get("body", "") or ""
        if not thebe_on and (
            "THEBE_JS_URL" in body or str(getattr(script, "filename", "")).endswith("sphinx-thebe.js")
        ):
            continue
        kept.append(script)
    context["script_files"] = kept


# The self-check quizzes (jupyterquiz) embed a fallback that fetches MathJax from a CDN when a page's MathJax has no
# typeset(); the book vendors MathJax 3, so the fallback points at that copy instead.
QUIZ_MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-svg.js"
VENDORED_MATHJAX = "_static/vendor/mathjax/tex-mml-chtml.js"


def _vendor_quiz_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in sorted(outdir.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        if QUIZ_MATHJAX_CDN in text:
            local = os.path.relpath(outdir / VENDORED_MATHJAX, page.parent).replace(os.sep, "/")
            page.write_text(text.replace(QUIZ_MATHJAX_CDN, local), encoding="utf-8")


def quiz_words() -> dict[str, str]:
    """The words jupyterquiz's script writes itself (English) -> the same in the language of ``clusterkit.i18n``."""
    from clusterkit.i18n import gettext_

    return {
        "Type numeric answer here:": gettext_("Type numeric answer here:"),
        "Type your answer here:": gettext_("Type your answer here:"),
        "Correct!": gettext_("Correct!"),
        "Correct": gettext_("Correct"),
        "Incorrect -- try again.": gettext_("Incorrect -- try again."),
        "Incorrect. Try again.": gettext_("Incorrect. Try again."),
    }


def translate_quiz_script(html: str, words: dict[str, str]) -> str:
    """``html`` with each string literal ``"English"`` of jupyterquiz's script replaced by its translation."""
    for english, translated in words.items():
        if translated != english:
            html = html.replace(json.dumps(english), json.dumps(translated, ensure_ascii=False))
    return html


def _translate_quizzes(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    words = quiz_words()
    if all(english == translated for english, translated in words.items()):
        return  # the English edition (or a language without a catalogue)
    outdir = Path(app.outdir)
    label = json.dumps("Type numeric answer here:")
    done = json.dumps(words["Type numeric answer here:"], ensure_ascii=False)
    for page in sorted(outdir.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        if "NumericQn" not in text or done in text:  # no quiz, or a page an earlier build translated
            continue
        if label not in text:
            logger.warning(
                "%s: a quiz, but jupyterquiz's numeric answer label %s was not found to translate",
                page.relative_to(outdir),
                label,
                type="offline",
            )
            continue
        page.write_text(translate_quiz_script(text, words), encoding="utf-8")


def _check_offline(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in sorted(outdir.rglob("*.html")):
        for url in external_resources(page.read_text(encoding="utf-8", errors="replace")):
            logger.warning(
                "%s loads %s from another host: vendor it under book/_static/vendor/ (the site must work offline)",
                page.relative_to(outdir),
                url,
                type="offline",
            )


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _apply_env_launch_buttons)
    app.connect("html-page-context", _tidy_scripts, priority=900)
    app.connect("build-finished", _vendor_quiz_mathjax, priority=400)  # before the check (default 500)
    app.connect("build-finished", _translate_quizzes, priority=450)
    app.connect("build-finished", _check_offline)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
