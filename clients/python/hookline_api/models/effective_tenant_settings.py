from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="EffectiveTenantSettings")


@_attrs_define
class EffectiveTenantSettings:
    """What holds for the tenant, its own setting or else the deployment's default. 0 is no limit.

    Attributes:
        deliveries_per_second (int):
        max_in_flight (int):
        events_per_second (int):
        retention_days (int):
    """

    deliveries_per_second: int
    max_in_flight: int
    events_per_second: int
    retention_days: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        deliveries_per_second = self.deliveries_per_second

        max_in_flight = self.max_in_flight

        events_per_second = self.events_per_second

        retention_days = self.retention_days

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "deliveries_per_second": deliveries_per_second,
                "max_in_flight": max_in_flight,
                "events_per_second": events_per_second,
                "retention_days": retention_days,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        deliveries_per_second = d.pop("deliveries_per_second")

        max_in_flight = d.pop("max_in_flight")

        events_per_second = d.pop("events_per_second")

        retention_days = d.pop("retention_days")

        effective_tenant_settings = cls(
            deliveries_per_second=deliveries_per_second,
            max_in_flight=max_in_flight,
            events_per_second=events_per_second,
            retention_days=retention_days,
        )

        effective_tenant_settings.additional_properties = d
        return effective_tenant_settings

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
