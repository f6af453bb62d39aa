from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.verification import Verification

if TYPE_CHECKING:
    from ..models.filter_ import Filter
    from ..models.headers import Headers
    from ..models.metadata import Metadata


T = TypeVar("T", bound="WebhookWithSecret")


@_attrs_define
class WebhookWithSecret:
    """
    Attributes:
        id (UUID): UUID version 7, lower-case.
        uid (None | str):
        url (str):
        event_types (list[str]):
        filters (list[Filter]):
        description (None | str):
        active (bool):
        failed (bool):
        disabled_reason (None | str):
        headers (Headers): Custom headers for every delivery; `webhook-*`, `content-type`, `content-length`, `host`,
            `user-agent`, and the hop-by-hop and framing headers `transfer-encoding`, `connection`, `keep-alive`, `te`,
            `trailer`, `upgrade`, `expect` and `proxy-*` are refused.
        metadata (Metadata):
        verification (Verification): How the endpoint is verified (unless `"verify": false`): `ping`, the signed
            `webhook.ping` answered with any 2xx; or `handshake`, the same request carrying
            `X-Hook-Secret: <the webhook's secret>`, which must be answered with a 2xx that echoes
            the same value in an `X-Hook-Secret` response header.
            **Choice:** an update verifies again when the url changes, when `active` goes from false
            to true, and when `verification` becomes `handshake`; a ping (`POST .../ping`) carries no
            `X-Hook-Secret`.
        created_at (datetime.datetime): RFC 3339, UTC, milliseconds (`2026-11-24T01:02:03.456Z`).
        updated_at (datetime.datetime): RFC 3339, UTC, milliseconds (`2026-11-24T01:02:03.456Z`).
        last_success_at (datetime.datetime | None): **Choice:** kept to the minute. A success within a minute of the one
            recorded here, with no failure between, is not written again (a healthy webhook then costs no write per
            delivery), so this may be up to a minute older than the latest success. Failures are always recorded at once.
        last_failure_at (datetime.datetime | None):
        last_failure_content (None | str):
        consecutive_failures (int):
        secret (str):
    """

    id: UUID
    uid: None | str
    url: str
    event_types: list[str]
    filters: list[Filter]
    description: None | str
    active: bool
    failed: bool
    disabled_reason: None | str
    headers: Headers
    metadata: Metadata
    verification: Verification
    created_at: datetime.datetime
    updated_at: datetime.datetime
    last_success_at: datetime.datetime | None
    last_failure_at: datetime.datetime | None
    last_failure_content: None | str
    consecutive_failures: int
    secret: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        uid: None | str
        uid = self.uid

        url = self.url

        event_types = self.event_types

        filters = []
        for filters_item_data in self.filters:
            filters_item = filters_item_data.to_dict()
            filters.append(filters_item)

        description: None | str
        description = self.description

        active = self.active

        failed = self.failed

        disabled_reason: None | str
        disabled_reason = self.disabled_reason

        headers = self.headers.to_dict()

        metadata = self.metadata.to_dict()

        verification = self.verification.value

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        last_success_at: None | str
        if isinstance(self.last_success_at, datetime.datetime):
            last_success_at = self.last_success_at.isoformat()
        else:
            last_success_at = self.last_success_at

        last_failure_at: None | str
        if isinstance(self.last_failure_at, datetime.datetime):
            last_failure_at = self.last_failure_at.isoformat()
        else:
            last_failure_at = self.last_failure_at

        last_failure_content: None | str
        last_failure_content = self.last_failure_content

        consecutive_failures = self.consecutive_failures

        secret = self.secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "uid": uid,
                "url": url,
                "event_types": event_types,
                "filters": filters,
                "description": description,
                "active": active,
                "failed": failed,
                "disabled_reason": disabled_reason,
                "headers": headers,
                "metadata": metadata,
                "verification": verification,
                "created_at": created_at,
                "updated_at": updated_at,
                "last_success_at": last_success_at,
                "last_failure_at": last_failure_at,
                "last_failure_content": last_failure_content,
                "consecutive_failures": consecutive_failures,
                "secret": secret,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.filter_ import Filter
        from ..models.headers import Headers
        from ..models.metadata import Metadata

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        def _parse_uid(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        uid = _parse_uid(d.pop("uid"))

        url = d.pop("url")

        event_types = cast(list[str], d.pop("event_types"))

        filters = []
        _filters = d.pop("filters")
        for filters_item_data in _filters:
            filters_item = Filter.from_dict(filters_item_data)

            filters.append(filters_item)

        def _parse_description(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        description = _parse_description(d.pop("description"))

        active = d.pop("active")

        failed = d.pop("failed")

        def _parse_disabled_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        disabled_reason = _parse_disabled_reason(d.pop("disabled_reason"))

        headers = Headers.from_dict(d.pop("headers"))

        metadata = Metadata.from_dict(d.pop("metadata"))

        verification = Verification(d.pop("verification"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_last_success_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_success_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_success_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_success_at = _parse_last_success_at(d.pop("last_success_at"))

        def _parse_last_failure_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_failure_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_failure_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_failure_at = _parse_last_failure_at(d.pop("last_failure_at"))

        def _parse_last_failure_content(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_failure_content = _parse_last_failure_content(
            d.pop("last_failure_content")
        )

        consecutive_failures = d.pop("consecutive_failures")

        secret = d.pop("secret")

        webhook_with_secret = cls(
            id=id,
            uid=uid,
            url=url,
            event_types=event_types,
            filters=filters,
            description=description,
            active=active,
            failed=failed,
            disabled_reason=disabled_reason,
            headers=headers,
            metadata=metadata,
            verification=verification,
            created_at=created_at,
            updated_at=updated_at,
            last_success_at=last_success_at,
            last_failure_at=last_failure_at,
            last_failure_content=last_failure_content,
            consecutive_failures=consecutive_failures,
            secret=secret,
        )

        webhook_with_secret.additional_properties = d
        return webhook_with_secret

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
