from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="WebhookDisabledData")


@_attrs_define
class WebhookDisabledData:
    """
    Attributes:
        tenant (str): The webhook's tenant.
        webhook_id (UUID): UUID version 7, lower-case.
        uid (None | str):
        reason (str): Why, as in the webhook's `disabled_reason`.
    """

    tenant: str
    webhook_id: UUID
    uid: None | str
    reason: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tenant = self.tenant

        webhook_id = str(self.webhook_id)

        uid: None | str
        uid = self.uid

        reason = self.reason

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tenant": tenant,
                "webhook_id": webhook_id,
                "uid": uid,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        tenant = d.pop("tenant")

        webhook_id = UUID(d.pop("webhook_id"))

        def _parse_uid(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        uid = _parse_uid(d.pop("uid"))

        reason = d.pop("reason")

        webhook_disabled_data = cls(
            tenant=tenant,
            webhook_id=webhook_id,
            uid=uid,
            reason=reason,
        )

        webhook_disabled_data.additional_properties = d
        return webhook_disabled_data

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
