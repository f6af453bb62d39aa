from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RetryExecutionResponse202")


@_attrs_define
class RetryExecutionResponse202:
    """
    Attributes:
        event_id (UUID): UUID version 7, lower-case.
        webhook_id (UUID): UUID version 7, lower-case.
        attempt (int):
    """

    event_id: UUID
    webhook_id: UUID
    attempt: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        event_id = str(self.event_id)

        webhook_id = str(self.webhook_id)

        attempt = self.attempt

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "event_id": event_id,
                "webhook_id": webhook_id,
                "attempt": attempt,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        event_id = UUID(d.pop("event_id"))

        webhook_id = UUID(d.pop("webhook_id"))

        attempt = d.pop("attempt")

        retry_execution_response_202 = cls(
            event_id=event_id,
            webhook_id=webhook_id,
            attempt=attempt,
        )

        retry_execution_response_202.additional_properties = d
        return retry_execution_response_202

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
