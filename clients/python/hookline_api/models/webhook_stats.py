from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.webhook_stats_attempts import WebhookStatsAttempts
    from ..models.webhook_stats_deliveries import WebhookStatsDeliveries


T = TypeVar("T", bound="WebhookStats")


@_attrs_define
class WebhookStats:
    """
    Attributes:
        since (datetime.datetime): RFC 3339, UTC, milliseconds (`2026-11-24T01:02:03.456Z`).
        until (datetime.datetime): RFC 3339, UTC, milliseconds (`2026-11-24T01:02:03.456Z`).
        deliveries (WebhookStatsDeliveries): Each event with an attempt in the window once, by its latest attempt there;
            `dropped`, the window's events not sent because a person deactivated the webhook first.
        attempts (WebhookStatsAttempts): Every execution made in the window, pings included.
    """

    since: datetime.datetime
    until: datetime.datetime
    deliveries: WebhookStatsDeliveries
    attempts: WebhookStatsAttempts
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        since = self.since.isoformat()

        until = self.until.isoformat()

        deliveries = self.deliveries.to_dict()

        attempts = self.attempts.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "since": since,
                "until": until,
                "deliveries": deliveries,
                "attempts": attempts,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.webhook_stats_attempts import WebhookStatsAttempts
        from ..models.webhook_stats_deliveries import WebhookStatsDeliveries

        d = dict(src_dict)
        since = datetime.datetime.fromisoformat(d.pop("since"))

        until = datetime.datetime.fromisoformat(d.pop("until"))

        deliveries = WebhookStatsDeliveries.from_dict(d.pop("deliveries"))

        attempts = WebhookStatsAttempts.from_dict(d.pop("attempts"))

        webhook_stats = cls(
            since=since,
            until=until,
            deliveries=deliveries,
            attempts=attempts,
        )

        webhook_stats.additional_properties = d
        return webhook_stats

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
