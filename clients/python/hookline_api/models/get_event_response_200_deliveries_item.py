from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.get_event_response_200_deliveries_item_status import (
    GetEventResponse200DeliveriesItemStatus,
)

T = TypeVar("T", bound="GetEventResponse200DeliveriesItem")


@_attrs_define
class GetEventResponse200DeliveriesItem:
    """
    Attributes:
        webhook_id (UUID): UUID version 7, lower-case.
        status (GetEventResponse200DeliveriesItemStatus):
        attempts (int):
        next_attempt_at (datetime.datetime | None):
    """

    webhook_id: UUID
    status: GetEventResponse200DeliveriesItemStatus
    attempts: int
    next_attempt_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        webhook_id = str(self.webhook_id)

        status = self.status.value

        attempts = self.attempts

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "webhook_id": webhook_id,
                "status": status,
                "attempts": attempts,
                "next_attempt_at": next_attempt_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        webhook_id = UUID(d.pop("webhook_id"))

        status = GetEventResponse200DeliveriesItemStatus(d.pop("status"))

        attempts = d.pop("attempts")

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        get_event_response_200_deliveries_item = cls(
            webhook_id=webhook_id,
            status=status,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
        )

        get_event_response_200_deliveries_item.additional_properties = d
        return get_event_response_200_deliveries_item

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
