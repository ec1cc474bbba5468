"""What the sync and async clients share without doing I/O: options, the calls each verb makes, how
an answer is read into a value or a typed error, and the small parsers (``ttl``, deadlines)."""

from __future__ import annotations

import json
import os
import random
import re
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import quote, urlencode, urlsplit

import httpx

from ._retry import is_retryable_status, parse_retry_after
from ._unwrapped import warn_if_unwrapped
from ._version import VERSION
from .errors import (
    APIConnectionError,
    APITimeoutError,
    DelegationScopeError,
    GatehouseError,
    error_class_for_status,
)

DEFAULT_BASE_URL = "http://localhost:4000"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 2
#: Longest silence (not even a ping) on the event stream before it reconnects: three server pings.
STREAM_IDLE_TIMEOUT = 45.0
#: What the API records of ``x-gatehouse-integration`` (docs/integrations.md, Coverage).
_INTEGRATION = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}(/[0-9A-Za-z.+-]{1,40})?$")

#: The client the waits for approvals use (``wait_http_client``): an async one for both clients,
#: since the sync client's waits run on a background event loop shared by all its threads.
WaitHttpClient = httpx.AsyncClient


@dataclass(frozen=True)
class Config:
    """A client's resolved options."""

    api_key: str
    base_url: str
    timeout: float
    max_retries: int
    integration: str | None = None
    #: The caller's W3C trace context (``traceparent`` and ``tracestate``), asked for on every call (docs/telemetry.md).
    trace_context: Callable[[], Mapping[str, str] | None] | None = field(default=None, repr=False)
    #: Wall clock (epoch seconds) for ``Retry-After`` dates; replaceable in tests.
    now: Callable[[], float] = field(default=time.time, repr=False)
    random: Callable[[], float] = field(default=random.random, repr=False)
    stream_idle_timeout: float = STREAM_IDLE_TIMEOUT

    def with_key(self, api_key: str) -> Config:
        return replace(self, api_key=api_key)

    def __repr__(self) -> str:  # the key never reaches a log
        return f"Config(base_url={self.base_url!r}, timeout={self.timeout!r}, max_retries={self.max_retries!r})"


def resolve_config(
    api_key: str | None,
    base_url: str | None,
    timeout: float | None,
    max_retries: int | None,
    integration: str | None,
    trace_context: Callable[[], Mapping[str, str] | None] | None = None,
) -> Config:
    """Checks the options (falling back to ``GATEHOUSE_API_KEY`` / ``GATEHOUSE_BASE_URL``) and fills in
    defaults. A mistake raises ``GatehouseError`` naming the option; the message never echoes the key."""
    key = api_key if api_key is not None else os.environ.get("GATEHOUSE_API_KEY")
    if not key:
        raise GatehouseError(
            'Missing api_key: pass Gatehouse(api_key="gh_…") or set GATEHOUSE_API_KEY', code="MISSING_API_KEY"
        )
    if not isinstance(key, str) or not key.startswith("gh_"):
        raise GatehouseError('Invalid api_key: Gatehouse keys start with "gh_"', code="INVALID_API_KEY")
    url = base_url if base_url is not None else os.environ.get("GATEHOUSE_BASE_URL") or DEFAULT_BASE_URL
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise GatehouseError(f"Invalid base_url: {url!r} (expected http(s)://host[:port])", code="INVALID_OPTION")
    seconds = DEFAULT_TIMEOUT if timeout is None else timeout
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds > 0 or seconds == float("inf"):
        raise GatehouseError("Invalid timeout: expected a positive number of seconds", code="INVALID_OPTION")
    retries = DEFAULT_MAX_RETRIES if max_retries is None else max_retries
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise GatehouseError("Invalid max_retries: expected a whole number ≥ 0", code="INVALID_OPTION")
    if integration is not None and not _INTEGRATION.match(integration):
        raise GatehouseError("Invalid integration: expected name/version, e.g. crewai/0.1.0", code="INVALID_OPTION")
    if trace_context is not None and not callable(trace_context):
        raise GatehouseError("Invalid trace_context: expected a function answering {'traceparent': …, 'tracestate': …}", code="INVALID_OPTION")
    return Config(api_key=key, base_url=url.rstrip("/"), timeout=float(seconds), max_retries=retries, integration=integration, trace_context=trace_context)


