from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.event_type_create_example import EventTypeCreateExample
    from ..models.event_type_create_schema_type_0 import EventTypeCreateSchemaType0


T = TypeVar("T", bound="EventTypeCreate")


@_attrs_define
class EventTypeCreate:
    """
    Attributes:
        name (str):
        description (str):
        schema (bool | EventTypeCreateSchemaType0 | Unset): A JSON Schema (draft 2020-12) for the `data` of events of
            this type.
        example (EventTypeCreateExample | Unset): An event's `data`; it must satisfy `schema`.
    """

    name: str
    description: str
    schema: bool | EventTypeCreateSchemaType0 | Unset = UNSET
    example: EventTypeCreateExample | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.event_type_create_schema_type_0 import EventTypeCreateSchemaType0

        name = self.name

        description = self.description

        schema: bool | dict[str, Any] | Unset
        if isinstance(self.schema, Unset):
            schema = UNSET
        elif isinstance(self.schema, EventTypeCreateSchemaType0):
            schema = self.schema.to_dict()
        else:
            schema = self.schema

        example: dict[str, Any] | Unset = UNSET
        if not isinstance(self.example, Unset):
            example = self.example.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "description": description,
            }
        )
        if schema is not UNSET:
            field_dict["schema"] = schema
        if example is not UNSET:
            field_dict["example"] = example

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.event_type_create_example import EventTypeCreateExample
        from ..models.event_type_create_schema_type_0 import EventTypeCreateSchemaType0

        d = dict(src_dict)
        name = d.pop("name")

        description = d.pop("description")

        def _parse_schema(data: object) -> bool | EventTypeCreateSchemaType0 | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                schema_type_0 = EventTypeCreateSchemaType0.from_dict(data)

                return schema_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(bool | EventTypeCreateSchemaType0 | Unset, data)

        schema = _parse_schema(d.pop("schema", UNSET))

        _example = d.pop("example", UNSET)
        example: EventTypeCreateExample | Unset
        if isinstance(_example, Unset):
            example = UNSET
        else:
            example = EventTypeCreateExample.from_dict(_example)

        event_type_create = cls(
            name=name,
            description=description,
            schema=schema,
            example=example,
        )

        return event_type_create
