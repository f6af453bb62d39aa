from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.rotate_webhook_secret_body import RotateWebhookSecretBody
from ...models.secret import Secret
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    body: RotateWebhookSecretBody | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept_language, Unset):
        headers["Accept-Language"] = accept_language

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/webhooks/{id}/secret/rotate".format(
            id=quote(str(id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | Secret | None:
    if response.status_code == 200:
        response_200 = Secret.from_dict(response.json())

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

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | Secret]:
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
    body: RotateWebhookSecretBody | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | Secret]:
    """Replace the signing secret

     For the `grace` (24 hours unless given) deliveries carry a signature by the new and one by
    the old secret; `"grace": "0s"` revokes the old secret at once. `secret` sets the new one
    instead of a generated one. No body is the defaults.
    **Choice:** `grace` takes `s`, `m`, `h` and `d` units (and combinations such as
    `1h30m`); a given `secret` equal to the current one is a `validation_error`.

    Args:
        id (str):
        accept_language (str | Unset):
        body (RotateWebhookSecretBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Secret]
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
    body: RotateWebhookSecretBody | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Problem | Secret | None:
    """Replace the signing secret

     For the `grace` (24 hours unless given) deliveries carry a signature by the new and one by
    the old secret; `"grace": "0s"` revokes the old secret at once. `secret` sets the new one
    instead of a generated one. No body is the defaults.
    **Choice:** `grace` takes `s`, `m`, `h` and `d` units (and combinations such as
    `1h30m`); a given `secret` equal to the current one is a `validation_error`.

    Args:
        id (str):
        accept_language (str | Unset):
        body (RotateWebhookSecretBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Secret
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
    body: RotateWebhookSecretBody | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | Secret]:
    """Replace the signing secret

     For the `grace` (24 hours unless given) deliveries carry a signature by the new and one by
    the old secret; `"grace": "0s"` revokes the old secret at once. `secret` sets the new one
    instead of a generated one. No body is the defaults.
    **Choice:** `grace` takes `s`, `m`, `h` and `d` units (and combinations such as
    `1h30m`); a given `secret` equal to the current one is a `validation_error`.

    Args:
        id (str):
        accept_language (str | Unset):
        body (RotateWebhookSecretBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Secret]
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
    body: RotateWebhookSecretBody | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Problem | Secret | None:
    """Replace the signing secret

     For the `grace` (24 hours unless given) deliveries carry a signature by the new and one by
    the old secret; `"grace": "0s"` revokes the old secret at once. `secret` sets the new one
    instead of a generated one. No body is the defaults.
    **Choice:** `grace` takes `s`, `m`, `h` and `d` units (and combinations such as
    `1h30m`); a given `secret` equal to the current one is a `validation_error`.

    Args:
        id (str):
        accept_language (str | Unset):
        body (RotateWebhookSecretBody | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Secret
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
            accept_language=accept_language,
        )
    ).parsed
