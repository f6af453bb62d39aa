from enum import StrEnum


class GetPortalAssetAsset(StrEnum):
    INDEX_HTML = "index.html"
    PORTAL_CSS = "portal.css"
    PORTAL_JS = "portal.js"

    def __str__(self) -> str:
        return str(self.value)
