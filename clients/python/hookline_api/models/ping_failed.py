from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.execution import Execution
    from ..models.field_error import FieldError


T = TypeVar("T", bound="PingFailed")


@_attrs_define
class PingFailed:
    """`ping_failed`: the endpoint did not answer the ping with a 2xx in time; `execution` is the attempt, as recorded.

    Attributes:
        type_ (str): What went wrong, as a code. An open set: new codes may come in later versions, so a client must
            accept a code it does not know (and go by `status`). The codes today: `unauthenticated`, `forbidden`,
            `tenant_required`, `tenant_conflict`, `not_found`, `webhook_not_found`, `key_not_found`, `event_type_not_found`,
            `event_type_conflict`, `execution_not_found`, `event_not_found`, `method_not_allowed`, `validation_error`,
            `url_not_allowed`, `endpoint_verification_failed`, `ping_failed`, `webhook_conflict`, `credentials_unreadable`,
            `idempotency_key_in_use`, `recover_in_progress`, `rate_limited`, `payload_too_large`, `request_timeout`,
            `internal_error`.
        title (str):
        status (int):
        detail (str):
        execution (Execution):
        errors (list[FieldError] | Unset): At most 100 field errors, in the order found; each `message` is cut to 1,000
            characters (then it ends in `…`).
        errors_truncated (int | Unset): Present only when more than 100 field errors were found: how many more there
            were, not listed (a publish can fail its schema once per array element).
    """

    type_: str
    title: str
    status: int
    detail: str
    execution: Execution
    errors: list[FieldError] | Unset = UNSET
    errors_truncated: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        title = self.title

        status = self.status

        detail = self.detail

        execution = self.execution.to_dict()

        errors: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.errors, Unset):
            errors = []
            for errors_item_data in self.errors:
                errors_item = errors_item_data.to_dict()
                errors.append(errors_item)

        errors_truncated = self.errors_truncated

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "title": title,
                "status": status,
                "detail": detail,
                "execution": execution,
            }
        )
        if errors is not UNSET:
            field_dict["errors"] = errors
        if errors_truncated is not UNSET:
            field_dict["errors_truncated"] = errors_truncated

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.execution import Execution
        from ..models.field_error import FieldError

        d = dict(src_dict)
        type_ = d.pop("type")

        title = d.pop("title")

        status = d.pop("status")

        detail = d.pop("detail")

        execution = Execution.from_dict(d.pop("execution"))

        _errors = d.pop("errors", UNSET)
        errors: list[FieldError] | Unset = UNSET
        if _errors is not UNSET:
            errors = []
            for errors_item_data in _errors:
                errors_item = FieldError.from_dict(errors_item_data)

                errors.append(errors_item)

        errors_truncated = d.pop("errors_truncated", UNSET)

        ping_failed = cls(
            type_=type_,
            title=title,
            status=status,
            detail=detail,
            execution=execution,
            errors=errors,
            errors_truncated=errors_truncated,
        )

        ping_failed.additional_properties = d
        return ping_failed

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
