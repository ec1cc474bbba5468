# Generated from _async_client.py by tools/unasync.py. Do not edit: edit _async_client.py and run it.
"""The client of one agent key, and its audit log and delegates. Written once, as the async client
(``_async_client.py``); the sync one (``_client.py``) is generated from it by tools/unasync.py."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import time
from datetime import datetime, timedelta
from typing import Any, Iterator, Callable, List, Literal, Mapping, Sequence, cast

import httpx

from . import models
from ._http import Http
from ._sync_waits import sync_waits_for
from ._common import (
    STREAM_IDLE_TIMEOUT,
    Call,
    ExportResult,
    WaitHttpClient,
    action_body,
    decision,
    iso_time,
    naming_capability,
    new_id,
    query,
    resolve_config,
    resolve_deadline,
    segment,
    ttl_seconds,
    RunDefaults,
    run_defaults,
    run_id_for,
)
from ._parallel import AsyncTask, T, sync_parallel
from ._proofs import (
    ProofCheck,
    check_consistency,
    check_inclusion,
    invalid_option,
    parse_keys,
    saved_checkpoint_size,
    server_keys,
)
from ._retry import RECONNECT_BASE, RECONNECT_MAX, backoff_delay
from ._sse import Event, SseParser, StreamTooLarge, to_event
from ._heartbeat import Heartbeats
from ._tlog import NoteVerifier
from .errors import GatehouseError, NotFoundError, denied_error



#: A report counts a period's log on the server: minutes for a year of a busy org, so one attempt may wait this long.
_REPORT_TIMEOUT = 600.0


class Audit:
    """The org's audit log as this key sees it (an agent's key: its own agent's entries)."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def list(
        self,
        *,
        cursor: str | None = None,
        limit: int | None = None,
        type: str | None = None,
        action_type: str | None = None,
        agent_id: str | None = None,
        from_: datetime | str | None = None,
        to: datetime | str | None = None,
    ) -> models.AuditEventList:
        """A page of entries, newest first: ``{"events": [...], "nextCursor": ...}``."""
        path = "/v1/audit" + query(
            cursor=cursor, limit=limit, type=type, actionType=action_type, agentId=agent_id, **{"from": iso_time(from_)}, to=iso_time(to)
        )
        return cast(models.AuditEventList, self._http.request(Call("GET", path)))

    def checkpoint(self) -> models.Checkpoint:
        """A signed checkpoint covering every entry written before the call. Save its ``note`` to check
        later that the log only grew (``consistency(since=note)``, ``verify_bundle(..., since=note)``)."""
        return cast(models.Checkpoint, self._http.request(Call("GET", "/v1/audit/checkpoint")))

    def log(
        self,
        kind: str,
        details: Mapping[str, Any] | None = None,
        *,
        audit_event_id: str | None = None,
        event_id: str | None = None,
    ) -> models.Evidence:
        """Adds the agent's own entry to the log (``agent.evidence``): what it actually ran and with what
        result, as ``kind`` (e.g. ``"command.ran"``) and ``details`` (a JSON object of at most 16 KiB,
        screened by the org's content rules, erasable). ``audit_event_id`` names the decision it is
        evidence for. Safe to retry: the same ``event_id`` (default: a new UUID, sent on every retry)
        answers the entry it wrote."""
        event = event_id if event_id is not None else new_id()
        body: dict[str, Any] = {"kind": kind, "details": dict(details) if details is not None else {}, "eventId": event}
        if audit_event_id is not None:
            body["auditEventId"] = audit_event_id
        return cast(models.Evidence, self._http.request(Call("POST", "/v1/audit/entries", body, {"idempotency-key": event})))

    def checkpoints(self, *, cursor: str | None = None, limit: int | None = None) -> models.CheckpointList:
        """A page of the signed checkpoints, largest tree first."""
        return cast(models.CheckpointList, self._http.request(Call("GET", "/v1/audit/checkpoints" + query(cursor=cursor, limit=limit))))

    def keys(self) -> models.SigningKeyList:
        """The org's checkpoint verifier keys, retired ones included. Pin them where the log's keepers cannot change them."""
        return cast(models.SigningKeyList, self._http.request(Call("GET", "/v1/audit/keys")))

    def proof(
        self,
        *,
        entry_id: str | None = None,
        seq: int | None = None,
        tree_size: int | None = None,
        keys: Sequence[str] | None = None,
    ) -> ProofCheck:
        """The inclusion proof of one entry (by ``entry_id`` or ``seq``) in the tree of ``tree_size``
        (default: the whole log now), checked here: the path must lead from the entry's leaf hash to a
        root signed by one of ``keys`` (default: the org's, fetched from the server). Raises only when
        the call fails; a proof that does not check out is ``verified=False`` with its ``problem``."""
        if entry_id is None and seq is None:
            raise invalid_option("proof needs an entry_id or a seq")
        given = None if keys is None else parse_keys(keys)
        answer = self._http.request(Call("GET", "/v1/audit/proof" + query(entryId=entry_id, seq=seq, treeSize=tree_size)))
        verifiers = given if given is not None else self._server_keys()
        problem = check_inclusion(answer, {"entryId": entry_id, "seq": seq, "treeSize": tree_size}, verifiers)
        return ProofCheck(answer, problem is None, problem, "options" if given is not None else "server")

    def consistency(
        self,
        *,
        from_size: int | None = None,
        since: str | None = None,
        to: int | None = None,
        keys: Sequence[str] | None = None,
    ) -> ProofCheck:
        """The proof that the tree of size ``from_size`` is a prefix of the tree of ``to`` (default: the
        whole log now), checked here. Pass ``since``, a checkpoint note you saved, instead of
        ``from_size`` to check the log only grew since: its signature and root must match too."""
        saved = None if since is None else saved_checkpoint_size(since)
        if saved is not None and from_size is not None and from_size != saved:
            raise invalid_option(f"from_size ({from_size}) differs from the size of the since checkpoint ({saved})")
        first = saved if saved is not None else from_size
        if first is None:
            raise invalid_option("consistency needs from_size or since")
        given = None if keys is None else parse_keys(keys)
        answer = self._http.request(Call("GET", "/v1/audit/proof" + query(**{"from": first}, to=to)))
        verifiers = given if given is not None else self._server_keys()
        problem = check_consistency(answer, first, to, since, verifiers)
        return ProofCheck(answer, problem is None, problem, "options" if given is not None else "server")

    def _server_keys(self) -> List[NoteVerifier]:
        return server_keys(self._http.request(Call("GET", "/v1/audit/keys")))

    def verify(self) -> models.AuditVerification:
        """Asks the server to recompute the whole log from its stored rows. To check without trusting
        the server, ``export()`` it and run ``gatehouse.verify.verify_bundle``."""
        return cast(models.AuditVerification, self._http.request(Call("POST", "/v1/audit/verify")))

    def article12_report(self, *, from_: datetime | str, to: datetime | str) -> models.Article12Report:
        """The Article 12 evidence report over the period (entries written at or after ``from_`` and
        before ``to``; at most 367 days, ending no later than now): agents that acted, decisions of each
        kind, human oversight, the policies in force and their changes, incidents, log integrity (the
        signed checkpoint it covers), retention and coverage, each section with what it can and cannot
        show. Evidence, not a claim of compliance (docs/reports.md). Needs a member's admin key with
        ``audit.export`` (owners, admins, auditors). Producing it is recorded in the log."""
        body = {"from": iso_time(from_), "to": iso_time(to), "format": "json"}
        return cast(models.Article12Report, self._http.request(Call("POST", "/v1/audit/reports/article12", body, timeout=_REPORT_TIMEOUT)))

    def article12_html(self, *, from_: datetime | str, to: datetime | str) -> str:
        """The same report as its printable page: one self-contained HTML document to open and print."""
        body = {"from": iso_time(from_), "to": iso_time(to), "format": "html"}
        return cast(str, self._http.request(Call("POST", "/v1/audit/reports/article12", body, timeout=_REPORT_TIMEOUT, accept="text/html")))

    def export(
        self,
        path: str | os.PathLike[str],
        *,
        format: Literal["jsonl", "csv"] = "jsonl",
        from_: datetime | str | None = None,
        to: datetime | str | None = None,
        agent_id: str | None = None,
        type: str | None = None,
        since_size: int | None = None,
    ) -> ExportResult:
        """Downloads the log to ``path`` as it streams (never whole in memory): JSON Lines anyone can
        verify offline (``verify_bundle(path)``), or ``format="csv"``. It is written to a new file beside
        ``path`` and renamed over it when complete, so ``path`` never holds a cut-off bundle.
        ``filename`` in the result is what the server suggested: not to be trusted as a path."""
        target = os.fspath(path)
        accept = "text/csv" if format == "csv" else "application/x-ndjson"
        call = Call(
            "GET",
            "/v1/audit/export"
            + query(format=format, **{"from": iso_time(from_)}, to=iso_time(to), agentId=agent_id, type=type, sinceSize=since_size),
            accept=accept,
        )
        response = self._http.open_stream(call, self._http.config.timeout)
        size = 0
        # A file of its own beside the target (created exclusively: never one planted there, nor another
        # export's), renamed over the target once complete.
        descriptor, partial = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(target)), prefix=f".{os.path.basename(target)}.", suffix=".part")
        try:
            with os.fdopen(descriptor, "wb") as file:
                for chunk in response.iter_bytes():
                    file.write(chunk)
                    size += len(chunk)
        except httpx.TransportError as error:
            _remove(partial)
            raise GatehouseError(f"The export from {self._http.config.base_url} broke off: {error}", code="EXPORT_INCOMPLETE") from error
        except BaseException:
            _remove(partial)
            raise
        finally:
            response.close()
        os.replace(partial, target)
        tree_size = response.headers.get("x-gatehouse-tree-size")
        disposition = response.headers.get("content-disposition") or ""
        filename = disposition.split('filename="', 1)[1].split('"', 1)[0] if 'filename="' in disposition else None
        return ExportResult(
            path=target,
            size=size,
            tree_size=int(tree_size) if tree_size is not None and re.fullmatch(r"[0-9]{1,16}", tree_size) else None,
            filename=filename,
            content_type=response.headers.get("content-type"),
        )


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


