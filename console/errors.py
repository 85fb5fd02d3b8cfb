"""The console's typed errors. Every message says what to do about it.

::

    ConsoleError                    base; .temporary tells whether waiting fixes it
    ├── TemporaryError              resolves by itself: retry later
    │   ├── ExchangeTimeout         no answer in time; an order's fate is looked up, never guessed
    │   ├── ExchangeUnavailable     5xx, maintenance, connection reset
    │   ├── RateLimited             429 from the venue; .retry_after seconds
    │   └── ClockSkew               -1021: request timestamp outside recvWindow
    └── NeedsPerson                 a person must act before this works
        ├── InvalidInput            bad input; nothing was sent or written
        │   ├── ConfigError         malformed settings, bot configuration or environment variable
        │   ├── InvalidOrder        quantity / price / notional / leverage against the exchange's rules
        │   └── UnknownSymbol       the venue does not list the symbol
        ├── AuthenticationFailed    wrong API key or secret, or a key without the needed permission
        ├── Banned                  418: the venue banned this IP; .until (UTC)
        ├── InsufficientBalance     free balance or margin does not cover the order; .shortfall
        ├── OrderRejected           the exchange refused an order the console thought valid
        ├── OrderNotFound           the exchange has no such order
        ├── VenueUnreachable        nothing answers at the venue's address
        └── StorageError            the data file is corrupt, locked or not writable
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal


class ConsoleError(Exception):
    """Base of every error the console raises on purpose."""

    temporary = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class TemporaryError(ConsoleError):
    """Waiting fixes it: the caller may retry later."""

    temporary = True


class ExchangeTimeout(TemporaryError):
    pass


class ExchangeUnavailable(TemporaryError):
    pass


class RateLimited(TemporaryError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ClockSkew(TemporaryError):
    pass


class NeedsPerson(ConsoleError):
    """A person must change something before this can work."""


class InvalidInput(NeedsPerson):
    pass


class ConfigError(InvalidInput):
    pass


class InvalidOrder(InvalidInput):
    pass


class UnknownSymbol(InvalidInput):
    pass


class AuthenticationFailed(NeedsPerson):
    pass


class Banned(NeedsPerson):
    def __init__(self, message: str, until: datetime | None = None) -> None:
        super().__init__(message)
        self.until = until


class InsufficientBalance(NeedsPerson):
    def __init__(self, message: str, shortfall: Decimal | None = None, asset: str = "") -> None:
        super().__init__(message)
        self.shortfall = shortfall
        self.asset = asset


class OrderRejected(NeedsPerson):
    pass


class OrderNotFound(NeedsPerson):
    pass


class VenueUnreachable(NeedsPerson):
    pass


class StorageError(NeedsPerson):
    pass
