"""clusterkit.i18n: the language order (set_language, CLUSTERKIT_LANG, English) and its errors."""

from __future__ import annotations

import pytest

from clusterkit import i18n


@pytest.fixture(autouse=True)
def _reset():
    yield
    i18n.set_language(None)


def test_default_is_english_and_env_selects(monkeypatch):
    monkeypatch.delenv("CLUSTERKIT_LANG", raising=False)
    assert i18n.get_language() == "en"
    monkeypatch.setenv("CLUSTERKIT_LANG", "tr_TR.UTF-8")
    assert i18n.get_language() == "tr"
    monkeypatch.setenv("CLUSTERKIT_LANG", "xx")
    assert i18n.get_language() == "en"


def test_set_language_wins_over_env(monkeypatch):
    monkeypatch.setenv("CLUSTERKIT_LANG", "tr")
    i18n.set_language("en")
    assert i18n.get_language() == "en"
    i18n.set_language(None)
    assert i18n.get_language() == "tr"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="not 'de'"):
        i18n.set_language("de")


def test_english_returns_the_message_itself():
    i18n.set_language("en")
    assert i18n.gettext_("the value-added table") == "the value-added table"
