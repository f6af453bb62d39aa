import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.execution_page import ExecutionPage
from ...models.list_executions_status import ListExecutionsStatus
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    status: ListExecutionsStatus | Unset = UNSET,
    event_id: UUID | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept_language, Unset):
        headers["Accept-Language"] = accept_language

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    json_event_id: str | Unset = UNSET
    if not isinstance(event_id, Unset):
        json_event_id = str(event_id)
    params["event_id"] = json_event_id

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    json_until: str | Unset = UNSET
    if not isinstance(until, Unset):
        json_until = until.isoformat()
    params["until"] = json_until

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/webhooks/{id}/executions".format(
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ExecutionPage | Problem | None:
    if response.status_code == 200:
        response_200 = ExecutionPage.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

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
) -> Response[ExecutionPage | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    status: ListExecutionsStatus | Unset = UNSET,
    event_id: UUID | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Response[ExecutionPage | Problem]:
    """A webhook's delivery attempts, newest first

     Every attempt, pings included. `since` and `until` apply to when the attempt's record
    was made (its `created_at`); the record of an event's first automatic attempt carries
    the event's publish time. With `status` or `event_id`, a page is filled by reading on
    through the webhook's attempts, up to 5,000 records per request: past that, the page
    may be short (even empty) and `next_cursor` goes on from where the reading stopped.

    Args:
        id (str):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        status (ListExecutionsStatus | Unset):
        event_id (UUID | Unset): UUID version 7, lower-case.
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ExecutionPage | Problem]
    """

    kwargs = _get_kwargs(
        id=id,
        limit=limit,
        cursor=cursor,
        status=status,
        event_id=event_id,
        since=since,
        until=until,
        accept_language=accept_language,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    status: ListExecutionsStatus | Unset = UNSET,
    event_id: UUID | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> ExecutionPage | Problem | None:
    """A webhook's delivery attempts, newest first

     Every attempt, pings included. `since` and `until` apply to when the attempt's record
    was made (its `created_at`); the record of an event's first automatic attempt carries
    the event's publish time. With `status` or `event_id`, a page is filled by reading on
    through the webhook's attempts, up to 5,000 records per request: past that, the page
    may be short (even empty) and `next_cursor` goes on from where the reading stopped.

    Args:
        id (str):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        status (ListExecutionsStatus | Unset):
        event_id (UUID | Unset): UUID version 7, lower-case.
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ExecutionPage | Problem
    """

    return sync_detailed(
        id=id,
        client=client,
        limit=limit,
        cursor=cursor,
        status=status,
        event_id=event_id,
        since=since,
        until=until,
        accept_language=accept_language,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    status: ListExecutionsStatus | Unset = UNSET,
    event_id: UUID | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Response[ExecutionPage | Problem]:
    """A webhook's delivery attempts, newest first

     Every attempt, pings included. `since` and `until` apply to when the attempt's record
    was made (its `created_at`); the record of an event's first automatic attempt carries
    the event's publish time. With `status` or `event_id`, a page is filled by reading on
    through the webhook's attempts, up to 5,000 records per request: past that, the page
    may be short (even empty) and `next_cursor` goes on from where the reading stopped.

    Args:
        id (str):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        status (ListExecutionsStatus | Unset):
        event_id (UUID | Unset): UUID version 7, lower-case.
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ExecutionPage | Problem]
    """

    kwargs = _get_kwargs(
        id=id,
        limit=limit,
        cursor=cursor,
        status=status,
        event_id=event_id,
        since=since,
        until=until,
        accept_language=accept_language,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    status: ListExecutionsStatus | Unset = UNSET,
    event_id: UUID | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> ExecutionPage | Problem | None:
    """A webhook's delivery attempts, newest first

     Every attempt, pings included. `since` and `until` apply to when the attempt's record
    was made (its `created_at`); the record of an event's first automatic attempt carries
    the event's publish time. With `status` or `event_id`, a page is filled by reading on
    through the webhook's attempts, up to 5,000 records per request: past that, the page
    may be short (even empty) and `next_cursor` goes on from where the reading stopped.

    Args:
        id (str):
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        status (ListExecutionsStatus | Unset):
        event_id (UUID | Unset): UUID version 7, lower-case.
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ExecutionPage | Problem
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            limit=limit,
            cursor=cursor,
            status=status,
            event_id=event_id,
            since=since,
            until=until,
            accept_language=accept_language,
        )
    ).parsed
