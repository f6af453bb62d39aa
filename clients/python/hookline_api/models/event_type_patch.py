from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.event_type_patch_example_type_0 import EventTypePatchExampleType0
    from ..models.event_type_patch_schema_type_0 import EventTypePatchSchemaType0


T = TypeVar("T", bound="EventTypePatch")


@_attrs_define
class EventTypePatch:
    """
    Attributes:
        description (str | Unset):
        schema (bool | EventTypePatchSchemaType0 | None | Unset):
        example (EventTypePatchExampleType0 | None | Unset):
        archived (bool | Unset):
    """

    description: str | Unset = UNSET
    schema: bool | EventTypePatchSchemaType0 | None | Unset = UNSET
    example: EventTypePatchExampleType0 | None | Unset = UNSET
    archived: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.event_type_patch_example_type_0 import EventTypePatchExampleType0
        from ..models.event_type_patch_schema_type_0 import EventTypePatchSchemaType0

        description = self.description

        schema: bool | dict[str, Any] | None | Unset
        if isinstance(self.schema, Unset):
            schema = UNSET
        elif isinstance(self.schema, EventTypePatchSchemaType0):
            schema = self.schema.to_dict()
        else:
            schema = self.schema

        example: dict[str, Any] | None | Unset
        if isinstance(self.example, Unset):
            example = UNSET
        elif isinstance(self.example, EventTypePatchExampleType0):
            example = self.example.to_dict()
        else:
            example = self.example

        archived = self.archived

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if description is not UNSET:
            field_dict["description"] = description
        if schema is not UNSET:
            field_dict["schema"] = schema
        if example is not UNSET:
            field_dict["example"] = example
        if archived is not UNSET:
            field_dict["archived"] = archived

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.event_type_patch_example_type_0 import EventTypePatchExampleType0
        from ..models.event_type_patch_schema_type_0 import EventTypePatchSchemaType0

        d = dict(src_dict)
        description = d.pop("description", UNSET)

        def _parse_schema(
            data: object,
        ) -> bool | EventTypePatchSchemaType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                schema_type_0 = EventTypePatchSchemaType0.from_dict(data)

                return schema_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(bool | EventTypePatchSchemaType0 | None | Unset, data)

        schema = _parse_schema(d.pop("schema", UNSET))

        def _parse_example(data: object) -> EventTypePatchExampleType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                example_type_0 = EventTypePatchExampleType0.from_dict(data)

                return example_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventTypePatchExampleType0 | None | Unset, data)

        example = _parse_example(d.pop("example", UNSET))

        archived = d.pop("archived", UNSET)

        event_type_patch = cls(
            description=description,
            schema=schema,
            example=example,
            archived=archived,
        )

        return event_type_patch
