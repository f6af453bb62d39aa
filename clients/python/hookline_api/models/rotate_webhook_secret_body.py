from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RotateWebhookSecretBody")


@_attrs_define
class RotateWebhookSecretBody:
    """
    Attributes:
        grace (str | Unset): How long the old secret still signs, `"0s"` to `"7d"`.
        secret (str | Unset): The new secret (`whsec_` and base64 of 24 to 64 bytes).
    """

    grace: str | Unset = UNSET
    secret: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        grace = self.grace

        secret = self.secret

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if grace is not UNSET:
            field_dict["grace"] = grace
        if secret is not UNSET:
            field_dict["secret"] = secret

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        grace = d.pop("grace", UNSET)

        secret = d.pop("secret", UNSET)

        rotate_webhook_secret_body = cls(
            grace=grace,
            secret=secret,
        )

        return rotate_webhook_secret_body