class Gatehouse:
    """A client of the Gatehouse API for one agent key.

    ``api_key`` and ``base_url`` default to ``GATEHOUSE_API_KEY`` and ``GATEHOUSE_BASE_URL`` (else
    ``http://localhost:4000``). ``timeout`` bounds one attempt, in seconds (default 30); failed calls
    (network errors, timeouts, 408, 429, 5xx) are retried ``max_retries`` times (default 2) with
    backoff and ``Retry-After``, with the same idempotency key. ``http_client`` is used for every call
    and left open on ``close()``. The waits for approvals use ``wait_http_client`` (httpx's async
    client, for both clients: the sync client's waits run on a background event loop) when given;
    else the async client's waits share its ``http_client``, and the sync client's open their own.

    ``trace_context`` is called on every request for the caller's W3C trace context, sent as ``traceparent`` and
    ``tracestate`` so the agent's trace continues through Gatehouse (docs/telemetry.md); with OpenTelemetry:
    ``trace_context=lambda: (lambda c: (propagate.inject(c), c)[1])({})``. A value that is not a valid
    ``traceparent`` is left out, and a hook that raises sends none.

    Use it as a context manager (``with Gatehouse() as gh:``) or call ``close()``.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        http_client: httpx.Client | None = None,
        wait_http_client: WaitHttpClient | None = None,
        integration: str | None = None,
        heartbeat: bool = True,
        trace_context: Callable[[], Mapping[str, str] | None] | None = None,
    ) -> None:
        config = resolve_config(api_key, base_url, timeout, max_retries, integration, trace_context)
        self._setup(Http(config, http_client), wait_http_client, Heartbeats(config) if heartbeat else None)

    def _setup(self, http: Http, wait_http_client: WaitHttpClient | None, beats: Heartbeats | None = None) -> None:
        # The client says it is there while in use (docs/agents.md, Presence): the first beat one
        # interval after its first call, then one per interval until five idle minutes; ``heartbeat=False`` turns it off.
        self._beats = beats
        if beats is not None:
            http.on_use = beats.use
        self._http = http
        self._wait_http_client = wait_http_client
        self._waits = sync_waits_for(http, wait_http_client)
        self._run: RunDefaults | None = None
        #: The audit log: ``list``, ``checkpoint``, ``checkpoints``, ``keys``, ``proof`` and
        #: ``consistency`` (checked here), ``verify``, ``export``.
        self.audit = Audit(http)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._http.config.base_url!r})"

    @property
    def base_url(self) -> str:
        return self._http.config.base_url

    def with_integration(self, integration: str) -> Gatehouse:
        """A client on the same key and connection that names an adapter on every call
        (``x-gatehouse-integration``, e.g. ``crewai/0.1.0``), so the console shows which integrations
        the agent uses."""
        config = self._http.config
        return self._sibling(
            Http(resolve_config(config.api_key, config.base_url, config.timeout, config.max_retries, integration, config.trace_context), self._http.client)
        )

    def _sibling(self, http: Http) -> Gatehouse:
        """A client on ``http`` (this client's connection, which it does not close), in this client's run."""
        http.owns_client = False
        child = Gatehouse.__new__(Gatehouse)
        # One heartbeat session for the copies of a client: they are the same agent, used together.
        child._setup(http, self._wait_http_client, self._beats)
        child._run = self._run
        return child

    @property
    def run_id(self) -> str | None:
        """The runId this client's calls carry (a client made by ``run()`` or ``with_run()``), else ``None``."""
        return self._run[0] if self._run is not None else None

    def execute(
        self,
        action_type: str,
        *,
        metadata: Mapping[str, Any] | None = None,
        data_accessed: Sequence[Mapping[str, Any]] | None = None,
        event_id: str | None = None,
        tool: Mapping[str, Any] | None = None,
        run_id: str | None = None,
        run_name: str | None = None,
        spend: models.ActionRequestSpend | Mapping[str, Any] | None = None,
        screened: Sequence[Mapping[str, Any]] | None = None,
    ) -> models.ActionResult:
        """Asks Gatehouse to decide on an action and records the decision in the audit log.

        Answers the decision whatever it is: ``executed``, ``requested`` (an approval is pending) or
        ``denied`` (a result, not an error; ``assert_allowed(result)`` raises it). ``event_id`` is the
        action's idempotency key (default: a new UUID), sent on every retry: a retry whose answer was
        lost gets the same decision, never a second action. ``run_id`` (and ``run_name``) put the call in
        a run (docs/runs.md); default: the client's run, for a client made by ``run()`` or ``with_run()``.
        ``spend`` declares a model call's spend (``{"model", "inputTokens", "maxOutputTokens"}``,
        docs/budgets.md): its projected cost is reserved against the budgets that apply; report its
        ``usage`` to settle it. ``screened`` is what your own screen found in content you do not send
        (a model call's prompt; the model-client wrappers send it, docs/guardrails.md): ``{"detector",
        "class", "path"}`` each, never the value; the answer's ``content`` says the rules to apply."""
        event = event_id if event_id is not None else new_id()
        run = run_defaults(run_id, run_name, self._run)
        call = Call("POST", "/v1/actions", action_body(action_type, metadata, data_accessed, tool, event, run, spend, screened), {"idempotency-key": event})
        return cast(models.ActionResult, decision(self._http.request(call)))

    def gate(
        self,
        action_type: str,
        *,
        metadata: Mapping[str, Any] | None = None,
        data_accessed: Sequence[Mapping[str, Any]] | None = None,
        event_id: str | None = None,
        tool: Mapping[str, Any] | None = None,
        deadline: datetime | timedelta | float | None = None,
        on_requested: Callable[[models.ActionResult], Any] | None = None,
        run_id: str | None = None,
        run_name: str | None = None,
        spend: models.ActionRequestSpend | Mapping[str, Any] | None = None,
        screened: Sequence[Mapping[str, Any]] | None = None,
    ) -> models.ActionResult:
        """Asks before acting and waits for the answer: answers the ``executed`` result once the action
        may go ahead, at once or the moment its approval is granted (pushed by a long-poll, not polled).
        Raises ``DeniedError`` when a policy or a reviewer denies it (``decided_by``,
        ``decision_reason``), or the approval expires or is cancelled; ``ApprovalTimeoutError`` when
        nobody decides before ``deadline`` (a datetime, or a timedelta or seconds from now; default
        8 hours). ``on_requested`` is called with the ``requested`` result before waiting.

        All waits of one client share one long-poll per 1,000 approvals, however many are open."""
        until = resolve_deadline(deadline, _monotonic())
        result = self.execute(
            action_type,
            metadata=metadata,
            data_accessed=data_accessed,
            event_id=event_id,
            tool=tool,
            run_id=run_id,
            run_name=run_name,
            spend=spend,
            screened=screened,
        )
        if result["status"] == "executed":
            return result
        if result["status"] == "denied":
            raise denied_error(result)
        approval_id = result.get("approvalId")
        if approval_id is None:
            raise GatehouseError("Gatehouse answered requested without an approvalId", code="INVALID_RESPONSE")
        if on_requested is not None:
            on_requested(result)
        return cast(models.ActionResult, self._waits.wait(approval_id, until))

    def wait_for_approval(self, approval_id: str, *, deadline: datetime | timedelta | float | None = None) -> models.ActionResult:
        """Waits for an approval to be decided, e.g. to pick up again after a restart: answers the
        action's ``executed`` result when approved; raises ``DeniedError`` (``DENIED_BY_REVIEWER``,
        ``APPROVAL_EXPIRED``, ``AGENT_HALTED``) or ``ApprovalTimeoutError`` (the approval stays pending)."""
        until = resolve_deadline(deadline, _monotonic())
        return cast(models.ActionResult, self._waits.wait(approval_id, until))

    def approval(self, approval_id: str) -> models.Approval:
        """One of this agent's approvals, as it stands."""
        return cast(models.Approval, self._http.request(Call("GET", f"/v1/approvals/{segment(approval_id)}")))

    def can_i(
        self,
        action_type: str,
        *,
        metadata: Mapping[str, Any] | None = None,
        data_accessed: Sequence[Mapping[str, Any]] | None = None,
        tool: Mapping[str, Any] | None = None,
        run_id: str | None = None,
        spend: models.ActionRequestSpend | Mapping[str, Any] | None = None,
        screened: Sequence[Mapping[str, Any]] | None = None,
    ) -> models.CheckResult:
        """What ``execute`` would decide now, without recording anything, creating an approval or
        counting toward rate limits (``allowed``, ``needsApproval``), its budgets included (nothing
        is reserved). It starts no run."""
        run = run_defaults(run_id, None, self._run)
        call = Call("POST", "/v1/actions/check", action_body(action_type, metadata, data_accessed, tool, None, (run[0], None) if run else None, spend, screened))
        return cast(models.CheckResult, decision(self._http.request(call)))

    def scan(self, *, text: str | None = None, json: Any = None) -> models.ScanResult:
        """Scans ``text`` or ``json`` (exactly one; ``json`` any JSON value) for secrets and personal data
        with the detectors the decisions' content screen uses, both classes always (``POST /v1/scan``).
        Answers each finding's ``detector``, ``class`` and ``path`` (``text``; ``json.ticket.summary``,
        ``json.items[0]``), a text's also ``start``/``end`` (UTF-16 offsets), never the value; at most
        100, ``truncated`` when there were more. Nothing is stored: no audit entry, no decision. ``text``
        at most 256 KiB; ``json`` at most 32 levels, 10,000 values and 256 KiB in its strings and keys
        (a ``BadRequestError`` naming the field past them). Both or neither raise ``GatehouseError``
        (``INVALID_OPTION``) before any request; ``json=None`` is not given (``null`` holds nothing to find)."""
        if (text is None) == (json is None):
            raise invalid_option(f"scan takes text= or json=, exactly one of the two ({'both were' if text is not None else 'neither was'} given)")
        body: dict[str, Any] = {"text": text} if text is not None else {"json": json}
        return cast(models.ScanResult, self._http.request(Call("POST", "/v1/scan", body)))

    def report(
        self,
        audit_event_id: str,
        status: Literal["success", "failure", "partial"],
        *,
        message: str | None = None,
        run_id: str | None = None,
        usage: models.OutcomeRequestUsage | Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        screened: Sequence[Mapping[str, Any]] | None = None,
    ) -> models.Outcome:
        """Reports how an executed (or approved) action went. The first outcome wins: the same report
        again answers the outcome on record; a different one raises ``ConflictError`` (never retried).
        A ``failure`` counts toward the agent's circuit breaker. ``run_id``, when given, is checked
        against the run the action was recorded in (another run's is a ``BadRequestError``). ``usage``
        (``{"inputTokens", "outputTokens", "cachedInputTokens"?}``, as the provider reported it) settles
        the decision's reservation at its actual cost (docs/budgets.md). ``data`` (facts about the
        result, e.g. ``{"rowsAffected": 12}``) is tested by the policies' post-conditions as
        ``outcome.<path>``; the answer's ``violations`` names any it broke (docs/policies.md).
        ``screened``: what your own screen found in the result you keep (a model's answer), recorded as
        flagged findings (docs/guardrails.md)."""
        body: dict[str, Any] = {"status": status}
        if message is not None:
            body["message"] = message
        if run_id is not None:
            body["runId"] = run_id
        if usage is not None:
            body["usage"] = dict(usage)
        if data is not None:
            body["data"] = dict(data)
        if screened is not None:
            body["screened"] = [dict(finding) for finding in screened]
        return cast(models.Outcome, self._http.request(Call("POST", f"/v1/actions/{segment(audit_event_id)}/outcome", body)))

    def with_run(self, run_id: str, *, name: str | None = None) -> Gatehouse:
        """A client on the same key and connection whose calls belong to the run ``run_id``
        (docs/runs.md), e.g. to carry on a run in another process. Nothing is sent until a call."""
        child = self._sibling(Http(self._http.config, self._http.client))
        child._run = (run_id, name)
        return child

    @contextlib.contextmanager
    def run(self, name: str, *, run_id: str | None = None, on_end_error: Callable[[BaseException], Any] | None = None) -> Iterator[Gatehouse]:
        """Runs a block as one run (docs/runs.md): every call of the client it gives (``execute``,
        ``gate``, ``can_i``, and its delegates' calls) is recorded in the run, which the first call
        starts. Leaving the block ends the run ``completed``, or ``failed`` when it raises (the
        exception goes on). Ending is bookkeeping: its failure goes to ``on_end_error`` and never
        fails the block; a run in which no call was made does not exist (its 404 is ignored).
        ``run_id``: default, one made from the name and a random part."""
        client = self.with_run(run_id if run_id is not None else run_id_for(name), name=name)
        try:
            yield client
        except BaseException:
            client._end_quietly("failed", on_end_error)
            raise
        client._end_quietly("completed", on_end_error)

    def _end_quietly(self, status: Literal["completed", "failed", "cancelled"], on_end_error: Callable[[BaseException], Any] | None) -> None:
        if self._run is None:
            return
        try:
            self.end_run(self._run[0], status)
        except NotFoundError:
            pass
        except GatehouseError as error:
            if on_end_error is not None:
                on_end_error(error)

    def runs(self, *, status: str | None = None, limit: int | None = None, cursor: str | None = None) -> models.RunList:
        """This agent's runs (those it started or that are rooted at it), the most recently active first."""
        return cast(models.RunList, self._http.request(Call("GET", "/v1/runs" + query(status=status, limit=limit, cursor=cursor))))

    def get_run(self, run_id: str) -> models.RunDetail:
        """One of this agent's runs, by its id (``run_…``) or the runId it chose, with its timeline."""
        return cast(models.RunDetail, self._http.request(Call("GET", f"/v1/runs/{segment(run_id)}")))

    def end_run(self, run_id: str, status: Literal["completed", "failed", "cancelled"] = "completed") -> models.Run:
        """Ends one of this agent's runs (by its id or runId); a later call naming it picks it up again."""
        return cast(models.Run, self._http.request(Call("POST", f"/v1/runs/{segment(run_id)}/end", {"status": status})))

    def policies(self, *, scope: Literal["own", "org"] | None = None) -> models.PolicyList:
        """The active policies: those that apply to this agent (``"own"``, the default) or all the org's."""
        return cast(models.PolicyList, self._http.request(Call("GET", "/v1/policies" + query(scope=scope))))

    def whoami(self) -> models.WhoAmI:
        """The org, agent and key behind this client's key, with the agent's breaker state and policies.
        A wrong key raises ``AuthenticationError``; a wrong ``base_url`` says it is not the Gatehouse API."""
        return cast(models.WhoAmI, self._http.request(Call("GET", "/v1/whoami")))

    def prices(self) -> models.PriceList:
        """The prices model calls are counted at (docs/budgets.md): the built-in table, each entry with
        its source and the day it took effect, and the org's own prices."""
        return cast(models.PriceList, self._http.request(Call("GET", "/v1/prices")))

    def content_detectors(self) -> models.ScreenDetectorList:
        """The org's enabled content detectors (``GET /v1/content/detectors/screen``, docs/content-detectors.md):
        each one's name and class, never its pattern (an admin's to read: ADR 0038). When there is any, the
        model-client wrappers send the texts they screen to ``POST /v1/scan``, where the patterns run."""
        return cast(models.ScreenDetectorList, self._http.request(Call("GET", "/v1/content/detectors/screen")))

    def heartbeat(self, *, interval_seconds: int = 30, state: Literal["running", "stopped"] = "running") -> models.Heartbeat:
        """Says the agent is there (``POST /v1/heartbeat``, docs/agents.md, Presence): ``running`` opens or
        keeps its heartbeat session, so three missed beats read as unresponsive; ``stopped`` closes it.
        Any call with the agent's key counts as a beat too. (The TypeScript SDK sends these by itself;
        this client sends one when asked.)"""
        body = {"intervalSeconds": interval_seconds, "state": state}
        return cast(models.Heartbeat, self._http.request(Call("POST", "/v1/heartbeat", body)))

    def posture(self) -> models.Posture:
        """The org's posture score: 0–100, four components of 25, each deduction a finding with its fix."""
        return cast(models.Posture, self._http.request(Call("GET", "/v1/posture")))

    def coverage(self) -> models.Coverage:
        """How each of the org's agents' calls reach Gatehouse over the last 30 days (``GET /v1/coverage``,
        docs/agents.md, Coverage): the integrations seen, model calls through a wrapper against spend
        declared by hand, tool calls through an adapter against by hand. Needs a member's key (``gh_admin_…``,
        any role); an agent's key raises ``PermissionDeniedError``."""
        return cast(models.Coverage, self._http.request(Call("GET", "/v1/coverage")))

    def verify(self) -> models.AuditVerification:
        """The server's own check of the audit log (``audit.verify()``)."""
        return self.audit.verify()

    def delegate(
        self,
        name: str,
        *,
        capabilities: Sequence[str],
        ttl: int | str = 300,
        metadata: Mapping[str, Any] | None = None,
    ) -> DelegatedAgent:
        """Hands a narrower, short-lived part of this agent's authority to a new child agent: a client
        on the child's key. ``capabilities`` must be covered by this agent's own, else
        ``DelegationScopeError`` naming the capability. ``ttl``: seconds, or ``"15m"``, ``"1h30m"``.
        ``with gh.delegate(...) as sub:`` revokes it on exit (so does ``sub.revoke()``); it ends by
        itself at ``expires_at``."""
        return self._delegate(name, capabilities, ttl, metadata)

    def _delegate(self, name: str, capabilities: Sequence[str], ttl: int | str, metadata: Mapping[str, Any] | None) -> DelegatedAgent:
        if isinstance(capabilities, str):
            raise GatehouseError("Invalid capabilities: expected a list of action-type patterns", code="INVALID_OPTION")
        body: dict[str, Any] = {"name": name, "capabilities": list(capabilities), "ttlSeconds": ttl_seconds(ttl)}
        if metadata is not None:
            body["metadata"] = dict(metadata)
        try:
            # One key per call, the same on every retry: a retry whose answer was lost gets the same child.
            created = self._http.request(Call("POST", "/v1/delegations", body, {"idempotency-key": new_id()}))
        except GatehouseError as error:
            raise naming_capability(error, list(capabilities)) from None
        return DelegatedAgent._made(self, cast(models.CreatedDelegation, created))

    def delegations(self, *, role: Literal["parent", "child"] | None = None, active_only: bool | None = None) -> list[models.Delegation]:
        """This agent's delegations, newest first: those it granted (``"parent"``, the default) or the
        one it received (``"child"``). ``active_only`` leaves out revoked and expired ones."""
        answer = self._http.request(Call("GET", "/v1/delegations" + query(role=role, activeOnly=active_only)))
        return cast(list[models.Delegation], answer["delegations"])

    def get_delegation(self, delegation_id: str) -> models.Delegation:
        """One delegation below this agent, or the one it received."""
        return cast(models.Delegation, self._http.request(Call("GET", f"/v1/delegations/{segment(delegation_id)}")))

    def revoke(self, delegation_id: str) -> models.RevokedDelegations:
        """Revokes a delegation below this agent and, in the same transaction, every one below it: their
        keys stop at their next call, their pending approvals are cancelled. Safe to repeat (answers an
        empty list); this agent's own delegation, a sibling's or another org's is ``NotFoundError``."""
        return cast(models.RevokedDelegations, self._http.request(Call("DELETE", f"/v1/delegations/{segment(delegation_id)}")))

    def subscribe(
        self,
        *,
        types: Sequence[str] | None = None,
        agent_id: str | None = None,
        last_event_id: str | None = None,
    ) -> Iterator[Event]:
        """This agent's events as they happen (``action.executed``, ``approval.decided``, …):
        ``for event in gh.subscribe():``. A dropped or silent connection, a network error, 408,
        429 or 5xx reconnects after a backoff, resuming after the last event seen (start after one you
        saw with ``last_event_id``); another error status raises. Leaving the loop closes the stream."""
        wanted = None if types is None else set(types)
        path = "/v1/events" + query(types=",".join(types) if types else None, agentId=agent_id)
        last = last_event_id or ""
        server_retry: float | None = None
        failures = 0
        random = self._http.config.random
        while True:
            headers = {"cache-control": "no-cache", **({"last-event-id": last} if last else {})}
            attempt, response = self._http.open_once(Call("GET", path, headers=headers, accept="text/event-stream"), STREAM_IDLE_TIMEOUT)
            retry_after: float | None = None
            if response is None:
                if not attempt.retry:
                    raise attempt.failure()
                retry_after = attempt.retry_after
            else:
                try:
                    content_type = response.headers.get("content-type", "")
                    if not content_type.lower().startswith("text/event-stream"):
                        raise GatehouseError(
                            f"Gatehouse answered {path} with {content_type or 'no content type'}, not an event stream",
                            status=response.status_code,
                            request_id=response.headers.get("x-request-id"),
                        )
                    parser = SseParser(last)
                    for chunk in response.iter_bytes():
                        failures = 0
                        for message in parser.feed(chunk):
                            event = to_event(message)
                            if event is not None and event.type != "stream.closed" and (wanted is None or event.type in wanted or event.type == "replay.truncated"):
                                yield event
                        last = parser.last_event_id
                    server_retry = parser.retry if parser.retry is not None else server_retry
                except (httpx.TransportError, StreamTooLarge):
                    pass  # broke, went silent or sent what no event is: reconnect after the last event seen
                finally:
                    response.close()
            # What the server asks for, but never shorter than the backoff: a stream that keeps failing does not spin.
            delay = max(retry_after or 0.0, server_retry or 0.0, backoff_delay(failures, random, RECONNECT_BASE, RECONNECT_MAX))
            failures += 1
            time.sleep(delay)

    @staticmethod
    def parallel(tasks: Sequence[Callable[[], T]], *, concurrency: int | None = None) -> List[T | BaseException]:
        """Runs the functions on threads, at most ``concurrency`` at a time, and answers each one's
        value or exception in the tasks' order. Their gates share this client's waits."""
        return sync_parallel(tasks, concurrency=concurrency)

    def close(self) -> None:
        """Ends the waits under way (``CLIENT_CLOSED``) and closes the client's connections (not an
        ``http_client`` you passed in); with a heartbeat session open, says ``stopped``."""
        self._waits.close()
        if self._beats is not None:
            self._beats.stop()
        self._http.close()

    def __enter__(self) -> Gatehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DelegatedAgent(Gatehouse):
    """A client on a delegate's key, made by ``delegate()``: every call acts as the child agent, with the
    options and connection of the client that delegated. ``revoke()`` (or leaving its ``with``)
    ends the delegation and every one below it."""

    @classmethod
    def _made(cls, parent: Gatehouse, created: models.CreatedDelegation) -> DelegatedAgent:
        agent = cls.__new__(cls)
        child_http = parent._http.with_key(created["apiKey"])
        # A delegate is an agent of its own: it beats for itself (when its parent beats).
        agent._setup(child_http, parent._wait_http_client, Heartbeats(child_http.config) if parent._beats is not None else None)
        # A delegate made inside a run works in that run (its calls join its root agent's run).
        agent._run = parent._run
        agent._parent = parent
        #: The whole delegation as the server answered it.
        agent.delegation = created["delegation"]
        agent._revoked = None
        return agent

    _parent: Gatehouse
    delegation: models.Delegation
    _revoked: models.RevokedDelegations | None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, capabilities={self.capabilities!r}, expires_at={self.expires_at!r})"

    @property
    def id(self) -> str:
        """The delegation's id, ``dlg_…``."""
        return self.delegation["id"]

    @property
    def child_agent_id(self) -> str:
        """The child agent, ``agt_…``, this client acts as."""
        return self.delegation["childAgentId"]

    @property
    def expires_at(self) -> str:
        """When the delegation ends by itself (ISO 8601)."""
        return self.delegation["expiresAt"]

    @property
    def capabilities(self) -> list[str]:
        """The action-type patterns the delegate may act on."""
        return list(self.delegation["capabilities"])

    @property
    def api_key(self) -> str:
        """The child's key, e.g. to hand to a sub-agent elsewhere. A secret: never in ``repr``."""
        return self._http.config.api_key

    def revoke(self, delegation_id: str | None = None) -> models.RevokedDelegations:
        """Without an id: revokes this delegation with the key of the client that delegated (a delegate
        may not revoke its own) and every one below; later calls answer the same without calling again.
        With an id: as ``Gatehouse.revoke``, with the delegate's key."""
        if delegation_id is not None:
            return super().revoke(delegation_id)
        if self._revoked is None:
            self._revoked = self._parent.revoke(self.id)
        return self._revoked

    def __enter__(self) -> DelegatedAgent:
        return self

    def __exit__(self, *exc: object) -> None:
        """Revokes the delegation (unless it was already) and closes the delegate's waits."""
        try:
            self.revoke()
        finally:
            self.close()




def _monotonic() -> float:
    return time.monotonic()
