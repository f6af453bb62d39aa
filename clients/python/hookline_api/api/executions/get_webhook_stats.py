import datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.webhook_stats import WebhookStats
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    since: datetime.datetime | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept_language, Unset):
        headers["Accept-Language"] = accept_language

    params: dict[str, Any] = {}

    json_since: str | Unset = UNSET
    if not isinstance(since, Unset):
        json_since = since.isoformat()
    params["since"] = json_since

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/webhooks/{id}/stats".format(
            id=quote(str(id), safe=""),
        ),
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | WebhookStats | None:
    if response.status_code == 200:
        response_200 = WebhookStats.from_dict(response.json())

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
) -> Response[Problem | WebhookStats]:
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
    since: datetime.datetime | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | WebhookStats]:
    """A webhook's deliveries and attempts since a time

     Counted when asked, from the window's execution records (from `since` to now): no
    write per delivery pays for them.

    `attempts` counts every execution made in the window, pings included, so
    `attempts.success + attempts.error` equals the number of executions that
    `GET /v1/webhooks/{id}/executions?since=...` lists for the same window.

    `deliveries` counts each event with an attempt in the window once, by its latest
    attempt there: a success is `succeeded`; a failure with a next attempt due is
    `pending`; a failure with none is `failed`. `dropped` counts the deliveries of the
    window's events that were not sent because a person deactivated the webhook first. A
    delivery noted as failed counts as `failed` whatever its last attempt showed (the
    webhook was disabled before its next attempt). A delivery still waiting for its first
    attempt is not counted yet. A `since` in the future is a `validation_error`.

    One call reads at most 100,000 executions, newest first: past that, the counts cover
    the newest 100,000 and `since` in the answer says from when.

    Args:
        id (str):
        since (datetime.datetime | Unset):
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookStats]
    """

    kwargs = _get_kwargs(
        id=id,
        since=since,
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
    since: datetime.datetime | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Problem | WebhookStats | None:
    """A webhook's deliveries and attempts since a time

     Counted when asked, from the window's execution records (from `since` to now): no
    write per delivery pays for them.

    `attempts` counts every execution made in the window, pings included, so
    `attempts.success + attempts.error` equals the number of executions that
    `GET /v1/webhooks/{id}/executions?since=...` lists for the same window.

    `deliveries` counts each event with an attempt in the window once, by its latest
    attempt there: a success is `succeeded`; a failure with a next attempt due is
    `pending`; a failure with none is `failed`. `dropped` counts the deliveries of the
    window's events that were not sent because a person deactivated the webhook first. A
    delivery noted as failed counts as `failed` whatever its last attempt showed (the
    webhook was disabled before its next attempt). A delivery still waiting for its first
    attempt is not counted yet. A `since` in the future is a `validation_error`.

    One call reads at most 100,000 executions, newest first: past that, the counts cover
    the newest 100,000 and `since` in the answer says from when.

    Args:
        id (str):
        since (datetime.datetime | Unset):
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookStats
    """

    return sync_detailed(
        id=id,
        client=client,
        since=since,
        accept_language=accept_language,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    since: datetime.datetime | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | WebhookStats]:
    """A webhook's deliveries and attempts since a time

     Counted when asked, from the window's execution records (from `since` to now): no
    write per delivery pays for them.

    `attempts` counts every execution made in the window, pings included, so
    `attempts.success + attempts.error` equals the number of executions that
    `GET /v1/webhooks/{id}/executions?since=...` lists for the same window.

    `deliveries` counts each event with an attempt in the window once, by its latest
    attempt there: a success is `succeeded`; a failure with a next attempt due is
    `pending`; a failure with none is `failed`. `dropped` counts the deliveries of the
    window's events that were not sent because a person deactivated the webhook first. A
    delivery noted as failed counts as `failed` whatever its last attempt showed (the
    webhook was disabled before its next attempt). A delivery still waiting for its first
    attempt is not counted yet. A `since` in the future is a `validation_error`.

    One call reads at most 100,000 executions, newest first: past that, the counts cover
    the newest 100,000 and `since` in the answer says from when.

    Args:
        id (str):
        since (datetime.datetime | Unset):
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookStats]
    """

    kwargs = _get_kwargs(
        id=id,
        since=since,
        accept_language=accept_language,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    since: datetime.datetime | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Problem | WebhookStats | None:
    """A webhook's deliveries and attempts since a time

     Counted when asked, from the window's execution records (from `since` to now): no
    write per delivery pays for them.

    `attempts` counts every execution made in the window, pings included, so
    `attempts.success + attempts.error` equals the number of executions that
    `GET /v1/webhooks/{id}/executions?since=...` lists for the same window.

    `deliveries` counts each event with an attempt in the window once, by its latest
    attempt there: a success is `succeeded`; a failure with a next attempt due is
    `pending`; a failure with none is `failed`. `dropped` counts the deliveries of the
    window's events that were not sent because a person deactivated the webhook first. A
    delivery noted as failed counts as `failed` whatever its last attempt showed (the
    webhook was disabled before its next attempt). A delivery still waiting for its first
    attempt is not counted yet. A `since` in the future is a `validation_error`.

    One call reads at most 100,000 executions, newest first: past that, the counts cover
    the newest 100,000 and `since` in the answer says from when.

    Args:
        id (str):
        since (datetime.datetime | Unset):
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookStats
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            since=since,
            accept_language=accept_language,
        )
    ).parsed
