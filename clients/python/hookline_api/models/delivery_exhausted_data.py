from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DeliveryExhaustedData")


@_attrs_define
class DeliveryExhaustedData:
    """
    Attributes:
        tenant (str): The webhook's tenant.
        webhook_id (UUID): UUID version 7, lower-case.
        event_id (UUID): UUID version 7, lower-case.
        attempts (int): The attempts made.
        last_error (str): What the last attempt met: the endpoint's status or the error.
    """

    tenant: str
    webhook_id: UUID
    event_id: UUID
    attempts: int
    last_error: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tenant = self.tenant

        webhook_id = str(self.webhook_id)

        event_id = str(self.event_id)

        attempts = self.attempts

        last_error = self.last_error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tenant": tenant,
                "webhook_id": webhook_id,
                "event_id": event_id,
                "attempts": attempts,
                "last_error": last_error,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        tenant = d.pop("tenant")

        webhook_id = UUID(d.pop("webhook_id"))

        event_id = UUID(d.pop("event_id"))

        attempts = d.pop("attempts")

        last_error = d.pop("last_error")

        delivery_exhausted_data = cls(
            tenant=tenant,
            webhook_id=webhook_id,
            event_id=event_id,
            attempts=attempts,
            last_error=last_error,
        )

        delivery_exhausted_data.additional_properties = d
        return delivery_exhausted_data

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
