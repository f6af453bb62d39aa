from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="WebhookStatsDeliveries")


@_attrs_define
class WebhookStatsDeliveries:
    """Each event with an attempt in the window once, by its latest attempt there; `dropped`, the window's events not sent
    because a person deactivated the webhook first.

        Attributes:
            succeeded (int):
            failed (int):
            pending (int):
            dropped (int):
    """

    succeeded: int
    failed: int
    pending: int
    dropped: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        succeeded = self.succeeded

        failed = self.failed

        pending = self.pending

        dropped = self.dropped

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "succeeded": succeeded,
                "failed": failed,
                "pending": pending,
                "dropped": dropped,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        succeeded = d.pop("succeeded")

        failed = d.pop("failed")

        pending = d.pop("pending")

        dropped = d.pop("dropped")

        webhook_stats_deliveries = cls(
            succeeded=succeeded,
            failed=failed,
            pending=pending,
            dropped=dropped,
        )

        webhook_stats_deliveries.additional_properties = d
        return webhook_stats_deliveries

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
