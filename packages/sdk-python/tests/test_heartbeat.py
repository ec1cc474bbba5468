"""The heartbeats a client sends while in use (docs/agents.md, Presence): the schedule with an injected
clock and timer (the first beat one interval after the first call, none for a one-call script, stopped
after five idle minutes or on close, a dead key ends the session), and against the real API: a client
used past its first interval opens a session the server sees, and closing it closes the session."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from conftest import Org

from gatehouse import AsyncGatehouse, Gatehouse
from gatehouse._common import resolve_config
from gatehouse._heartbeat import IDLE_AFTER_SECONDS, Heartbeats

CONFIG = resolve_config("gh_test_key", "http://127.0.0.1:9", 5.0, 0, None)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.timers: list[tuple[Callable[[], None], float, list[bool]]] = []

    def set_timer(self, fn: Callable[[], None], seconds: float) -> Callable[[], None]:
        cancelled = [False]
        self.timers.append((fn, seconds, cancelled))
        return lambda: cancelled.__setitem__(0, True)

    def fire(self) -> None:
        """Runs the pending timer, the clock moved on by its delay."""
        pending = [t for t in self.timers if not t[2][0]]
        assert len(pending) == 1, f"expected one pending timer, got {len(pending)}"
        fn, seconds, cancelled = pending[0]
        cancelled[0] = True
        self.now += seconds
        fn()

    def pending(self) -> int:
        return len([t for t in self.timers if not t[2][0]])


def beats(status: int = 200) -> tuple[Heartbeats, Clock, list[str]]:
    clock = Clock()
    sent: list[str] = []

    def send(state: str) -> int:
        sent.append(state)
        return status

    return Heartbeats(CONFIG, 30, send=send, set_timer=clock.set_timer, clock=lambda: clock.now), clock, sent


def test_a_one_call_script_never_opens_a_session() -> None:
    hb, clock, sent = beats()
    hb.use()
    assert clock.pending() == 1 and clock.timers[0][1] == 30
    hb.stop()  # the script closes its client before the first interval
    assert sent == [] and clock.pending() == 0


def test_a_client_in_use_beats_each_interval_then_stops_after_five_idle_minutes() -> None:
    hb, clock, sent = beats()
    hb.use()
    clock.fire()
    assert sent == ["running"]
    for _ in range(3):
        hb.use()
        clock.fire()
    assert sent == ["running"] * 4
    while clock.pending():
        clock.fire()
    assert sent[-1] == "stopped" and sent.count("stopped") == 1
    assert clock.now >= 1000 + IDLE_AFTER_SECONDS
    # Its next call starts again.
    hb.use()
    clock.fire()
    assert sent[-1] == "running"


def test_close_says_stopped_only_when_a_session_is_open() -> None:
    hb, clock, sent = beats()
    hb.use()
    clock.fire()
    hb.stop()
    assert sent == ["running", "stopped"] and clock.pending() == 0
    hb.stop()
    assert sent == ["running", "stopped"]


def test_a_key_that_no_longer_works_ends_the_session_for_good() -> None:
    hb, clock, sent = beats(status=401)
    hb.use()
    clock.fire()
    assert sent == ["running"] and clock.pending() == 0
    hb.use()
    assert clock.pending() == 0
    hb.stop()
    assert sent == ["running"]


def test_a_failed_beat_is_dropped_and_the_schedule_goes_on() -> None:
    clock = Clock()

    def send(state: str) -> int:
        raise httpx.ConnectError("down")

    hb = Heartbeats(CONFIG, 30, send=send, set_timer=clock.set_timer, clock=lambda: clock.now)
    hb.use()
    clock.fire()
    assert clock.pending() == 1


def test_every_call_of_a_client_counts_as_use_and_heartbeat_false_turns_it_off() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"agent": {"id": "agt_1"}})

    with Gatehouse("gh_test_key", base_url="http://api.test", http_client=httpx.Client(transport=httpx.MockTransport(answer))) as gh:
        assert gh._beats is not None and gh._beats._cancel is None
        gh.whoami()
        assert gh._beats._cancel is not None  # the clock towards the first beat runs
        assert gh.with_run("r1")._beats is gh._beats  # copies share the session
    with Gatehouse("gh_test_key", base_url="http://api.test", heartbeat=False, http_client=httpx.Client(transport=httpx.MockTransport(answer))) as quiet:
        quiet.whoami()
        assert quiet._beats is None


def test_against_the_api_a_client_in_use_opens_a_session_and_closing_it_closes_it(org: Org) -> None:
    gh = Gatehouse(org.agent_key, base_url=org.server.api)
    assert gh._beats is not None
    gh._beats._interval = 1  # the schedule as tested above, at one second
    gh.whoami()
    deadline = time.monotonic() + 10
    while not gh._beats._open and time.monotonic() < deadline:
        gh.whoami()
        time.sleep(0.2)
    assert gh._beats._open
    listed = org.admin("GET", "/v1/admin/agents").json()["agents"]
    assert [a["presence"] for a in listed if a["id"] == org.agent_id] == ["live"]
    gh.close()
    assert not gh._beats._open


async def test_the_async_client_beats_too_and_says_stopped_on_close() -> None:
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"agent": {"id": "agt_1"}})

    async with AsyncGatehouse("gh_test_key", base_url="http://api.test", http_client=httpx.AsyncClient(transport=httpx.MockTransport(answer))) as gh:
        assert gh._beats is not None
        clock = Clock()
        gh._beats._set_timer = clock.set_timer
        gh._beats._send_fn = lambda state: sent.append(state) or 200
        await gh.whoami()
        clock.fire()
    assert sent == ["running", "stopped"]
