from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.effective_tenant_settings import EffectiveTenantSettings


T = TypeVar("T", bound="TenantSettings")


@_attrs_define
class TenantSettings:
    """The tenant's own settings (`null`, the deployment's default) and `effective`, what holds.

    Attributes:
        deliveries_per_second (int | None): Deliveries its webhooks may get per second; retries, manual retries, pings
            and recovers count.
        max_in_flight (int | None): Attempts in flight at once across its webhooks.
        events_per_second (int | None): Events it may publish per second (as a ten-second allowance); past it, 429
            `rate_limited`.
        retention_days (int | None): Days its records are kept.
        effective (EffectiveTenantSettings): What holds for the tenant, its own setting or else the deployment's
            default. 0 is no limit.
    """

    deliveries_per_second: int | None
    max_in_flight: int | None
    events_per_second: int | None
    retention_days: int | None
    effective: EffectiveTenantSettings
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        deliveries_per_second: int | None
        deliveries_per_second = self.deliveries_per_second

        max_in_flight: int | None
        max_in_flight = self.max_in_flight

        events_per_second: int | None
        events_per_second = self.events_per_second

        retention_days: int | None
        retention_days = self.retention_days

        effective = self.effective.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "deliveries_per_second": deliveries_per_second,
                "max_in_flight": max_in_flight,
                "events_per_second": events_per_second,
                "retention_days": retention_days,
                "effective": effective,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.effective_tenant_settings import EffectiveTenantSettings

        d = dict(src_dict)

        def _parse_deliveries_per_second(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        deliveries_per_second = _parse_deliveries_per_second(
            d.pop("deliveries_per_second")
        )

        def _parse_max_in_flight(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_in_flight = _parse_max_in_flight(d.pop("max_in_flight"))

        def _parse_events_per_second(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        events_per_second = _parse_events_per_second(d.pop("events_per_second"))

        def _parse_retention_days(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        retention_days = _parse_retention_days(d.pop("retention_days"))

        effective = EffectiveTenantSettings.from_dict(d.pop("effective"))

        tenant_settings = cls(
            deliveries_per_second=deliveries_per_second,
            max_in_flight=max_in_flight,
            events_per_second=events_per_second,
            retention_days=retention_days,
            effective=effective,
        )

        tenant_settings.additional_properties = d
        return tenant_settings

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
