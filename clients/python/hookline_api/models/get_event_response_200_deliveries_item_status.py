from enum import StrEnum


class GetEventResponse200DeliveriesItemStatus(StrEnum):
    DROPPED = "dropped"
    FAILED = "failed"
    PENDING = "pending"
    SUCCEEDED = "succeeded"

    def __str__(self) -> str:
        return str(self.value)
