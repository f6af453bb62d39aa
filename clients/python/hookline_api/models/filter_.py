from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="Filter")


@_attrs_define
class Filter:
    """
    Attributes:
        path (str): Dotted path into the event's `data`.
        any_of (list[bool | float | str]):
    """

    path: str
    any_of: list[bool | float | str]

    def to_dict(self) -> dict[str, Any]:
        path = self.path

        any_of = []
        for any_of_item_data in self.any_of:
            any_of_item: bool | float | str
            any_of_item = any_of_item_data
            any_of.append(any_of_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "path": path,
                "any_of": any_of,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        path = d.pop("path")

        any_of = []
        _any_of = d.pop("any_of")
        for any_of_item_data in _any_of:

            def _parse_any_of_item(data: object) -> bool | float | str:
                return cast(bool | float | str, data)

            any_of_item = _parse_any_of_item(any_of_item_data)

            any_of.append(any_of_item)

        filter_ = cls(
            path=path,
            any_of=any_of,
        )

        return filter_
