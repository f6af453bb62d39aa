from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..models.verification import Verification
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.filter_ import Filter
    from ..models.headers import Headers
    from ..models.metadata import Metadata


T = TypeVar("T", bound="WebhookPut")


@_attrs_define
class WebhookPut:
    """`filters`, `metadata`, `headers` and `description` together, as JSON, are at most 65,536 bytes (64 KB); past it the
    request is a `validation_error` with one error on field `""`, and nothing is stored.

        Attributes:
            url (str): https only, no userinfo, no IPv6 zone id, no loopback/private/link-local/CGNAT/unique-
                local/multicast/broadcast/unspecified host in any spelling (`url_not_allowed`). **Choice:** the deployment's
                allow-list (`UrlAllowList`) opens listed CIDRs and host names; a name that already resolves to a forbidden
                address is refused at registration, and at each delivery the name is resolved again and every address vetted,
                and a refused attempt is recorded as a failed execution whose `error_message` starts with `refused:`. The local
                server allows http and any host unless `--strict-urls`.
            event_types (list[str]):
            uid (None | str | Unset):
            filters (list[Filter] | Unset): All must match (AND).
            description (None | str | Unset):
            active (bool | Unset):  Default: True.
            headers (Headers | Unset): Custom headers for every delivery; `webhook-*`, `content-type`, `content-length`,
                `host`, `user-agent`, and the hop-by-hop and framing headers `transfer-encoding`, `connection`, `keep-alive`,
                `te`, `trailer`, `upgrade`, `expect` and `proxy-*` are refused.
            metadata (Metadata | Unset):
            verification (Verification | Unset): How the endpoint is verified (unless `"verify": false`): `ping`, the signed
                `webhook.ping` answered with any 2xx; or `handshake`, the same request carrying
                `X-Hook-Secret: <the webhook's secret>`, which must be answered with a 2xx that echoes
                the same value in an `X-Hook-Secret` response header.
                **Choice:** an update verifies again when the url changes, when `active` goes from false
                to true, and when `verification` becomes `handshake`; a ping (`POST .../ping`) carries no
                `X-Hook-Secret`.
            verify (bool | Unset):  Default: True.
    """

    url: str
    event_types: list[str]
    uid: None | str | Unset = UNSET
    filters: list[Filter] | Unset = UNSET
    description: None | str | Unset = UNSET
    active: bool | Unset = True
    headers: Headers | Unset = UNSET
    metadata: Metadata | Unset = UNSET
    verification: Verification | Unset = UNSET
    verify: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        event_types = self.event_types

        uid: None | str | Unset
        if isinstance(self.uid, Unset):
            uid = UNSET
        else:
            uid = self.uid

        filters: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.filters, Unset):
            filters = []
            for componentsschemas_filters_item_data in self.filters:
                componentsschemas_filters_item = (
                    componentsschemas_filters_item_data.to_dict()
                )
                filters.append(componentsschemas_filters_item)

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        active = self.active

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        metadata: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metadata, Unset):
            metadata = self.metadata.to_dict()

        verification: str | Unset = UNSET
        if not isinstance(self.verification, Unset):
            verification = self.verification.value

        verify = self.verify

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "url": url,
                "event_types": event_types,
            }
        )
        if uid is not UNSET:
            field_dict["uid"] = uid
        if filters is not UNSET:
            field_dict["filters"] = filters
        if description is not UNSET:
            field_dict["description"] = description
        if active is not UNSET:
            field_dict["active"] = active
        if headers is not UNSET:
            field_dict["headers"] = headers
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if verification is not UNSET:
            field_dict["verification"] = verification
        if verify is not UNSET:
            field_dict["verify"] = verify

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.filter_ import Filter
        from ..models.headers import Headers
        from ..models.metadata import Metadata

        d = dict(src_dict)
        url = d.pop("url")

        event_types = cast(list[str], d.pop("event_types"))

        def _parse_uid(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        uid = _parse_uid(d.pop("uid", UNSET))

        _filters = d.pop("filters", UNSET)
        filters: list[Filter] | Unset = UNSET
        if _filters is not UNSET:
            filters = []
            for componentsschemas_filters_item_data in _filters:
                componentsschemas_filters_item = Filter.from_dict(
                    componentsschemas_filters_item_data
                )

                filters.append(componentsschemas_filters_item)

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        active = d.pop("active", UNSET)

        _headers = d.pop("headers", UNSET)
        headers: Headers | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = Headers.from_dict(_headers)

        _metadata = d.pop("metadata", UNSET)
        metadata: Metadata | Unset
        if isinstance(_metadata, Unset):
            metadata = UNSET
        else:
            metadata = Metadata.from_dict(_metadata)

        _verification = d.pop("verification", UNSET)
        verification: Verification | Unset
        if isinstance(_verification, Unset):
            verification = UNSET
        else:
            verification = Verification(_verification)

        verify = d.pop("verify", UNSET)

        webhook_put = cls(
            url=url,
            event_types=event_types,
            uid=uid,
            filters=filters,
            description=description,
            active=active,
            headers=headers,
            metadata=metadata,
            verification=verification,
            verify=verify,
        )

        return webhook_put
