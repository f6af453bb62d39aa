"""Hookline's Python client.

`hookline_api` is generated from openapi.yaml (every operation and model, typed); this module
adds only what a generated client leaves to its user: a client made from a base URL and a key
(and the tenant an operator key acts for), answers unwrapped into their model or raised as a
typed problem, every page of a list, and a publish retried safely under one Idempotency-Key.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any, Protocol

import httpx

from hookline_api import AuthenticatedClient, errors
from hookline_api.api.events import publish_event
from hookline_api.models import (
    EventData,
    PingFailed,
    Problem,
    PublishEventBody,
    PublishEventResponse202,
)
from hookline_api.types import UNSET, Response, Unset

__all__ = ["HooklineError", "connect", "each", "publish", "unwrap"]

TENANT_HEADER = "Hookline-Tenant"

# A publish answered with one of these is sent again (same key, so delivered once).
RETRIED_PROBLEMS = frozenset({"idempotency_key_in_use", "rate_limited", "internal_error"})


def connect(
    base_url: str, key: str, *, tenant: str | None = None, timeout: float = 30.0
) -> AuthenticatedClient:
    """A client of the API at `base_url` with `key`; an operator key names the `tenant` it
    acts for on every tenant route."""
    headers = {TENANT_HEADER: tenant} if tenant else {}
    return AuthenticatedClient(
        base_url=base_url.rstrip("/"),
        token=key,
        headers=headers,
        timeout=httpx.Timeout(timeout),
        raise_on_unexpected_status=True,
    )


class HooklineError(Exception):
    """A problem answer (RFC 9457), typed. `type` is its code, an open set: a code this
    version does not know is still a `HooklineError`, to be judged by `status`. A failed ping
    is a `PingFailed`, with the attempt as `problem.execution`."""

    def __init__(self, status: int, problem: Problem | PingFailed, retry_after: float | None):
        super().__init__(f"{status} {problem.type_}: {problem.detail}")
        self.status = status
        self.problem = problem
        self.retry_after = retry_after

    @property
    def type(self) -> str:
        return self.problem.type_


def unwrap(response: Response[Any]) -> Any:
    """The answer's model, or `HooklineError` for a problem (`None` for a 204)."""
    parsed = response.parsed
    if isinstance(parsed, (Problem, PingFailed)):
        raise HooklineError(int(response.status_code), parsed, _retry_after(response.headers))
    return parsed


class _ListOperation(Protocol):
    def sync_detailed(self, *, client: AuthenticatedClient, cursor: str | Unset, **kwargs: Any) -> Response[Any]: ...


def each(operation: _ListOperation, client: AuthenticatedClient, **kwargs: Any) -> Iterator[Any]:
    """Every item of a list operation (a module of `hookline_api.api`, such as
    `webhooks.list_webhooks`), page after page; `kwargs` are its other parameters."""
    cursor: str | Unset = UNSET
    while True:
        page = unwrap(operation.sync_detailed(client=client, cursor=cursor, **kwargs))
        yield from page.data
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def publish(
    client: AuthenticatedClient,
    event_type: str,
    data: dict[str, Any],
    *,
    idempotency_key: str | None = None,
    attempts: int = 5,
    backoff: float = 0.5,
) -> PublishEventResponse202:
    """Publishes an event, sending it again after a network error, a 5xx, `rate_limited`
    (after its `Retry-After`) or `idempotency_key_in_use`, always under the same
    Idempotency-Key (a new one when not given), so it is stored and delivered once."""
    key = idempotency_key or str(uuid.uuid4())
    body = PublishEventBody(event_type=event_type, data=EventData.from_dict(data))
    for attempt in range(1, attempts + 1):
        wait = backoff * 2 ** (attempt - 1)
        try:
            return unwrap(publish_event.sync_detailed(client=client, body=body, idempotency_key=key))
        except HooklineError as error:
            retried = error.type in RETRIED_PROBLEMS or error.status == 429 or error.status >= 500
            if attempt == attempts or not retried:
                raise
            wait = error.retry_after if error.retry_after is not None else wait
        except (httpx.TransportError, errors.UnexpectedStatus, KeyError, TypeError, ValueError):
            # The network failed, or something in between (a gateway's 502, or its own 429)
            # answered without a problem document: under the same key, sending again is safe.
            if attempt == attempts:
                raise
        time.sleep(wait)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after", "")
    return float(value) if value.isdigit() else None
