from enum import StrEnum


class Scope(StrEnum):
    EVENTSPUBLISH = "events:publish"
    WEBHOOKSADD = "webhooks:add"
    WEBHOOKSEDIT = "webhooks:edit"
    WEBHOOKSREMOVE = "webhooks:remove"
    WEBHOOKSVIEW = "webhooks:view"

    def __str__(self) -> str:
        return str(self.value)