#: W3C trace context: a version other than ff, trace and parent ids not all zeros.
_TRACEPARENT = re.compile(r"(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}")
_TRACESTATE = re.compile(r"[\x20-\x7e]{1,512}")


def trace_headers(config: Config) -> dict[str, str]:
    """The caller's trace context as headers: a valid ``traceparent`` (with its ``tracestate``), else nothing.
    A hook that raises sends none: tracing is observation and never fails a call."""
    if config.trace_context is None:
        return {}
    try:
        carrier = config.trace_context() or {}
        traceparent = carrier.get("traceparent")
        tracestate = carrier.get("tracestate")
    except Exception:
        return {}
    if not isinstance(traceparent, str) or not _TRACEPARENT.fullmatch(traceparent):
        return {}
    headers = {"traceparent": traceparent}
    if isinstance(tracestate, str) and _TRACESTATE.fullmatch(tracestate):
        headers["tracestate"] = tracestate
    return headers


@dataclass(frozen=True)
class Call:
    """One API call to make: method, path with query, JSON body, extra headers."""

    method: str
    path: str
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    #: Longest wait for one attempt instead of the client's ``timeout`` (a long-poll holds longer).
    timeout: float | None = None
    accept: str = "application/json"


def request_headers(config: Config, call: Call) -> dict[str, str]:
    headers = {
        "accept": call.accept,
        "authorization": f"Bearer {config.api_key}",
        "x-gatehouse-sdk": f"python/{VERSION}",
    }
    if config.integration is not None:
        headers["x-gatehouse-integration"] = config.integration
    headers.update(trace_headers(config))
    if call.body is not None:
        headers["content-type"] = "application/json"
    headers.update(call.headers)
    return headers


def build_request(http: httpx.Client | httpx.AsyncClient, config: Config, call: Call, timeout: httpx.Timeout | None = None) -> httpx.Request:
    warn_if_unwrapped(config.integration, call.path, call.body)
    content = None if call.body is None else json.dumps(call.body, separators=(",", ":"), ensure_ascii=False).encode()
    return http.build_request(
        call.method,
        f"{config.base_url}{call.path}",
        content=content,
        headers=request_headers(config, call),
        timeout=timeout or httpx.Timeout(call.timeout if call.timeout is not None else config.timeout),
    )


@dataclass
class Attempt:
    """How one attempt went: the value, or the error with whether it may be retried and after how long the server asks."""

    ok: bool
    value: Any = None
    error: GatehouseError | None = None
    retry: bool = False
    retry_after: float | None = None

    def failure(self) -> GatehouseError:
        """The error of a failed attempt (to raise)."""
        if self.error is None:
            raise GatehouseError("an attempt that succeeded has no error", code="INTERNAL")
        return self.error


#: Largest answer read into memory (an export and the event stream are streamed instead).
MAX_BODY = 32 * 1024 * 1024
#: Most of an error answer that is read: its envelope is small.
MAX_ERROR_BODY = 64 * 1024
#: The statuses a decision can have; anything else is not Gatehouse's answer.
DECISION_STATUSES = ("executed", "requested", "denied")


def invalid_response(what: str) -> GatehouseError:
    return GatehouseError(f"Gatehouse answered {what}", code="INVALID_RESPONSE")


def decision(value: Any) -> Any:
    """The decision as answered, when it is one: an object whose ``status`` is executed, requested or
    denied. Anything else is ``INVALID_RESPONSE``, never read as a decision."""
    if not isinstance(value, dict) or value.get("status") not in DECISION_STATUSES:
        raise invalid_response("something that is not a decision")
    return value


