from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PublishEventResponse202")


@_attrs_define
class PublishEventResponse202:
    """
    Attributes:
        id (UUID): UUID version 7, lower-case.
        event_type (str):
        created_at (datetime.datetime): RFC 3339, UTC, milliseconds (`2026-11-24T01:02:03.456Z`).
        matched (int):
    """

    id: UUID
    event_type: str
    created_at: datetime.datetime
    matched: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        event_type = self.event_type

        created_at = self.created_at.isoformat()

        matched = self.matched

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "event_type": event_type,
                "created_at": created_at,
                "matched": matched,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        event_type = d.pop("event_type")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        matched = d.pop("matched")

        publish_event_response_202 = cls(
            id=id,
            event_type=event_type,
            created_at=created_at,
            matched=matched,
        )

        publish_event_response_202.additional_properties = d
        return publish_event_response_202

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
