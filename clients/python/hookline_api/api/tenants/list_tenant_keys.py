from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.tenant_key_page import TenantKeyPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant: str,
    *,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept_language, Unset):
        headers["Accept-Language"] = accept_language

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/tenants/{tenant}/keys".format(
            tenant=quote(str(tenant), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | TenantKeyPage | None:
    if response.status_code == 200:
        response_200 = TenantKeyPage.from_dict(response.json())

        return response_200

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
) -> Response[Problem | TenantKeyPage]:
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
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | TenantKeyPage]:
    """List a tenant's API keys, oldest first (operator)

     Never the key text; `prefix` (its first 7 characters) tells keys apart.

    Args:
        tenant (str):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TenantKeyPage]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        limit=limit,
        cursor=cursor,
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
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Problem | TenantKeyPage | None:
    """List a tenant's API keys, oldest first (operator)

     Never the key text; `prefix` (its first 7 characters) tells keys apart.

    Args:
        tenant (str):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TenantKeyPage
    """

    return sync_detailed(
        tenant=tenant,
        client=client,
        limit=limit,
        cursor=cursor,
        accept_language=accept_language,
    ).parsed


async def asyncio_detailed(
    tenant: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | TenantKeyPage]:
    """List a tenant's API keys, oldest first (operator)

     Never the key text; `prefix` (its first 7 characters) tells keys apart.

    Args:
        tenant (str):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TenantKeyPage]
    """

    kwargs = _get_kwargs(
        tenant=tenant,
        limit=limit,
        cursor=cursor,
        accept_language=accept_language,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    tenant: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Problem | TenantKeyPage | None:
    """List a tenant's API keys, oldest first (operator)

     Never the key text; `prefix` (its first 7 characters) tells keys apart.

    Args:
        tenant (str):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TenantKeyPage
    """

    return (
        await asyncio_detailed(
            tenant=tenant,
            client=client,
            limit=limit,
            cursor=cursor,
            accept_language=accept_language,
        )
    ).parsed
