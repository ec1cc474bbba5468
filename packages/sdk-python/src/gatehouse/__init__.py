"""Gatehouse: the governance layer AI agents run through before they act.

``Gatehouse`` (sync) and ``AsyncGatehouse`` (async) are clients for one agent key::

    from gatehouse import Gatehouse

    with Gatehouse() as gh:  # GATEHOUSE_API_KEY, GATEHOUSE_BASE_URL
        result = gh.gate("deploy.prod", metadata={"service": "api"})
        deploy()
        gh.report(result["auditEventId"], "success")

``wrap_openai(client, gh)`` and ``wrap_anthropic(client, gh)`` govern the official model clients' calls
(docs/model-clients.md, docs/guardrails.md). Offline verification of an exported audit log is in
``gatehouse.verify``. A decision a policy rewrote (``redact``, ``transform``) is acted on as
``rewritten_metadata(metadata, result)`` (docs/policies.md, Rewriting a call).
"""

from ._async_client import AsyncAudit, AsyncDelegatedAgent, AsyncDelegating, AsyncGatehouse
from ._client import Audit, DelegatedAgent, Gatehouse
from ._common import DEFAULT_BASE_URL, ExportResult
from ._model_calls import aflush_reports, flush_reports
from ._proofs import ProofCheck
from ._rewrite import rewritten_metadata
from ._sse import Event
from ._version import VERSION
from ._wrap_anthropic import wrap_anthropic
from ._wrap_openai import wrap_openai
from ._org_detectors import OrgDetectorWarning
from ._unwrapped import UnwrappedModelCallWarning
from .errors import (
    APIConnectionError,
    APITimeoutError,
    ApprovalTimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    DelegationScopeError,
    BudgetExceededError,
    DeniedError,
    GatehouseError,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    assert_allowed,
)

__version__ = VERSION

__all__ = [
    "aflush_reports",
    "flush_reports",
    "wrap_anthropic",
    "wrap_openai",
    "APIConnectionError",
    "APITimeoutError",
    "ApprovalTimeoutError",
    "AsyncAudit",
    "AsyncDelegatedAgent",
    "AsyncDelegating",
    "AsyncGatehouse",
    "Audit",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "DEFAULT_BASE_URL",
    "DelegatedAgent",
    "DelegationScopeError",
    "BudgetExceededError",
    "DeniedError",
    "Event",
    "ExportResult",
    "Gatehouse",
    "GatehouseError",
    "InternalServerError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "OrgDetectorWarning",
    "UnwrappedModelCallWarning",
    "ProofCheck",
    "RateLimitError",
    "UnprocessableEntityError",
    "VERSION",
    "assert_allowed",
    "rewritten_metadata",
    "__version__",
]
