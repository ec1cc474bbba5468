"""A parser of server-sent events as the HTML standard defines them ("Parsing an event stream"): UTF-8
with an optional BOM; lines end in CRLF, LF or CR; ``:`` starts a comment; ``field: value`` with one
leading space dropped; ``data`` lines accumulate; a blank line dispatches. Fed bytes as they arrive, so
chunks may split lines, CRLF pairs and characters anywhere."""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass
from typing import Any

_BREAKS = re.compile(r"\r\n|\r|\n")
#: Longest line, and longest event, a stream may send: more is not Gatehouse's stream.
MAX_EVENT = 1024 * 1024
#: Longest reconnection delay a ``retry:`` field may ask for, seconds.
MAX_RETRY = 60.0


class StreamTooLarge(ValueError):
    """A line or an event longer than ``MAX_EVENT``: the stream is dropped and reconnected."""


@dataclass(frozen=True)
class Event:
    """One event of ``subscribe()``: its id (pass it as ``last_event_id`` to resume after it), its
    type (``action.executed``, ``approval.decided``, …; docs/events.md) and its data."""

    id: str
    type: str
    data: dict[str, Any]


class SseParser:
    def __init__(self, last_event_id: str = "") -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._line = ""
        self._after_cr = False
        self._first = True
        self._data = ""
        self._event = ""
        self._id_buffer = last_event_id
        #: The id of the last dispatched event (set only on dispatch: an event cut off mid-way does not count).
        self.last_event_id = last_event_id
        #: The reconnection time the server asked for with ``retry:``, in seconds.
        self.retry: float | None = None

    def feed(self, chunk: bytes) -> list[tuple[str, str, str]]:
        """Reads the next bytes; answers the ``(id, event, data)`` messages they complete."""
        text = self._decoder.decode(chunk)
        if self._first and text:
            self._first = False
            text = text.removeprefix("\ufeff")
        if not text:
            return []
        if self._after_cr and text.startswith("\n"):
            text = text[1:]
        self._after_cr = False
        messages: list[tuple[str, str, str]] = []
        start = 0
        for match in _BREAKS.finditer(text):
            line = self._line + text[start : match.start()]
            self._line = ""
            start = match.end()
            if match.group() == "\r" and start == len(text):
                self._after_cr = True
            message = self._process(line)
            if message is not None:
                messages.append(message)
        self._line += text[start:]
        if len(self._line) > MAX_EVENT:
            raise StreamTooLarge(f"an event-stream line longer than {MAX_EVENT} characters")
        return messages

    def _process(self, line: str) -> tuple[str, str, str] | None:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data += value + "\n"
            if len(self._data) > MAX_EVENT:
                raise StreamTooLarge(f"an event longer than {MAX_EVENT} characters")
        elif name == "id":
            # Sent back as the Last-Event-ID header: printable ASCII only (the standard drops only NUL).
            if value.isascii() and value.isprintable():
                self._id_buffer = value
        elif name == "retry" and value.isascii() and value.isdigit():
            self.retry = min(int(value[:12]) / 1000, MAX_RETRY)
        return None

    def _dispatch(self) -> tuple[str, str, str] | None:
        self.last_event_id = self._id_buffer
        data, event = self._data, self._event
        self._data = self._event = ""
        if data == "":
            return None
        return (self.last_event_id, event or "message", data[:-1])


def to_event(message: tuple[str, str, str]) -> Event | None:
    """The event a message carries; ``None`` when its data is not the JSON object the contract promises."""
    event_id, event_type, data = message
    try:
        parsed = json.loads(data)
    except ValueError:
        return None
    return Event(id=event_id, type=event_type, data=parsed) if isinstance(parsed, dict) else None
