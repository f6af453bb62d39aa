from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define

from ..models.scope import Scope
from ..types import UNSET, Unset

T = TypeVar("T", bound="PortalSessionCreate")


@_attrs_define
class PortalSessionCreate:
    """
    Attributes:
        tenant (str | Unset): The tenant the session is for, `[a-z0-9_-]{1,64}`; may instead be named in `Hookline-
            Tenant` (the same one when both).
        scopes (list[Scope] | Unset):
        ttl (str | Unset): How long the session lasts, "5m" to "24h" (s, m, h units); "1h" when left out.
    """

    tenant: str | Unset = UNSET
    scopes: list[Scope] | Unset = UNSET
    ttl: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        tenant = self.tenant

        scopes: list[str] | Unset = UNSET
        if not isinstance(self.scopes, Unset):
            scopes = []
            for scopes_item_data in self.scopes:
                scopes_item = scopes_item_data.value
                scopes.append(scopes_item)

        ttl = self.ttl

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if tenant is not UNSET:
            field_dict["tenant"] = tenant
        if scopes is not UNSET:
            field_dict["scopes"] = scopes
        if ttl is not UNSET:
            field_dict["ttl"] = ttl

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        tenant = d.pop("tenant", UNSET)

        _scopes = d.pop("scopes", UNSET)
        scopes: list[Scope] | Unset = UNSET
        if _scopes is not UNSET:
            scopes = []
            for scopes_item_data in _scopes:
                scopes_item = Scope(scopes_item_data)

                scopes.append(scopes_item)

        ttl = d.pop("ttl", UNSET)

        portal_session_create = cls(
            tenant=tenant,
            scopes=scopes,
            ttl=ttl,
        )

        return portal_session_create
