from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.publish_event_body import PublishEventBody
from ...models.publish_event_response_202 import PublishEventResponse202
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: PublishEventBody,
    idempotency_key: str | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    if not isinstance(accept_language, Unset):
        headers["Accept-Language"] = accept_language

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/events",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | PublishEventResponse202 | None:
    if response.status_code == 202:
        response_202 = PublishEventResponse202.from_dict(response.json())

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

    if response.status_code == 405:
        response_405 = Problem.from_dict(response.json())

        return response_405

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | PublishEventResponse202]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PublishEventBody,
    idempotency_key: str | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | PublishEventResponse202]:
    """Publish an event to every matching active webhook

     When the catalog has a schema for `event_type`, `data` must satisfy it: each failure is
    one `errors[]` entry whose `field` is the JSON pointer of the failing value in the
    request (`/data/task_id`). With the catalog `enforced` (`HOOKLINE_EVENT_CATALOG`), an
    uncatalogued or archived `event_type` is a `validation_error` too.

    Args:
        idempotency_key (str | Unset):
        accept_language (str | Unset):
        body (PublishEventBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | PublishEventResponse202]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
        accept_language=accept_language,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: PublishEventBody,
    idempotency_key: str | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Problem | PublishEventResponse202 | None:
    """Publish an event to every matching active webhook

     When the catalog has a schema for `event_type`, `data` must satisfy it: each failure is
    one `errors[]` entry whose `field` is the JSON pointer of the failing value in the
    request (`/data/task_id`). With the catalog `enforced` (`HOOKLINE_EVENT_CATALOG`), an
    uncatalogued or archived `event_type` is a `validation_error` too.

    Args:
        idempotency_key (str | Unset):
        accept_language (str | Unset):
        body (PublishEventBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | PublishEventResponse202
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
        accept_language=accept_language,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: PublishEventBody,
    idempotency_key: str | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | PublishEventResponse202]:
    """Publish an event to every matching active webhook

     When the catalog has a schema for `event_type`, `data` must satisfy it: each failure is
    one `errors[]` entry whose `field` is the JSON pointer of the failing value in the
    request (`/data/task_id`). With the catalog `enforced` (`HOOKLINE_EVENT_CATALOG`), an
    uncatalogued or archived `event_type` is a `validation_error` too.

    Args:
        idempotency_key (str | Unset):
        accept_language (str | Unset):
        body (PublishEventBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | PublishEventResponse202]
    """

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
        accept_language=accept_language,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: PublishEventBody,
    idempotency_key: str | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Problem | PublishEventResponse202 | None:
    """Publish an event to every matching active webhook

     When the catalog has a schema for `event_type`, `data` must satisfy it: each failure is
    one `errors[]` entry whose `field` is the JSON pointer of the failing value in the
    request (`/data/task_id`). With the catalog `enforced` (`HOOKLINE_EVENT_CATALOG`), an
    uncatalogued or archived `event_type` is a `validation_error` too.

    Args:
        idempotency_key (str | Unset):
        accept_language (str | Unset):
        body (PublishEventBody):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | PublishEventResponse202
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
            accept_language=accept_language,
        )
    ).parsed
