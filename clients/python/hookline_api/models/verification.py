from enum import StrEnum


class Verification(StrEnum):
    HANDSHAKE = "handshake"
    PING = "ping"

    def __str__(self) -> str:
        return str(self.value)
