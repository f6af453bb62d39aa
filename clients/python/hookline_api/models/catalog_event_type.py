from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.catalog_event_type_example_type_0 import CatalogEventTypeExampleType0
    from ..models.catalog_event_type_schema_type_0 import CatalogEventTypeSchemaType0


T = TypeVar("T", bound="CatalogEventType")


@_attrs_define
class CatalogEventType:
    """
    Attributes:
        name (str):
        description (str):
        schema (bool | CatalogEventTypeSchemaType0 | None):
        example (CatalogEventTypeExampleType0 | None):
        archived (bool):
        created_at (datetime.datetime): RFC 3339, UTC, milliseconds (`2026-11-24T01:02:03.456Z`).
        updated_at (datetime.datetime): RFC 3339, UTC, milliseconds (`2026-11-24T01:02:03.456Z`).
    """

    name: str
    description: str
    schema: bool | CatalogEventTypeSchemaType0 | None
    example: CatalogEventTypeExampleType0 | None
    archived: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.catalog_event_type_example_type_0 import (
            CatalogEventTypeExampleType0,
        )
        from ..models.catalog_event_type_schema_type_0 import (
            CatalogEventTypeSchemaType0,
        )

        name = self.name

        description = self.description

        schema: bool | dict[str, Any] | None
        if isinstance(self.schema, CatalogEventTypeSchemaType0):
            schema = self.schema.to_dict()
        else:
            schema = self.schema

        example: dict[str, Any] | None
        if isinstance(self.example, CatalogEventTypeExampleType0):
            example = self.example.to_dict()
        else:
            example = self.example

        archived = self.archived

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "description": description,
                "schema": schema,
                "example": example,
                "archived": archived,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.catalog_event_type_example_type_0 import (
            CatalogEventTypeExampleType0,
        )
        from ..models.catalog_event_type_schema_type_0 import (
            CatalogEventTypeSchemaType0,
        )

        d = dict(src_dict)
        name = d.pop("name")

        description = d.pop("description")

        def _parse_schema(data: object) -> bool | CatalogEventTypeSchemaType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                schema_type_0 = CatalogEventTypeSchemaType0.from_dict(data)

                return schema_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(bool | CatalogEventTypeSchemaType0 | None, data)

        schema = _parse_schema(d.pop("schema"))

        def _parse_example(data: object) -> CatalogEventTypeExampleType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                example_type_0 = CatalogEventTypeExampleType0.from_dict(data)

                return example_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CatalogEventTypeExampleType0 | None, data)

        example = _parse_example(d.pop("example"))

        archived = d.pop("archived")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        catalog_event_type = cls(
            name=name,
            description=description,
            schema=schema,
            example=example,
            archived=archived,
            created_at=created_at,
            updated_at=updated_at,
        )

        catalog_event_type.additional_properties = d
        return catalog_event_type

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
