from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.execution_request_status import ExecutionRequestStatus
from ..models.execution_trigger import ExecutionTrigger

T = TypeVar("T", bound="Execution")


@_attrs_define
class Execution:
    """
    Attributes:
        id (UUID): UUID version 7, lower-case.
        webhook_id (UUID): UUID version 7, lower-case.
        event_id (UUID): UUID version 7, lower-case.
        event_type (str):
        attempt (int):
        trigger (ExecutionTrigger): `event` for every automatic attempt, `retry` for one asked for by the retry route,
            `recover` for one queued by `POST /v1/webhooks/{id}/recover`, `ping` for pings.
        created_at (datetime.datetime): RFC 3339, UTC, milliseconds (`2026-11-24T01:02:03.456Z`).
        duration_ms (int):
        request_status (ExecutionRequestStatus):
        response_status (int | None):
        error_message (None | str):
        response_body (None | str): The first 4 KiB of the answer. To a key without `webhooks:edit`, each of the
            webhook's custom header values in it (a receiver that echoes the request) reads `********`, as in the webhook;
            when its credentials cannot be read, the whole answer does.
        url (str):
        next_attempt_at (datetime.datetime | None):
    """

    id: UUID
    webhook_id: UUID
    event_id: UUID
    event_type: str
    attempt: int
    trigger: ExecutionTrigger
    created_at: datetime.datetime
    duration_ms: int
    request_status: ExecutionRequestStatus
    response_status: int | None
    error_message: None | str
    response_body: None | str
    url: str
    next_attempt_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        webhook_id = str(self.webhook_id)

        event_id = str(self.event_id)

        event_type = self.event_type

        attempt = self.attempt

        trigger = self.trigger.value

        created_at = self.created_at.isoformat()

        duration_ms = self.duration_ms

        request_status = self.request_status.value

        response_status: int | None
        response_status = self.response_status

        error_message: None | str
        error_message = self.error_message

        response_body: None | str
        response_body = self.response_body

        url = self.url

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "webhook_id": webhook_id,
                "event_id": event_id,
                "event_type": event_type,
                "attempt": attempt,
                "trigger": trigger,
                "created_at": created_at,
                "duration_ms": duration_ms,
                "request_status": request_status,
                "response_status": response_status,
                "error_message": error_message,
                "response_body": response_body,
                "url": url,
                "next_attempt_at": next_attempt_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        webhook_id = UUID(d.pop("webhook_id"))

        event_id = UUID(d.pop("event_id"))

        event_type = d.pop("event_type")

        attempt = d.pop("attempt")

        trigger = ExecutionTrigger(d.pop("trigger"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        duration_ms = d.pop("duration_ms")

        request_status = ExecutionRequestStatus(d.pop("request_status"))

        def _parse_response_status(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        response_status = _parse_response_status(d.pop("response_status"))

        def _parse_error_message(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error_message = _parse_error_message(d.pop("error_message"))

        def _parse_response_body(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        response_body = _parse_response_body(d.pop("response_body"))

        url = d.pop("url")

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        execution = cls(
            id=id,
            webhook_id=webhook_id,
            event_id=event_id,
            event_type=event_type,
            attempt=attempt,
            trigger=trigger,
            created_at=created_at,
            duration_ms=duration_ms,
            request_status=request_status,
            response_status=response_status,
            error_message=error_message,
            response_body=response_body,
            url=url,
            next_attempt_at=next_attempt_at,
        )

        execution.additional_properties = d
        return execution

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