def too_large(response: httpx.Response) -> Attempt:
    error = GatehouseError(
        f"Gatehouse answered more than {MAX_BODY // (1024 * 1024)} MiB", status=response.status_code, code="RESPONSE_TOO_LARGE"
    )
    return Attempt(ok=False, error=error)


def succeeded(response: httpx.Response, text: str, as_text: bool = False) -> Attempt:
    if as_text:
        return Attempt(ok=True, value=text)
    try:
        return Attempt(ok=True, value=json.loads(text) if text else None)
    except (ValueError, RecursionError):
        error = GatehouseError(
            f"Gatehouse answered {response.status_code} with a body that is not JSON: is base_url "
            f"{_origin(response)} the Gatehouse API?",
            status=response.status_code,
            code="INVALID_RESPONSE",
            request_id=response.headers.get("x-request-id"),
        )
        return Attempt(ok=False, error=error)


def failed_response(config: Config, response: httpx.Response, text: str) -> Attempt:
    """An error status read into its typed error (from the envelope), whether it may be retried, and any ``Retry-After``."""
    envelope = _error_envelope(text)
    status = response.status_code
    cls = error_class_for_status(status, envelope.get("code"))
    message = envelope.get("message")
    if message is None:
        message = f"Request failed with status {status}"
        if not envelope:
            message += f" and no Gatehouse error in the answer: is base_url {_origin(response)} the Gatehouse API?"
    error = cls(
        message,
        status=status,
        code=envelope.get("code"),
        request_id=envelope.get("requestId") or response.headers.get("x-request-id"),
        details=envelope.get("details"),
    )
    return Attempt(
        ok=False,
        error=error,
        retry=is_retryable_status(status),
        retry_after=parse_retry_after(response.headers.get("retry-after"), config.now()),
    )


def _origin(response: httpx.Response) -> str:
    url = response.request.url
    return f"{url.scheme}://{url.netloc.decode()}"


def _error_envelope(text: str) -> dict[str, Any]:
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if not isinstance(error, dict):
        return {}
    found: dict[str, Any] = {name: error[name] for name in ("code", "message", "requestId") if isinstance(error.get(name), str)}
    if "details" in error:
        found["details"] = error["details"]
    return found


def transport_failed(config: Config, call: Call, error: Exception) -> Attempt:
    """A network failure or timeout: retryable."""
    url = f"{config.base_url}{call.path}"
    if isinstance(error, httpx.TimeoutException):
        seconds = call.timeout if call.timeout is not None else config.timeout
        failure: GatehouseError = APITimeoutError(f"Request to {url} timed out after {seconds:g} s")
    else:
        failure = APIConnectionError(f"Could not reach Gatehouse at {url}: {error or type(error).__name__}")
    failure.__cause__ = error
    return Attempt(ok=False, error=failure, retry=True)


def query(**values: str | int | bool | None) -> str:
    """``?a=1&b=x`` of the values that are set, in order; ``""`` when none is."""
    pairs = [(name, _text(value)) for name, value in values.items() if value is not None]
    return f"?{urlencode(pairs)}" if pairs else ""


def _text(value: str | int | bool) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def segment(value: str) -> str:
    """A path segment, escaped."""
    return quote(value, safe="")


def iso_time(value: datetime | str | None) -> str | None:
    """A time option as the API takes it: ISO 8601 (a naive datetime is taken as UTC)."""
    if value is None or isinstance(value, str):
        return value
    moment = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_id() -> str:
    return str(uuid.uuid4())


#: The run a client's calls carry unless a call names another: its runId and name (docs/runs.md).
RunDefaults = tuple[str, str | None]


def run_defaults(run_id: str | None, run_name: str | None, default: RunDefaults | None) -> RunDefaults | None:
    """The run a call goes to: the one it names, else the client's."""
    return (run_id, run_name) if run_id is not None else default


