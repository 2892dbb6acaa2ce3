"""The kernel channels of the grader and of the book build wait in slices, so a lost wake-up costs a second
(autograder/_executor.py ``poll_in_slices``, loaded by book/_ext/execution_cache.py)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from queue import Empty

import pytest
from jupyter_client.channels import AsyncZMQSocketChannel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))

import execution_cache  # noqa: E402

from autograder import _executor  # noqa: E402


@pytest.fixture
def channel(monkeypatch):
    """A channel whose underlying poll is scripted: each call pops the next outcome ("msg" or "empty")."""
    calls: list[float | None] = []
    outcomes: list[str] = []

    async def scripted(self, timeout=None):
        calls.append(timeout)
        if outcomes.pop(0) == "msg":
            return {"msg_type": "execute_reply"}
        raise Empty

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", scripted)
    _executor.poll_in_slices()
    return AsyncZMQSocketChannel.__new__(AsyncZMQSocketChannel), calls, outcomes


def test_a_message_missed_by_one_poll_is_read_by_the_next(channel):
    chan, calls, outcomes = channel
    outcomes += ["empty", "msg"]  # the first poll misses the wake-up of a message that is already there
    assert asyncio.run(chan.get_msg(timeout=300)) == {"msg_type": "execute_reply"}
    assert len(calls) == 2 and all(t is not None and t <= _executor.POLL_SLICE for t in calls)


def test_the_overall_timeout_still_holds(channel, monkeypatch):
    chan, calls, outcomes = channel
    outcomes += ["empty"] * 10
    clock = iter([0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 2.5, 2.5, 3.1, 3.1])
    monkeypatch.setattr(_executor, "CLOCK", lambda: next(clock))
    with pytest.raises(Empty):
        asyncio.run(chan.get_msg(timeout=3))
    assert len(calls) < 10  # it gave up once the 3 s were spent, not after every scripted poll


def test_patching_twice_wraps_once_and_the_book_build_uses_the_same_code(channel):
    patched = AsyncZMQSocketChannel.get_msg
    _executor.poll_in_slices()
    execution_cache.poll_in_slices()  # loads autograder/_executor.py from its file: already patched, no second wrap
    assert AsyncZMQSocketChannel.get_msg is patched
