from enum import StrEnum


class ExecutionTrigger(StrEnum):
    EVENT = "event"
    PING = "ping"
    RECOVER = "recover"
    RETRY = "retry"

    def __str__(self) -> str:
        return str(self.value)