def run_id_for(name: str) -> str:
    """A runId made from a run's name: its letters and digits, then 12 random hex digits."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-")
    return f"{slug or 'run'}-{uuid.uuid4().hex[:12]}"


_UNITS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400}


def ttl_seconds(ttl: int | str) -> int:
    """A delegation's lifetime in whole seconds: a number, or ``"90s"``, ``"15m"``, ``"1h30m"``, ``"1d"``
    (digits alone are seconds). Anything else, or zero, is a ``GatehouseError`` (``INVALID_OPTION``)."""
    if isinstance(ttl, int) and not isinstance(ttl, bool):
        if 0 < ttl <= 2**53 - 1:
            return ttl
    elif isinstance(ttl, str):
        text = ttl.strip().lower()
        if re.fullmatch(r"[0-9]+", text):
            seconds = int(text)
        elif re.fullmatch(r"([0-9]+[smhd])+", text):
            seconds = sum(int(amount) * _UNITS[unit] for amount, unit in re.findall(r"([0-9]+)([smhd])", text))
        else:
            seconds = 0
        if 0 < seconds <= 2**53 - 1:
            return seconds
    raise GatehouseError(
        f'Invalid ttl {ttl!r}: expected whole seconds (900) or a duration like "15m", "2h", "1h30m"', code="INVALID_OPTION"
    )


#: How long ``gate()`` and ``wait_for_approval()`` wait when given no deadline: 8 hours.
DEFAULT_WAIT = 8 * 60 * 60.0


def resolve_deadline(deadline: datetime | timedelta | float | None, monotonic_now: float) -> float:
    """The deadline on the monotonic clock: a ``datetime`` (absolute; naive is UTC), a ``timedelta`` or a
    number of seconds from now, or ``DEFAULT_WAIT`` from now."""
    if deadline is None:
        return monotonic_now + DEFAULT_WAIT
    if isinstance(deadline, datetime):
        moment = deadline if deadline.tzinfo is not None else deadline.replace(tzinfo=timezone.utc)
        return monotonic_now + (moment - datetime.now(timezone.utc)).total_seconds()
    if isinstance(deadline, timedelta):
        return monotonic_now + deadline.total_seconds()
    if isinstance(deadline, (int, float)) and not isinstance(deadline, bool) and deadline == deadline:
        return monotonic_now + float(deadline)
    raise GatehouseError("Invalid deadline: expected a datetime, a timedelta or seconds from now", code="INVALID_OPTION")


def action_body(
    action_type: str,
    metadata: Mapping[str, Any] | None,
    data_accessed: Sequence[Mapping[str, Any]] | None,
    tool: Mapping[str, Any] | None,
    event_id: str | None = None,
    run: RunDefaults | None = None,
    spend: Mapping[str, Any] | None = None,
    screened: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"actionType": action_type}
    run_id, run_name = run if run is not None else (None, None)
    fields = (("metadata", metadata), ("dataAccessed", data_accessed), ("eventId", event_id), ("tool", tool), ("runId", run_id), ("runName", run_name), ("spend", spend))
    for name, value in fields:
        if value is not None:
            body[name] = dict(value) if isinstance(value, Mapping) else value if isinstance(value, str) else list(value)
    if screened is not None:
        body["screened"] = [dict(finding) for finding in screened]
    return body


def naming_capability(error: GatehouseError, capabilities: Sequence[str]) -> GatehouseError:
    """A ``DelegationScopeError`` whose ``path`` points into ``capabilities`` gets that capability named."""
    if not isinstance(error, DelegationScopeError) or error.capability is not None:
        return error
    match = re.fullmatch(r"capabilities\[(\d+)\]", error.path or "")
    if match is None or int(match.group(1)) >= len(capabilities):
        return error
    named = DelegationScopeError(
        error.message,
        capability=capabilities[int(match.group(1))],
        status=error.status,
        code=error.code,
        request_id=error.request_id,
        details=error.details,
    )
    named.__cause__ = error.__cause__
    return named


@dataclass(frozen=True)
class ExportResult:
    """What ``audit.export()`` wrote."""

    #: The file the bundle was written to.
    path: str
    #: Bytes written.
    size: int
    #: The tree size the export covers (``x-gatehouse-tree-size``), when the server said.
    tree_size: int | None
    #: The file name the server suggested.
    filename: str | None
    content_type: str | None
