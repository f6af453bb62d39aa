from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="TenantSettingsPatch")


@_attrs_define
class TenantSettingsPatch:
    """
    Attributes:
        deliveries_per_second (int | None | Unset):
        max_in_flight (int | None | Unset):
        events_per_second (int | None | Unset):
        retention_days (int | None | Unset):
    """

    deliveries_per_second: int | None | Unset = UNSET
    max_in_flight: int | None | Unset = UNSET
    events_per_second: int | None | Unset = UNSET
    retention_days: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        deliveries_per_second: int | None | Unset
        if isinstance(self.deliveries_per_second, Unset):
            deliveries_per_second = UNSET
        else:
            deliveries_per_second = self.deliveries_per_second

        max_in_flight: int | None | Unset
        if isinstance(self.max_in_flight, Unset):
            max_in_flight = UNSET
        else:
            max_in_flight = self.max_in_flight

        events_per_second: int | None | Unset
        if isinstance(self.events_per_second, Unset):
            events_per_second = UNSET
        else:
            events_per_second = self.events_per_second

        retention_days: int | None | Unset
        if isinstance(self.retention_days, Unset):
            retention_days = UNSET
        else:
            retention_days = self.retention_days

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if deliveries_per_second is not UNSET:
            field_dict["deliveries_per_second"] = deliveries_per_second
        if max_in_flight is not UNSET:
            field_dict["max_in_flight"] = max_in_flight
        if events_per_second is not UNSET:
            field_dict["events_per_second"] = events_per_second
        if retention_days is not UNSET:
            field_dict["retention_days"] = retention_days

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_deliveries_per_second(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        deliveries_per_second = _parse_deliveries_per_second(
            d.pop("deliveries_per_second", UNSET)
        )

        def _parse_max_in_flight(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_in_flight = _parse_max_in_flight(d.pop("max_in_flight", UNSET))

        def _parse_events_per_second(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        events_per_second = _parse_events_per_second(d.pop("events_per_second", UNSET))

        def _parse_retention_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        retention_days = _parse_retention_days(d.pop("retention_days", UNSET))

        tenant_settings_patch = cls(
            deliveries_per_second=deliveries_per_second,
            max_in_flight=max_in_flight,
            events_per_second=events_per_second,
            retention_days=retention_days,
        )

        return tenant_settings_patch
