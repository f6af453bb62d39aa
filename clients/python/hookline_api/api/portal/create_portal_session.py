from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.portal_session import PortalSession
from ...models.portal_session_create import PortalSessionCreate
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: PortalSessionCreate | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept_language, Unset):
        headers["Accept-Language"] = accept_language

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/portal/sessions",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> PortalSession | Problem | None:
    if response.status_code == 201:
        response_201 = PortalSession.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[PortalSession | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PortalSessionCreate | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Response[PortalSession | Problem]:
    """Mint a customer portal session for a tenant (operator)

     For the tenant named in the body's `tenant` (or in `Hookline-Tenant`; both naming
    different tenants is 400 `tenant_conflict`, neither 400 `tenant_required`): a
    short-lived token with the tenant scopes asked (all four `webhooks:*` when left out),
    and `url`, the portal page with the token in its fragment
    (`<base>/portal#token=<token>`, so the token never reaches a server log). The token is a tenant key
    like any other: stored as its SHA-256, listed
    among the tenant's keys as `portal session` (revoke it there), refused from
    `expires_at` on, and deleted by the table's TTL after.
    **Choice:** `ttl` is `"5m"` to `"24h"` (`"1h"` when left out); `scopes` follows the
    rules of a tenant key (`operator` refused). `<base>` is the deployment's public base
    URL (template parameter `PublicBaseUrl`, `HOOKLINE_PUBLIC_BASE_URL`); without one,
    `https://` and the domain API Gateway was reached at (its request context, set by API
    Gateway), and on the local server its listen address. Never this request's `Host` or
    `X-Forwarded-Proto`, which a caller could forge. With the tenant in
    `Hookline-Tenant`, an empty body takes every default. Sent with
    `Cache-Control: no-store`.

    Args:
        accept_language (str | Unset):
        body (PortalSessionCreate | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PortalSession | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        accept_language=accept_language,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: PortalSessionCreate | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> PortalSession | Problem | None:
    """Mint a customer portal session for a tenant (operator)

     For the tenant named in the body's `tenant` (or in `Hookline-Tenant`; both naming
    different tenants is 400 `tenant_conflict`, neither 400 `tenant_required`): a
    short-lived token with the tenant scopes asked (all four `webhooks:*` when left out),
    and `url`, the portal page with the token in its fragment
    (`<base>/portal#token=<token>`, so the token never reaches a server log). The token is a tenant key
    like any other: stored as its SHA-256, listed
    among the tenant's keys as `portal session` (revoke it there), refused from
    `expires_at` on, and deleted by the table's TTL after.
    **Choice:** `ttl` is `"5m"` to `"24h"` (`"1h"` when left out); `scopes` follows the
    rules of a tenant key (`operator` refused). `<base>` is the deployment's public base
    URL (template parameter `PublicBaseUrl`, `HOOKLINE_PUBLIC_BASE_URL`); without one,
    `https://` and the domain API Gateway was reached at (its request context, set by API
    Gateway), and on the local server its listen address. Never this request's `Host` or
    `X-Forwarded-Proto`, which a caller could forge. With the tenant in
    `Hookline-Tenant`, an empty body takes every default. Sent with
    `Cache-Control: no-store`.

    Args:
        accept_language (str | Unset):
        body (PortalSessionCreate | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PortalSession | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        accept_language=accept_language,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PortalSessionCreate | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Response[PortalSession | Problem]:
    """Mint a customer portal session for a tenant (operator)

     For the tenant named in the body's `tenant` (or in `Hookline-Tenant`; both naming
    different tenants is 400 `tenant_conflict`, neither 400 `tenant_required`): a
    short-lived token with the tenant scopes asked (all four `webhooks:*` when left out),
    and `url`, the portal page with the token in its fragment
    (`<base>/portal#token=<token>`, so the token never reaches a server log). The token is a tenant key
    like any other: stored as its SHA-256, listed
    among the tenant's keys as `portal session` (revoke it there), refused from
    `expires_at` on, and deleted by the table's TTL after.
    **Choice:** `ttl` is `"5m"` to `"24h"` (`"1h"` when left out); `scopes` follows the
    rules of a tenant key (`operator` refused). `<base>` is the deployment's public base
    URL (template parameter `PublicBaseUrl`, `HOOKLINE_PUBLIC_BASE_URL`); without one,
    `https://` and the domain API Gateway was reached at (its request context, set by API
    Gateway), and on the local server its listen address. Never this request's `Host` or
    `X-Forwarded-Proto`, which a caller could forge. With the tenant in
    `Hookline-Tenant`, an empty body takes every default. Sent with
    `Cache-Control: no-store`.

    Args:
        accept_language (str | Unset):
        body (PortalSessionCreate | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[PortalSession | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
        accept_language=accept_language,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: PortalSessionCreate | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> PortalSession | Problem | None:
    """Mint a customer portal session for a tenant (operator)

     For the tenant named in the body's `tenant` (or in `Hookline-Tenant`; both naming
    different tenants is 400 `tenant_conflict`, neither 400 `tenant_required`): a
    short-lived token with the tenant scopes asked (all four `webhooks:*` when left out),
    and `url`, the portal page with the token in its fragment
    (`<base>/portal#token=<token>`, so the token never reaches a server log). The token is a tenant key
    like any other: stored as its SHA-256, listed
    among the tenant's keys as `portal session` (revoke it there), refused from
    `expires_at` on, and deleted by the table's TTL after.
    **Choice:** `ttl` is `"5m"` to `"24h"` (`"1h"` when left out); `scopes` follows the
    rules of a tenant key (`operator` refused). `<base>` is the deployment's public base
    URL (template parameter `PublicBaseUrl`, `HOOKLINE_PUBLIC_BASE_URL`); without one,
    `https://` and the domain API Gateway was reached at (its request context, set by API
    Gateway), and on the local server its listen address. Never this request's `Host` or
    `X-Forwarded-Proto`, which a caller could forge. With the tenant in
    `Hookline-Tenant`, an empty body takes every default. Sent with
    `Cache-Control: no-store`.

    Args:
        accept_language (str | Unset):
        body (PortalSessionCreate | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        PortalSession | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            accept_language=accept_language,
        )
    ).parsed
