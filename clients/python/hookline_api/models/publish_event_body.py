from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define

if TYPE_CHECKING:
    from ..models.event_data import EventData


T = TypeVar("T", bound="PublishEventBody")


@_attrs_define
class PublishEventBody:
    """
    Attributes:
        event_type (str):
        data (EventData): An event's `data`, any JSON object, at most 256 KiB.
    """

    event_type: str
    data: EventData

    def to_dict(self) -> dict[str, Any]:
        event_type = self.event_type

        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "event_type": event_type,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.event_data import EventData

        d = dict(src_dict)
        event_type = d.pop("event_type")

        data = EventData.from_dict(d.pop("data"))

        publish_event_body = cls(
            event_type=event_type,
            data=data,
        )

        return publish_event_body
