"""Sphinx extension: the book in more than one language, and on every page a link to the same page in the other.

The English book is ``_build/html/``, the Turkish one ``_build/html/tr/`` (``book_editions`` below: language ->
folder under the site's root). A page ``X.html`` of one edition links to ``X.html`` of the other, by a relative
link, so the switch works from ``file://`` as well as over HTTP and loads nothing from anywhere else. The link sits
in the article header (``language-switch.html``, before the theme's buttons).

It also makes the edition's own language the one the worked examples speak: the kernels that execute the
notebooks inherit ``CLUSTERKIT_LANG`` (``clusterkit.i18n``), so the Turkish book's figures carry Turkish titles,
axis labels and legends, and the English book's English ones whatever the caller's environment says.

And it translates the table of contents' part captions ("Start here", "Methods", …): sphinx-external-toc adds the
root page's toctrees after Sphinx has translated that page, so their captions would stay English in the sidebar.
They are looked up in the root page's own catalogue (where the gettext builder puts them).
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "language-switch.html"
#: language -> (folder of its edition under the site's root, the language's own name, shown on the switch)
EDITIONS: dict[str, tuple[str, str]] = {"en": ("", "English"), "tr": ("tr", "Türkçe")}


def language_of(config: Config) -> str:
    """The edition ``config`` builds (``language`` without region; English when unset)."""
    return (config.language or "en").split("_")[0].split("-")[0].lower()


def switch_target(pagename: str, language: str, other: str, editions: dict[str, Any] = EDITIONS) -> str:
    """Relative URL, from page ``pagename`` of the ``language`` edition, of the same page in the ``other`` one."""
    here = posixpath.join(editions[language][0], posixpath.dirname(pagename))
    there = posixpath.join(editions[other][0], pagename + ".html")
    return posixpath.relpath(there, here or ".")


def _on_config_inited(app: Sphinx, config: Config) -> None:
    language = language_of(config)
    if language not in config.book_editions:
        raise ValueError(
            f"no edition of the book for language {language!r}: book_editions has {config.book_editions}"
        )
    os.environ["CLUSTERKIT_LANG"] = language  # the worked examples' kernels inherit it (clusterkit.i18n)
    config.templates_path = [*config.templates_path, str(TEMPLATES)]
    options = dict(config.html_theme_options or {})
    header = options.get("article_header_end", ["article-header-buttons.html"])
    header = [header] if isinstance(header, str) else list(header)
    if TEMPLATE not in header:
        options["article_header_end"] = [TEMPLATE, *header]
    config.html_theme_options = options


def _on_page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    language = language_of(app.config)
    context["language_switch"] = [
        {
            "language": other,
            "name": name,
            "href": switch_target(pagename, language, other, app.config.book_editions),
        }
        for other, (_, name) in app.config.book_editions.items()
        if other != language
    ]


def _on_doctree_read(app: Sphinx, doctree: Any) -> None:
    if language_of(app.config) == "en" or not app.config.locale_dirs:
        return
    from sphinx import addnodes, locale
    from sphinx.util.i18n import docname_to_domain

    toctrees = [n for n in doctree.findall(addnodes.toctree) if n.get("caption")]
    if not toctrees:
        return
    dirs = [str(Path(app.srcdir, d)) for d in app.config.locale_dirs]
    domain = docname_to_domain(app.env.docname, app.config.gettext_compact)
    catalog, has_catalog = locale.init(dirs, app.config.language, domain)
    if has_catalog:
        for node in toctrees:
            node["caption"] = catalog.gettext(node["caption"])


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("book_editions", EDITIONS, "html", types=[dict])
    app.connect("doctree-read", _on_doctree_read)
    app.connect("config-inited", _on_config_inited, priority=600)  # after offline.py's launch-button options
    app.connect("html-page-context", _on_page_context)
    app.add_css_file("language-switch.css")  # book/_static (on html_static_path)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
