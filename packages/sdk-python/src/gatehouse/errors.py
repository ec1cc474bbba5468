"""Every error the SDK raises, mirroring ``@gatehouse/sdk``: ``GatehouseError`` and its subclasses.

HTTP errors carry ``status``, ``code`` (from the API's error envelope), ``request_id`` (quote it in bug
reports) and ``details``. A denial is not an HTTP error: ``execute()`` and ``can_i()`` return it, and
``gate()`` / ``assert_allowed()`` raise it as ``DeniedError``.
"""

from __future__ import annotations

from typing import Any, Mapping


class GatehouseError(Exception):
    """Base class of every error the SDK raises."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        #: HTTP status of the response, when there was one.
        self.status = status
        #: Machine-readable code from the error envelope, e.g. ``"INVALID_API_KEY"``.
        self.code = code
        #: Id of the request on the server (``error.requestId`` or the ``x-request-id`` header).
        self.request_id = request_id
        #: Extra detail from the error envelope, e.g. validation issues naming the field.
        self.details = details

    def __str__(self) -> str:
        return self.message


class BadRequestError(GatehouseError):
    """400: the request was malformed (``details.issues`` names the field)."""


class AuthenticationError(GatehouseError):
    """401: the API key is missing, malformed, unknown or revoked."""


class PermissionDeniedError(GatehouseError):
    """403: the key is valid but may not do this."""


class DelegationScopeError(PermissionDeniedError):
    """403 ``DELEGATION_SCOPE`` from ``delegate()``: a capability asked for is not covered by the
    delegating agent's own (``capability`` names it), or a ``ttl`` that outlives the delegating
    delegate's own delegation (``path`` is ``ttlSeconds``). A delegate's denied *action* is a
    ``DeniedError`` with reason ``DELEGATION_SCOPE``, not this."""

    def __init__(self, message: str, *, capability: str | None = None, **init: Any) -> None:
        super().__init__(message, **init)
        details = self.details if isinstance(self.details, Mapping) else {}
        issues = details.get("issues")
        first = issues[0] if isinstance(issues, list) and issues else None
        path = first.get("path") if isinstance(first, Mapping) else None
        #: The field refused: ``capabilities[1]`` or ``ttlSeconds``.
        self.path: str | None = path if isinstance(path, str) else None
        named = details.get("capability")
        #: The capability refused, when one was.
        self.capability: str | None = capability if capability is not None else named if isinstance(named, str) else None


class NotFoundError(GatehouseError):
    """404: no such object in this organization (another org's id is a 404 too)."""


class ConflictError(GatehouseError):
    """409: the request conflicts with the state, e.g. an ``event_id`` reused for another action,
    or an outcome that differs from the one on record. Never retried: a retry cannot change it."""


class PayloadTooLargeError(GatehouseError):
    """413: the request body is too large."""


class UnprocessableEntityError(GatehouseError):
    """422: the request was well-formed but invalid."""


class RateLimitError(GatehouseError):
    """429: too many requests (retried, honouring ``Retry-After``, before it is raised)."""


class InternalServerError(GatehouseError):
    """5xx: the server failed (retried before it is raised)."""


class APIConnectionError(GatehouseError):
    """The server could not be reached, or the connection broke (retried before it is raised)."""


class APITimeoutError(APIConnectionError):
    """An attempt took longer than the ``timeout`` option."""


_BY_STATUS: dict[int, type[GatehouseError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_class_for_status(status: int, code: str | None = None) -> type[GatehouseError]:
    """The error class of an HTTP error status (and its code); other statuses get ``GatehouseError``."""
    if status >= 500:
        return InternalServerError
    if status == 403 and code == "DELEGATION_SCOPE":
        return DelegationScopeError
    return _BY_STATUS.get(status, GatehouseError)


class DeniedError(GatehouseError):
    """A policy or a reviewer denied the action. Raised by ``gate()``, ``wait_for_approval()`` and
    ``assert_allowed()``; ``execute()`` and ``can_i()`` return denials instead."""

    def __init__(
        self,
        result: Mapping[str, Any],
        *,
        approval_id: str | None = None,
        decided_by: str | None = None,
        decision_reason: str | None = None,
    ) -> None:
        reason = str(result.get("denialReason") or "DENIED")
        policy = result.get("policyName")
        by = f' by policy "{policy}"' if isinstance(policy, str) else ""
        reviewer = [part for part in (f"by {decided_by}" if decided_by else None, _quoted(decision_reason)) if part]
        review = f" ({': '.join(reviewer)})" if reviewer else ""
        super().__init__(f"Action denied{by}: {reason}{review}", code=reason)
        #: Why the action was denied, e.g. ``"CONDITIONS_DENIED"`` or ``"DENIED_BY_REVIEWER"``.
        self.reason = reason
        #: The policy that decided, when one did.
        self.policy: str | None = policy if isinstance(policy, str) else None
        #: The conditions the engine evaluated.
        self.conditions: list[Any] = list(result.get("conditionsEvaluated") or [])
        audit_event_id = result.get("auditEventId")
        #: The audit entry of the denial; ``None`` for a ``can_i()`` answer, which records nothing.
        self.audit_event_id: str | None = audit_event_id if isinstance(audit_event_id, str) else None
        named_approval = result.get("approvalId")
        #: The approval that was denied, expired or cancelled, when the action went through one.
        self.approval_id: str | None = approval_id or (named_approval if isinstance(named_approval, str) else None)
        #: Who denied the approval, when a reviewer did: the member's email (else name, else id).
        self.decided_by = decided_by
        #: The reviewer's reason, when they gave one.
        self.decision_reason = decision_reason
        #: The full decision as the API answered it.
        self.result: Mapping[str, Any] = result
        budget = result.get("budget")
        #: The budget that refused it (its limit, what is spent and reserved), for ``BUDGET_EXCEEDED``.
        self.budget: Mapping[str, Any] | None = budget if isinstance(budget, Mapping) else None


class BudgetExceededError(DeniedError):
    """A ``DeniedError`` for ``BUDGET_EXCEEDED``: the call would go over a budget (``budget`` names it,
    with its limit and what is spent and reserved), refused before anything ran (docs/budgets.md)."""


def denied_error(
    result: Mapping[str, Any], *, approval_id: str | None = None, decided_by: str | None = None, decision_reason: str | None = None
) -> DeniedError:
    """The error a denial raises: a ``BudgetExceededError`` for a budget's refusal, else a ``DeniedError``."""
    kind = BudgetExceededError if result.get("denialReason") == "BUDGET_EXCEEDED" else DeniedError
    return kind(result, approval_id=approval_id, decided_by=decided_by, decision_reason=decision_reason)


def _quoted(text: str | None) -> str | None:
    if text is None:
        return None
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


class ApprovalTimeoutError(GatehouseError):
    """Nobody decided the approval before the caller's deadline. The approval stays pending and may
    still be decided: wait again with ``wait_for_approval(approval_id)``. When the server could not
    be reached at the deadline, ``__cause__`` is the last failure."""

    def __init__(self, approval_id: str) -> None:
        super().__init__(f"Approval {approval_id} was not decided before the deadline", code="APPROVAL_TIMEOUT")
        self.approval_id = approval_id


def assert_allowed(result: Mapping[str, Any]) -> None:
    """Raises ``DeniedError`` when ``result`` (from ``execute()`` or ``can_i()``) is a denial.

    A ``requested`` result is not a permission to act yet: wait for its approval. A result that is
    not a decision at all raises ``GatehouseError`` (``INVALID_RESPONSE``): never read as allowed.
    """
    status = result.get("status") if isinstance(result, Mapping) else None
    if status == "denied":
        raise denied_error(result)
    if status not in ("executed", "requested"):
        raise GatehouseError("Not a decision: its status is neither executed, requested nor denied", code="INVALID_RESPONSE")
