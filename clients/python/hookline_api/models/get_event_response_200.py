from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.event_data import EventData
    from ..models.get_event_response_200_deliveries_item import (
        GetEventResponse200DeliveriesItem,
    )


T = TypeVar("T", bound="GetEventResponse200")


@_attrs_define
class GetEventResponse200:
    """
    Attributes:
        id (UUID): UUID version 7, lower-case.
        event_type (str):
        data (EventData): An event's `data`, any JSON object, at most 256 KiB.
        created_at (datetime.datetime): RFC 3339, UTC, milliseconds (`2026-11-24T01:02:03.456Z`).
        deliveries (list[GetEventResponse200DeliveriesItem]):
    """

    id: UUID
    event_type: str
    data: EventData
    created_at: datetime.datetime
    deliveries: list[GetEventResponse200DeliveriesItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        event_type = self.event_type

        data = self.data.to_dict()

        created_at = self.created_at.isoformat()

        deliveries = []
        for deliveries_item_data in self.deliveries:
            deliveries_item = deliveries_item_data.to_dict()
            deliveries.append(deliveries_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "event_type": event_type,
                "data": data,
                "created_at": created_at,
                "deliveries": deliveries,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.event_data import EventData
        from ..models.get_event_response_200_deliveries_item import (
            GetEventResponse200DeliveriesItem,
        )

        d = dict(src_dict)
        id = UUID(d.pop("id"))

        event_type = d.pop("event_type")

        data = EventData.from_dict(d.pop("data"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        deliveries = []
        _deliveries = d.pop("deliveries")
        for deliveries_item_data in _deliveries:
            deliveries_item = GetEventResponse200DeliveriesItem.from_dict(
                deliveries_item_data
            )

            deliveries.append(deliveries_item)

        get_event_response_200 = cls(
            id=id,
            event_type=event_type,
            data=data,
            created_at=created_at,
            deliveries=deliveries,
        )

        get_event_response_200.additional_properties = d
        return get_event_response_200

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
