from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.catalog_event_type import CatalogEventType
from ...models.event_type_create import EventTypeCreate
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: EventTypeCreate,
    accept_language: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept_language, Unset):
        headers["Accept-Language"] = accept_language

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/event-types",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> CatalogEventType | Problem | None:
    if response.status_code == 201:
        response_201 = CatalogEventType.from_dict(response.json())

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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

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
) -> Response[CatalogEventType | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: EventTypeCreate,
    accept_language: str | Unset = UNSET,
) -> Response[CatalogEventType | Problem]:
    """Add an event type to the catalog (operator)

     The catalog is the deployment's, shared by every tenant (`Hookline-Tenant` is ignored
    here). `schema`, a JSON Schema (draft 2020-12) for the event's `data`, then validates
    every publish of the type; `example` must satisfy it.
    **Choice:** `description` is required, 1 to 1,024 characters; `example` is an object,
    as `data` is. A change is seen by publishes within 5 s in AWS (each function keeps the
    compiled catalog that long), at once on the local server.

    Args:
        accept_language (str | Unset):
        body (EventTypeCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CatalogEventType | Problem]
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
    body: EventTypeCreate,
    accept_language: str | Unset = UNSET,
) -> CatalogEventType | Problem | None:
    """Add an event type to the catalog (operator)

     The catalog is the deployment's, shared by every tenant (`Hookline-Tenant` is ignored
    here). `schema`, a JSON Schema (draft 2020-12) for the event's `data`, then validates
    every publish of the type; `example` must satisfy it.
    **Choice:** `description` is required, 1 to 1,024 characters; `example` is an object,
    as `data` is. A change is seen by publishes within 5 s in AWS (each function keeps the
    compiled catalog that long), at once on the local server.

    Args:
        accept_language (str | Unset):
        body (EventTypeCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CatalogEventType | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
        accept_language=accept_language,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: EventTypeCreate,
    accept_language: str | Unset = UNSET,
) -> Response[CatalogEventType | Problem]:
    """Add an event type to the catalog (operator)

     The catalog is the deployment's, shared by every tenant (`Hookline-Tenant` is ignored
    here). `schema`, a JSON Schema (draft 2020-12) for the event's `data`, then validates
    every publish of the type; `example` must satisfy it.
    **Choice:** `description` is required, 1 to 1,024 characters; `example` is an object,
    as `data` is. A change is seen by publishes within 5 s in AWS (each function keeps the
    compiled catalog that long), at once on the local server.

    Args:
        accept_language (str | Unset):
        body (EventTypeCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CatalogEventType | Problem]
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
    body: EventTypeCreate,
    accept_language: str | Unset = UNSET,
) -> CatalogEventType | Problem | None:
    """Add an event type to the catalog (operator)

     The catalog is the deployment's, shared by every tenant (`Hookline-Tenant` is ignored
    here). `schema`, a JSON Schema (draft 2020-12) for the event's `data`, then validates
    every publish of the type; `example` must satisfy it.
    **Choice:** `description` is required, 1 to 1,024 characters; `example` is an object,
    as `data` is. A change is seen by publishes within 5 s in AWS (each function keeps the
    compiled catalog that long), at once on the local server.

    Args:
        accept_language (str | Unset):
        body (EventTypeCreate):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CatalogEventType | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            accept_language=accept_language,
        )
    ).parsed
