"""Messages in the reader's or trainee's language, through gettext catalogues.

clusterkit speaks English unless told otherwise. The language is, in this order:

1. the one set with :func:`set_language` (a Turkish exercise notebook calls ``set_language("tr")`` in its set-up
   cell, so its checks answer in Turkish wherever it runs: the trainee's lab or the grader);
2. the environment variable ``CLUSTERKIT_LANG`` (the Turkish book sets it while it runs the worked examples);
3. English.

The catalogues are the compiled ``.mo`` files under ``clusterkit/locale/<language>/LC_MESSAGES/``; every one of
them found there is used (one per subject: grading messages, figure labels, …), their ``.po`` sources sit beside
them. A message missing from the catalogues is shown in English.
"""

from __future__ import annotations

import functools
import gettext
import os
from pathlib import Path

__all__ = ["LANGUAGES", "LOCALE_DIR", "get_language", "gettext_", "set_language"]

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: The languages clusterkit has catalogues for ("en" is the source language and has none).
LANGUAGES = ("en", "tr")

_chosen: str | None = None


def set_language(language: str | None) -> None:
    """Use ``language`` (one of :data:`LANGUAGES`) for clusterkit's messages; ``None`` goes back to the default.

    Raises:
        ValueError: for a language clusterkit has no catalogue for.
    """
    global _chosen
    if language is not None and _normalise(language) not in LANGUAGES:
        raise ValueError(f"clusterkit speaks {', '.join(LANGUAGES)}; not {language!r}")
    _chosen = None if language is None else _normalise(language)


def get_language() -> str:
    """The language clusterkit's messages are in now (see the module's docstring for the order)."""
    if _chosen is not None:
        return _chosen
    env = _normalise(os.environ.get("CLUSTERKIT_LANG", ""))
    return env if env in LANGUAGES else "en"


def gettext_(message: str) -> str:
    """``message`` in the current language (English when no catalogue has it)."""
    return _translations(get_language()).gettext(message)


def _normalise(language: str) -> str:
    return language.strip().lower().replace("_", "-").split("-")[0].split(".")[0]


@functools.cache
def _translations(language: str) -> gettext.NullTranslations:
    chain: gettext.NullTranslations = gettext.NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    for mo in sorted(folder.glob("*.mo")) if language != "en" else []:
        with mo.open("rb") as fh:
            t = gettext.GNUTranslations(fh)
        t.add_fallback(chain)
        chain = t
    return chain
