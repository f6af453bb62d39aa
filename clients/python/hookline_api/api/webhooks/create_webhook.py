from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.webhook_create import WebhookCreate
from ...models.webhook_with_secret import WebhookWithSecret
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: WebhookCreate,
    accept_language: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept_language, Unset):
        headers["Accept-Language"] = accept_language

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/webhooks",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | WebhookWithSecret | None:
    if response.status_code == 201:
        response_201 = WebhookWithSecret.from_dict(response.json())

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
) -> Response[Problem | WebhookWithSecret]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: WebhookCreate,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | WebhookWithSecret]:
    """Register a webhook

     Registers an HTTPS endpoint for the caller's tenant, for the event types (and filters) given. Unless
    `verify` is false, the endpoint is first sent a signed `webhook.ping` and must answer 2xx (or echo
    `X-Hook-Secret` with the handshake). The answer is the only one to show the signing secret besides
    `GET /secret`.

    Args:
        accept_language (str | Unset):
        body (WebhookCreate): `filters`, `metadata`, `headers` and `description` together, as
            JSON, are at most 65,536 bytes (64 KB); past it the request is a `validation_error` with
            one error on field `""`, and nothing is stored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookWithSecret]
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
    body: WebhookCreate,
    accept_language: str | Unset = UNSET,
) -> Problem | WebhookWithSecret | None:
    """Register a webhook

     Registers an HTTPS endpoint for the caller's tenant, for the event types (and filters) given. Unless
    `verify` is false, the endpoint is first sent a signed `webhook.ping` and must answer 2xx (or echo
    `X-Hook-Secret` with the handshake). The answer is the only one to show the signing secret besides
    `GET /secret`.

    Args:
        accept_language (str | Unset):
        body (WebhookCreate): `filters`, `metadata`, `headers` and `description` together, as
            JSON, are at most 65,536 bytes (64 KB); past it the request is a `validation_error` with
            one error on field `""`, and nothing is stored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookWithSecret
    """

    return sync_detailed(
        client=client,
        body=body,
        accept_language=accept_language,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: WebhookCreate,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | WebhookWithSecret]:
    """Register a webhook

     Registers an HTTPS endpoint for the caller's tenant, for the event types (and filters) given. Unless
    `verify` is false, the endpoint is first sent a signed `webhook.ping` and must answer 2xx (or echo
    `X-Hook-Secret` with the handshake). The answer is the only one to show the signing secret besides
    `GET /secret`.

    Args:
        accept_language (str | Unset):
        body (WebhookCreate): `filters`, `metadata`, `headers` and `description` together, as
            JSON, are at most 65,536 bytes (64 KB); past it the request is a `validation_error` with
            one error on field `""`, and nothing is stored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookWithSecret]
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
    body: WebhookCreate,
    accept_language: str | Unset = UNSET,
) -> Problem | WebhookWithSecret | None:
    """Register a webhook

     Registers an HTTPS endpoint for the caller's tenant, for the event types (and filters) given. Unless
    `verify` is false, the endpoint is first sent a signed `webhook.ping` and must answer 2xx (or echo
    `X-Hook-Secret` with the handshake). The answer is the only one to show the signing secret besides
    `GET /secret`.

    Args:
        accept_language (str | Unset):
        body (WebhookCreate): `filters`, `metadata`, `headers` and `description` together, as
            JSON, are at most 65,536 bytes (64 KB); past it the request is a `validation_error` with
            one error on field `""`, and nothing is stored.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookWithSecret
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            accept_language=accept_language,
        )
    ).parsed
