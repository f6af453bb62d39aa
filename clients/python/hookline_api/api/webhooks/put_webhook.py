from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.webhook import Webhook
from ...models.webhook_put import WebhookPut
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    body: WebhookPut,
    accept_language: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept_language, Unset):
        headers["Accept-Language"] = accept_language

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/webhooks/{id}".format(
            id=quote(str(id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | Webhook | None:
    if response.status_code == 200:
        response_200 = Webhook.from_dict(response.json())

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
) -> Response[Problem | Webhook]:
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
    body: WebhookPut,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | Webhook]:
    """Replace the writable fields of a webhook

     `url` and `event_types` are required; left-out lists and maps become empty, `description` null,
    `active` true.

    Args:
        id (str):
        accept_language (str | Unset):
        body (WebhookPut): `filters`, `metadata`, `headers` and `description` together, as JSON,
            are at most 65,536 bytes (64 KB); past it the request is a `validation_error` with one
            error on field `""`, and nothing is stored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Webhook]
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
    body: WebhookPut,
    accept_language: str | Unset = UNSET,
) -> Problem | Webhook | None:
    """Replace the writable fields of a webhook

     `url` and `event_types` are required; left-out lists and maps become empty, `description` null,
    `active` true.

    Args:
        id (str):
        accept_language (str | Unset):
        body (WebhookPut): `filters`, `metadata`, `headers` and `description` together, as JSON,
            are at most 65,536 bytes (64 KB); past it the request is a `validation_error` with one
            error on field `""`, and nothing is stored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Webhook
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
    body: WebhookPut,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | Webhook]:
    """Replace the writable fields of a webhook

     `url` and `event_types` are required; left-out lists and maps become empty, `description` null,
    `active` true.

    Args:
        id (str):
        accept_language (str | Unset):
        body (WebhookPut): `filters`, `metadata`, `headers` and `description` together, as JSON,
            are at most 65,536 bytes (64 KB); past it the request is a `validation_error` with one
            error on field `""`, and nothing is stored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Webhook]
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
    body: WebhookPut,
    accept_language: str | Unset = UNSET,
) -> Problem | Webhook | None:
    """Replace the writable fields of a webhook

     `url` and `event_types` are required; left-out lists and maps become empty, `description` null,
    `active` true.

    Args:
        id (str):
        accept_language (str | Unset):
        body (WebhookPut): `filters`, `metadata`, `headers` and `description` together, as JSON,
            are at most 65,536 bytes (64 KB); past it the request is a `validation_error` with one
            error on field `""`, and nothing is stored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Webhook
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
            accept_language=accept_language,
        )
    ).parsed
