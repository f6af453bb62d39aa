from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.get_portal_asset_asset import GetPortalAssetAsset
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    asset: GetPortalAssetAsset,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/portal/{asset}".format(
            asset=quote(str(asset), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | str | None:
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    asset: GetPortalAssetAsset,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Problem | str]:
    """One of the portal page's assets (no key)

     A script, style sheet or image of the portal page, built into the binary; an unknown asset is 404.

    Args:
        asset (GetPortalAssetAsset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
    """

    kwargs = _get_kwargs(
        asset=asset,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    asset: GetPortalAssetAsset,
    *,
    client: AuthenticatedClient | Client,
) -> Problem | str | None:
    """One of the portal page's assets (no key)

     A script, style sheet or image of the portal page, built into the binary; an unknown asset is 404.

    Args:
        asset (GetPortalAssetAsset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
    """

    return sync_detailed(
        asset=asset,
        client=client,
    ).parsed


async def asyncio_detailed(
    asset: GetPortalAssetAsset,
    *,
    client: AuthenticatedClient | Client,
) -> Response[Problem | str]:
    """One of the portal page's assets (no key)

     A script, style sheet or image of the portal page, built into the binary; an unknown asset is 404.

    Args:
        asset (GetPortalAssetAsset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
    """

    kwargs = _get_kwargs(
        asset=asset,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    asset: GetPortalAssetAsset,
    *,
    client: AuthenticatedClient | Client,
) -> Problem | str | None:
    """One of the portal page's assets (no key)

     A script, style sheet or image of the portal page, built into the binary; an unknown asset is 404.

    Args:
        asset (GetPortalAssetAsset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
    """

    return (
        await asyncio_detailed(
            asset=asset,
            client=client,
        )
    ).parsed
