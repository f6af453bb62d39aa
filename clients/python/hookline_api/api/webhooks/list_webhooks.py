from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.list_webhooks_active import ListWebhooksActive
from ...models.problem import Problem
from ...models.webhook_page import WebhookPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    event_type: str | Unset = UNSET,
    active: ListWebhooksActive | Unset = UNSET,
    uid: str | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(accept_language, Unset):
        headers["Accept-Language"] = accept_language

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    params["event_type"] = event_type

    json_active: str | Unset = UNSET
    if not isinstance(active, Unset):
        json_active = active.value

    params["active"] = json_active

    params["uid"] = uid

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/webhooks",
        "params": params,
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | WebhookPage | None:
    if response.status_code == 200:
        response_200 = WebhookPage.from_dict(response.json())

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
) -> Response[Problem | WebhookPage]:
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
    active: ListWebhooksActive | Unset = UNSET,
    uid: str | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | WebhookPage]:
    """List webhooks, oldest first

     The caller's tenant's webhooks in creation order, a page at a time (`next_cursor`). `event_type`
    keeps those an event of that type would reach; `active` and `uid` filter too.

    Args:
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        event_type (str | Unset):
        active (ListWebhooksActive | Unset):
        uid (str | Unset): The caller's own id for a webhook, unique within the tenant (a taken
            one is 409
            `webhook_conflict`); not shaped like a UUID. Every `{id}` in a path accepts it, and
            `GET /v1/webhooks?uid=` finds it. PATCH with `null` (and PUT without it) removes it.
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookPage]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        event_type=event_type,
        active=active,
        uid=uid,
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
    active: ListWebhooksActive | Unset = UNSET,
    uid: str | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Problem | WebhookPage | None:
    """List webhooks, oldest first

     The caller's tenant's webhooks in creation order, a page at a time (`next_cursor`). `event_type`
    keeps those an event of that type would reach; `active` and `uid` filter too.

    Args:
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        event_type (str | Unset):
        active (ListWebhooksActive | Unset):
        uid (str | Unset): The caller's own id for a webhook, unique within the tenant (a taken
            one is 409
            `webhook_conflict`); not shaped like a UUID. Every `{id}` in a path accepts it, and
            `GET /v1/webhooks?uid=` finds it. PATCH with `null` (and PUT without it) removes it.
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookPage
    """

    return sync_detailed(
        client=client,
        limit=limit,
        cursor=cursor,
        event_type=event_type,
        active=active,
        uid=uid,
        accept_language=accept_language,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    limit: int | Unset = 50,
    cursor: str | Unset = UNSET,
    event_type: str | Unset = UNSET,
    active: ListWebhooksActive | Unset = UNSET,
    uid: str | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Response[Problem | WebhookPage]:
    """List webhooks, oldest first

     The caller's tenant's webhooks in creation order, a page at a time (`next_cursor`). `event_type`
    keeps those an event of that type would reach; `active` and `uid` filter too.

    Args:
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        event_type (str | Unset):
        active (ListWebhooksActive | Unset):
        uid (str | Unset): The caller's own id for a webhook, unique within the tenant (a taken
            one is 409
            `webhook_conflict`); not shaped like a UUID. Every `{id}` in a path accepts it, and
            `GET /v1/webhooks?uid=` finds it. PATCH with `null` (and PUT without it) removes it.
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | WebhookPage]
    """

    kwargs = _get_kwargs(
        limit=limit,
        cursor=cursor,
        event_type=event_type,
        active=active,
        uid=uid,
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
    active: ListWebhooksActive | Unset = UNSET,
    uid: str | Unset = UNSET,
    accept_language: str | Unset = UNSET,
) -> Problem | WebhookPage | None:
    """List webhooks, oldest first

     The caller's tenant's webhooks in creation order, a page at a time (`next_cursor`). `event_type`
    keeps those an event of that type would reach; `active` and `uid` filter too.

    Args:
        limit (int | Unset):  Default: 50.
        cursor (str | Unset):
        event_type (str | Unset):
        active (ListWebhooksActive | Unset):
        uid (str | Unset): The caller's own id for a webhook, unique within the tenant (a taken
            one is 409
            `webhook_conflict`); not shaped like a UUID. Every `{id}` in a path accepts it, and
            `GET /v1/webhooks?uid=` finds it. PATCH with `null` (and PUT without it) removes it.
        accept_language (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | WebhookPage
    """

    return (
        await asyncio_detailed(
            client=client,
            limit=limit,
            cursor=cursor,
            event_type=event_type,
            active=active,
            uid=uid,
            accept_language=accept_language,
        )
    ).parsed
