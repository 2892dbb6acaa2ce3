"""Shared test set-up: every test starts with clusterkit speaking its default language.

A Turkish exercise notebook's set-up cell calls ``i18n.set_language("tr")``; a test that runs such a cell in the
test process must not leave the next test's messages in Turkish.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _default_language():
    yield
    from clusterkit import i18n

    i18n.set_language(None)
