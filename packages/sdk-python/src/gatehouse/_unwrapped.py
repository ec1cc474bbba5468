"""The one-time warning when a model call's spend is declared by hand, without a model-client wrapper
(docs/model-clients.md, "Calls that bypass the wrappers"). Observation: it never raises and never changes a call."""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

#: The integrations that wrap a model client (``wrap_openai``, ``wrap_anthropic`` and their TypeScript twins).
MODEL_WRAPPERS = frozenset({"openai", "anthropic", "google-genai", "mistral"})
#: Any value but empty or ``0`` silences the warning for the process.
UNWRAPPED_WARNING_ENV = "GATEHOUSE_NO_UNWRAPPED_WARNING"

UNWRAPPED_WARNING = (
    "Gatehouse: a model call's spend was declared by hand (spend= or usage=) on a client that is not a model-client "
    "wrapper: its prompt is not screened, and GET /v1/coverage and posture count it as bypassing the wrappers. Wrap the "
    "model client instead: wrap_openai(client, gh) or wrap_anthropic(client, gh) from gatehouse. Silence this with "
    f"{UNWRAPPED_WARNING_ENV}=1 or warnings.filterwarnings('ignore', category=gatehouse.UnwrappedModelCallWarning). "
    "(Shown once.)"
)


class UnwrappedModelCallWarning(UserWarning):
    """A model call's spend was declared by hand, on a client that is not a model-client wrapper's."""


_warned = False
_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _caller_level() -> int:
    """The stack level of the first frame outside this package (the caller's line, for the warning's location);
    an async call's first such frame may be the event loop's."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)).startswith(_PACKAGE):
        level, frame = level + 1, frame.f_back  # type: ignore[assignment]
    return level


def warn_if_unwrapped(integration: str | None, path: str, body: Any) -> None:
    """Warns once per process when a decision (``spend``) or an outcome (``usage``) declares a model call's spend
    and the client's integration is not a model-client wrapper, unless the environment silences it."""
    global _warned
    if _warned:
        return
    try:
        if not path.startswith("/v1/actions") or not isinstance(body, dict):
            return
        if body.get("spend") is None and body.get("usage") is None:
            return
        if integration is not None and integration.split("/")[0] in MODEL_WRAPPERS:
            return
        if os.environ.get(UNWRAPPED_WARNING_ENV, "") not in ("", "0"):
            return
        _warned = True
        warnings.warn(UNWRAPPED_WARNING, UnwrappedModelCallWarning, stacklevel=_caller_level())
    except Exception:  # noqa: BLE001 - observation fails open, even under a filter that turns warnings into errors
        return
