from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.tenant_settings import TenantSettings
from ...models.tenant_settings_patch import TenantSettingsPatch
from ...types import UNSET, Response, Unset


def _get_kwargs(
    tenant: str,
    *,
    body: TenantSettingsPatch,
    accept_language: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept_language, Unset):
        headers["Accept-Language"] = accept_language

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/tenants/{tenant}/settings".format(
            tenant=quote(str(tenant), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | TenantSettings | None:
    if response.status_code == 200:
        response_200 = TenantSettings.from_dict(response.json())

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
) -> Response[Problem | TenantSettings]:
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
    body: TenantSettingsPatch,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | TenantSettings]:
    """Change a tenant's own settings (operator)

     A JSON merge patch: a field left out stays as it is, `null` resets it to the
    deployment's default, a number sets it. A body with any field wrong changes nothing.
    **Choice:** the bounds: `deliveries_per_second` 1 to 100,000, `max_in_flight` 1 to
    10,000, `events_per_second` 1 to 100,000, `retention_days` 1 to 90 (a tenant cannot
    ask for no limit; only the deployment's default can be 0, no limit). The process that
    answers uses the change at once; in AWS the other functions within 10 s (each caches
    a tenant's settings that long). `retention_days` is stored and shown; records are kept
    for `HOOKLINE_EXECUTION_TTL` until retention by tenant is built.

    Args:
        tenant (str):
        accept_language (str | Unset):
        body (TenantSettingsPatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TenantSettings]
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
    body: TenantSettingsPatch,
    accept_language: str | Unset = UNSET,
) -> Problem | TenantSettings | None:
    """Change a tenant's own settings (operator)

     A JSON merge patch: a field left out stays as it is, `null` resets it to the
    deployment's default, a number sets it. A body with any field wrong changes nothing.
    **Choice:** the bounds: `deliveries_per_second` 1 to 100,000, `max_in_flight` 1 to
    10,000, `events_per_second` 1 to 100,000, `retention_days` 1 to 90 (a tenant cannot
    ask for no limit; only the deployment's default can be 0, no limit). The process that
    answers uses the change at once; in AWS the other functions within 10 s (each caches
    a tenant's settings that long). `retention_days` is stored and shown; records are kept
    for `HOOKLINE_EXECUTION_TTL` until retention by tenant is built.

    Args:
        tenant (str):
        accept_language (str | Unset):
        body (TenantSettingsPatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TenantSettings
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
    body: TenantSettingsPatch,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | TenantSettings]:
    """Change a tenant's own settings (operator)

     A JSON merge patch: a field left out stays as it is, `null` resets it to the
    deployment's default, a number sets it. A body with any field wrong changes nothing.
    **Choice:** the bounds: `deliveries_per_second` 1 to 100,000, `max_in_flight` 1 to
    10,000, `events_per_second` 1 to 100,000, `retention_days` 1 to 90 (a tenant cannot
    ask for no limit; only the deployment's default can be 0, no limit). The process that
    answers uses the change at once; in AWS the other functions within 10 s (each caches
    a tenant's settings that long). `retention_days` is stored and shown; records are kept
    for `HOOKLINE_EXECUTION_TTL` until retention by tenant is built.

    Args:
        tenant (str):
        accept_language (str | Unset):
        body (TenantSettingsPatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TenantSettings]
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
    body: TenantSettingsPatch,
    accept_language: str | Unset = UNSET,
) -> Problem | TenantSettings | None:
    """Change a tenant's own settings (operator)

     A JSON merge patch: a field left out stays as it is, `null` resets it to the
    deployment's default, a number sets it. A body with any field wrong changes nothing.
    **Choice:** the bounds: `deliveries_per_second` 1 to 100,000, `max_in_flight` 1 to
    10,000, `events_per_second` 1 to 100,000, `retention_days` 1 to 90 (a tenant cannot
    ask for no limit; only the deployment's default can be 0, no limit). The process that
    answers uses the change at once; in AWS the other functions within 10 s (each caches
    a tenant's settings that long). `retention_days` is stored and shown; records are kept
    for `HOOKLINE_EXECUTION_TTL` until retention by tenant is built.

    Args:
        tenant (str):
        accept_language (str | Unset):
        body (TenantSettingsPatch):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TenantSettings
    """

    return (
        await asyncio_detailed(
            tenant=tenant,
            client=client,
            body=body,
            accept_language=accept_language,
        )
    ).parsed
