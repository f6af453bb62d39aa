import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_events_with_data import ListEventsWithData
from ...models.listed_event_page import ListedEventPage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    event_type: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    with_data: ListEventsWithData | Unset = ListEventsWithData.FALSE,
    accept_language: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept_language, Unset):
        headers["Accept-Language"] = accept_language

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    params["event_type"] = event_type

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    json_until: str | Unset = UNSET
    if not isinstance(until, Unset):
        json_until = until.isoformat()
    params["until"] = json_until

    json_with_data: str | Unset = UNSET
    if not isinstance(with_data, Unset):
        json_with_data = with_data.value

    params["with_data"] = json_with_data

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/events",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ListedEventPage | Problem | None:
    if response.status_code == 200:
        response_200 = ListedEventPage.from_dict(response.json())

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

    if response.status_code == 405:
        response_405 = Problem.from_dict(response.json())

        return response_405

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
) -> Response[ListedEventPage | Problem]:
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
    event_type: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    with_data: ListEventsWithData | Unset = ListEventsWithData.FALSE,
    accept_language: str | Unset = UNSET,
) -> Response[ListedEventPage | Problem]:
    """The tenant's events, newest first

     Each event without its `deliveries` (`GET /v1/events/{id}` has them), and with its
    `data` only when `with_data=true`.

    The list is read eventually consistently (a Query of the tenant's events of each
    day, newest first): an event appears in it moments after its publish was answered.
    `since` and `until` apply to the event's `created_at`, which its id also carries to
    the millisecond. With an `event_type` filter, a page is filled by reading on through
    the tenant's events, up to 5,000 per request: past that, the page may be short (even
    empty) and `next_cursor` goes on from where the reading stopped.

    Args:
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        event_type (str | Unset): An exact type, `prefix.*` (every type starting with `prefix.`)
            or `*`.
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        with_data (ListEventsWithData | Unset):  Default: ListEventsWithData.FALSE.
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListedEventPage | Problem]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        event_type=event_type,
        since=since,
        until=until,
        with_data=with_data,
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
    event_type: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    with_data: ListEventsWithData | Unset = ListEventsWithData.FALSE,
    accept_language: str | Unset = UNSET,
) -> ListedEventPage | Problem | None:
    """The tenant's events, newest first

     Each event without its `deliveries` (`GET /v1/events/{id}` has them), and with its
    `data` only when `with_data=true`.

    The list is read eventually consistently (a Query of the tenant's events of each
    day, newest first): an event appears in it moments after its publish was answered.
    `since` and `until` apply to the event's `created_at`, which its id also carries to
    the millisecond. With an `event_type` filter, a page is filled by reading on through
    the tenant's events, up to 5,000 per request: past that, the page may be short (even
    empty) and `next_cursor` goes on from where the reading stopped.

    Args:
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        event_type (str | Unset): An exact type, `prefix.*` (every type starting with `prefix.`)
            or `*`.
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        with_data (ListEventsWithData | Unset):  Default: ListEventsWithData.FALSE.
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListedEventPage | Problem
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        event_type=event_type,
        since=since,
        until=until,
        with_data=with_data,
        accept_language=accept_language,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    event_type: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    with_data: ListEventsWithData | Unset = ListEventsWithData.FALSE,
    accept_language: str | Unset = UNSET,
) -> Response[ListedEventPage | Problem]:
    """The tenant's events, newest first

     Each event without its `deliveries` (`GET /v1/events/{id}` has them), and with its
    `data` only when `with_data=true`.

    The list is read eventually consistently (a Query of the tenant's events of each
    day, newest first): an event appears in it moments after its publish was answered.
    `since` and `until` apply to the event's `created_at`, which its id also carries to
    the millisecond. With an `event_type` filter, a page is filled by reading on through
    the tenant's events, up to 5,000 per request: past that, the page may be short (even
    empty) and `next_cursor` goes on from where the reading stopped.

    Args:
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        event_type (str | Unset): An exact type, `prefix.*` (every type starting with `prefix.`)
            or `*`.
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        with_data (ListEventsWithData | Unset):  Default: ListEventsWithData.FALSE.
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ListedEventPage | Problem]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        event_type=event_type,
        since=since,
        until=until,
        with_data=with_data,
        accept_language=accept_language,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    event_type: str | Unset = UNSET,
    since: datetime.datetime | Unset = UNSET,
    until: datetime.datetime | Unset = UNSET,
    with_data: ListEventsWithData | Unset = ListEventsWithData.FALSE,
    accept_language: str | Unset = UNSET,
) -> ListedEventPage | Problem | None:
    """The tenant's events, newest first

     Each event without its `deliveries` (`GET /v1/events/{id}` has them), and with its
    `data` only when `with_data=true`.

    The list is read eventually consistently (a Query of the tenant's events of each
    day, newest first): an event appears in it moments after its publish was answered.
    `since` and `until` apply to the event's `created_at`, which its id also carries to
    the millisecond. With an `event_type` filter, a page is filled by reading on through
    the tenant's events, up to 5,000 per request: past that, the page may be short (even
    empty) and `next_cursor` goes on from where the reading stopped.

    Args:
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        event_type (str | Unset): An exact type, `prefix.*` (every type starting with `prefix.`)
            or `*`.
        since (datetime.datetime | Unset):
        until (datetime.datetime | Unset):
        with_data (ListEventsWithData | Unset):  Default: ListEventsWithData.FALSE.
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ListedEventPage | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            event_type=event_type,
            since=since,
            until=until,
            with_data=with_data,
            accept_language=accept_language,
        )
    ).parsed
