from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.recover_queued import RecoverQueued
from ...models.recover_request import RecoverRequest
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    body: RecoverRequest,
    accept_language: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept_language, Unset):
        headers["Accept-Language"] = accept_language

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/webhooks/{id}/recover".format(
            id=quote(str(id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | RecoverQueued | None:
    if response.status_code == 202:
        response_202 = RecoverQueued.from_dict(response.json())

        return response_202

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
) -> Response[Problem | RecoverQueued]:
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
    body: RecoverRequest,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | RecoverQueued]:
    """Attempt again every failed delivery of a window's events

     Queues one new attempt for every event of the window (by its `created_at`) whose
    delivery to this webhook ended `failed`: its retries exhausted, a manual attempt
    failed, or the webhook was disabled for failing before it was attempted. Each attempt
    is recorded with `trigger` `recover` and, as a manual retry, gets no automatic retries
    after it.

    It answers at once with the number of such deliveries, counted at the call; the
    service then queues their attempts a page at a time, after the answer: a large window
    is worked through on the queue, not in the request. A delivery that succeeded
    meanwhile is skipped. Deleting or deactivating the webhook stops the work.

    One recover per webhook runs at a time: while one is queueing its pages, another is
    409 `recover_in_progress`. **Choice:** a recover whose worker died stops blocking
    the next 5 minutes after its latest page started; a recover asked after the first
    finished queueing, before its attempts ran, queues each failed delivery again.

    Args:
        id (str):
        accept_language (str | Unset):
        body (RecoverRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RecoverQueued]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
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
    body: RecoverRequest,
    accept_language: str | Unset = UNSET,
) -> Problem | RecoverQueued | None:
    """Attempt again every failed delivery of a window's events

     Queues one new attempt for every event of the window (by its `created_at`) whose
    delivery to this webhook ended `failed`: its retries exhausted, a manual attempt
    failed, or the webhook was disabled for failing before it was attempted. Each attempt
    is recorded with `trigger` `recover` and, as a manual retry, gets no automatic retries
    after it.

    It answers at once with the number of such deliveries, counted at the call; the
    service then queues their attempts a page at a time, after the answer: a large window
    is worked through on the queue, not in the request. A delivery that succeeded
    meanwhile is skipped. Deleting or deactivating the webhook stops the work.

    One recover per webhook runs at a time: while one is queueing its pages, another is
    409 `recover_in_progress`. **Choice:** a recover whose worker died stops blocking
    the next 5 minutes after its latest page started; a recover asked after the first
    finished queueing, before its attempts ran, queues each failed delivery again.

    Args:
        id (str):
        accept_language (str | Unset):
        body (RecoverRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RecoverQueued
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
        accept_language=accept_language,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: RecoverRequest,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | RecoverQueued]:
    """Attempt again every failed delivery of a window's events

     Queues one new attempt for every event of the window (by its `created_at`) whose
    delivery to this webhook ended `failed`: its retries exhausted, a manual attempt
    failed, or the webhook was disabled for failing before it was attempted. Each attempt
    is recorded with `trigger` `recover` and, as a manual retry, gets no automatic retries
    after it.

    It answers at once with the number of such deliveries, counted at the call; the
    service then queues their attempts a page at a time, after the answer: a large window
    is worked through on the queue, not in the request. A delivery that succeeded
    meanwhile is skipped. Deleting or deactivating the webhook stops the work.

    One recover per webhook runs at a time: while one is queueing its pages, another is
    409 `recover_in_progress`. **Choice:** a recover whose worker died stops blocking
    the next 5 minutes after its latest page started; a recover asked after the first
    finished queueing, before its attempts ran, queues each failed delivery again.

    Args:
        id (str):
        accept_language (str | Unset):
        body (RecoverRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RecoverQueued]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        accept_language=accept_language,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient | Client,
    body: RecoverRequest,
    accept_language: str | Unset = UNSET,
) -> Problem | RecoverQueued | None:
    """Attempt again every failed delivery of a window's events

     Queues one new attempt for every event of the window (by its `created_at`) whose
    delivery to this webhook ended `failed`: its retries exhausted, a manual attempt
    failed, or the webhook was disabled for failing before it was attempted. Each attempt
    is recorded with `trigger` `recover` and, as a manual retry, gets no automatic retries
    after it.

    It answers at once with the number of such deliveries, counted at the call; the
    service then queues their attempts a page at a time, after the answer: a large window
    is worked through on the queue, not in the request. A delivery that succeeded
    meanwhile is skipped. Deleting or deactivating the webhook stops the work.

    One recover per webhook runs at a time: while one is queueing its pages, another is
    409 `recover_in_progress`. **Choice:** a recover whose worker died stops blocking
    the next 5 minutes after its latest page started; a recover asked after the first
    finished queueing, before its attempts ran, queues each failed delivery again.

    Args:
        id (str):
        accept_language (str | Unset):
        body (RecoverRequest):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RecoverQueued
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
            accept_language=accept_language,
        )
    ).parsed
