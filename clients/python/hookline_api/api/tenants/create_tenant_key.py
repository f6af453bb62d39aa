from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.created_tenant_key import CreatedTenantKey
from ...models.problem import Problem
from ...models.tenant_key_create import TenantKeyCreate
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant: str,
    *,
    body: TenantKeyCreate,
    accept_language: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept_language, Unset):
        headers["Accept-Language"] = accept_language

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tenants/{tenant}/keys".format(
            tenant=quote(str(tenant), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CreatedTenantKey | Problem | None:
    if response.status_code == 201:
        response_201 = CreatedTenantKey.from_dict(response.json())

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
) -> Response[CreatedTenantKey | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    tenant: str,
    *,
    client: AuthenticatedClient | Client,
    body: TenantKeyCreate,
    accept_language: str | Unset = UNSET,
) -> Response[CreatedTenantKey | Problem]:
    """Create an API key for a tenant (operator)

     The key text is in this answer only; it is stored as its SHA-256. The key works at once,
    on the local server and (through the authorizer) in AWS, and `hookline-admin keys list`
    shows it.
    **Choice:** `scopes` must name at least one scope, none twice; `operator` is refused
    (operator keys are made with `hookline-admin keys create --operator`). `name` is 1 to
    128 characters. `expires_at` must be in the future; from then on the key is
    `unauthenticated`.

    Args:
        tenant (str):
        accept_language (str | Unset):
        body (TenantKeyCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreatedTenantKey | Problem]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        body=body,
        accept_language=accept_language,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    tenant: str,
    *,
    client: AuthenticatedClient | Client,
    body: TenantKeyCreate,
    accept_language: str | Unset = UNSET,
) -> CreatedTenantKey | Problem | None:
    """Create an API key for a tenant (operator)

     The key text is in this answer only; it is stored as its SHA-256. The key works at once,
    on the local server and (through the authorizer) in AWS, and `hookline-admin keys list`
    shows it.
    **Choice:** `scopes` must name at least one scope, none twice; `operator` is refused
    (operator keys are made with `hookline-admin keys create --operator`). `name` is 1 to
    128 characters. `expires_at` must be in the future; from then on the key is
    `unauthenticated`.

    Args:
        tenant (str):
        accept_language (str | Unset):
        body (TenantKeyCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreatedTenantKey | Problem
    """

    return sync_detailed(
        tenant=tenant,
        client=client,
        body=body,
        accept_language=accept_language,
    ).parsed


async def asyncio_detailed(
    tenant: str,
    *,
    client: AuthenticatedClient | Client,
    body: TenantKeyCreate,
    accept_language: str | Unset = UNSET,
) -> Response[CreatedTenantKey | Problem]:
    """Create an API key for a tenant (operator)

     The key text is in this answer only; it is stored as its SHA-256. The key works at once,
    on the local server and (through the authorizer) in AWS, and `hookline-admin keys list`
    shows it.
    **Choice:** `scopes` must name at least one scope, none twice; `operator` is refused
    (operator keys are made with `hookline-admin keys create --operator`). `name` is 1 to
    128 characters. `expires_at` must be in the future; from then on the key is
    `unauthenticated`.

    Args:
        tenant (str):
        accept_language (str | Unset):
        body (TenantKeyCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreatedTenantKey | Problem]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        body=body,
        accept_language=accept_language,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant: str,
    *,
    client: AuthenticatedClient | Client,
    body: TenantKeyCreate,
    accept_language: str | Unset = UNSET,
) -> CreatedTenantKey | Problem | None:
    """Create an API key for a tenant (operator)

     The key text is in this answer only; it is stored as its SHA-256. The key works at once,
    on the local server and (through the authorizer) in AWS, and `hookline-admin keys list`
    shows it.
    **Choice:** `scopes` must name at least one scope, none twice; `operator` is refused
    (operator keys are made with `hookline-admin keys create --operator`). `name` is 1 to
    128 characters. `expires_at` must be in the future; from then on the key is
    `unauthenticated`.

    Args:
        tenant (str):
        accept_language (str | Unset):
        body (TenantKeyCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreatedTenantKey | Problem
    """

    return (
        await asyncio_detailed(
            tenant=tenant,
            client=client,
            body=body,
            accept_language=accept_language,
        )
    ).parsed
