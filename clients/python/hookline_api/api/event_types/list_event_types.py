from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.catalog_event_type_page import CatalogEventTypePage
from ...models.list_event_types_include_archived import ListEventTypesIncludeArchived
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    include_archived: ListEventTypesIncludeArchived | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept_language, Unset):
        headers["Accept-Language"] = accept_language

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    json_include_archived: str | Unset = UNSET
    if not isinstance(include_archived, Unset):
        json_include_archived = include_archived.value

    params["include_archived"] = json_include_archived

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/event-types",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CatalogEventTypePage | Problem | None:
    if response.status_code == 200:
        response_200 = CatalogEventTypePage.from_dict(response.json())

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
) -> Response[CatalogEventTypePage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    include_archived: ListEventTypesIncludeArchived | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Response[CatalogEventTypePage | Problem]:
    """The event-type catalog, by name

     The catalog's event types by name, a page at a time; archived ones are listed with `archived: true`.
    Any key may read it.

    Args:
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        include_archived (ListEventTypesIncludeArchived | Unset):
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CatalogEventTypePage | Problem]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        include_archived=include_archived,
        accept_language=accept_language,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    include_archived: ListEventTypesIncludeArchived | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> CatalogEventTypePage | Problem | None:
    """The event-type catalog, by name

     The catalog's event types by name, a page at a time; archived ones are listed with `archived: true`.
    Any key may read it.

    Args:
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        include_archived (ListEventTypesIncludeArchived | Unset):
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CatalogEventTypePage | Problem
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        include_archived=include_archived,
        accept_language=accept_language,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    include_archived: ListEventTypesIncludeArchived | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Response[CatalogEventTypePage | Problem]:
    """The event-type catalog, by name

     The catalog's event types by name, a page at a time; archived ones are listed with `archived: true`.
    Any key may read it.

    Args:
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        include_archived (ListEventTypesIncludeArchived | Unset):
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CatalogEventTypePage | Problem]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        include_archived=include_archived,
        accept_language=accept_language,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    include_archived: ListEventTypesIncludeArchived | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> CatalogEventTypePage | Problem | None:
    """The event-type catalog, by name

     The catalog's event types by name, a page at a time; archived ones are listed with `archived: true`.
    Any key may read it.

    Args:
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        include_archived (ListEventTypesIncludeArchived | Unset):
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CatalogEventTypePage | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            include_archived=include_archived,
            accept_language=accept_language,
        )
    ).parsed
