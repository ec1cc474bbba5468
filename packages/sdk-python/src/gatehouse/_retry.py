"""When and how long to wait before retrying: the same rules as ``@gatehouse/sdk``. Pure functions."""

from __future__ import annotations

import email.utils
import re
from typing import Callable

#: First backoff delay, seconds.
BACKOFF_BASE = 0.5
#: Longest backoff delay, seconds.
BACKOFF_MAX = 8.0
#: Backoff of the event stream's reconnection.
RECONNECT_BASE = 0.25
RECONNECT_MAX = 5.0
#: Longest wait a ``Retry-After`` header can ask for, seconds.
RETRY_AFTER_MAX = 60.0

_SECONDS = re.compile(r"^\d+(\.\d+)?$")


def is_retryable_status(status: int) -> bool:
    """408, 429 and 5xx. Never another 4xx: a Gatehouse 409 is a real conflict a retry cannot change."""
    return status == 408 or status == 429 or status >= 500


def parse_retry_after(value: str | None, now: float) -> float | None:
    """The wait a ``Retry-After`` header asks for, in seconds (delta-seconds or an HTTP date, capped
    at a minute); ``None`` when the header is absent or unreadable. ``now`` is epoch seconds."""
    if value is None:
        return None
    text = value.strip()
    if _SECONDS.match(text):
        seconds = float(text)
    else:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None
        seconds = max(0.0, when.timestamp() - now)
    return min(seconds, RETRY_AFTER_MAX)


def backoff_delay(retry: int, random: Callable[[], float], base: float = BACKOFF_BASE, maximum: float = BACKOFF_MAX) -> float:
    """Exponential backoff before retry number ``retry`` (0 first): min(max, base × 2^retry), shortened
    by up to a quarter at random."""
    ceiling = min(maximum, base * 2.0**retry)
    return ceiling * (1 - 0.25 * random())
