"""The console's typed errors. Every message says what to do about it.

::

    ConsoleError                    base; .temporary tells whether waiting fixes it
    ├── TemporaryError              resolves by itself: retry later
    │   ├── ExchangeTimeout         no answer in time; an order's fate is looked up, never guessed
    │   ├── ExchangeUnavailable     5xx, maintenance, connection reset
    │   ├── RateLimited             429 from the venue; .retry_after seconds
    │   ├── ClockSkew               -1021: request timestamp outside recvWindow
    │   └── CorruptDownload         a downloaded file does not match its published checksum
    └── NeedsPerson                 a person must act before this works
        ├── InvalidInput            bad input; nothing was sent or written
        │   ├── ConfigError         malformed settings, bot configuration or environment variable
        │   ├── InvalidOrder        quantity / price / notional / leverage against the exchange's rules
        │   └── UnknownSymbol       the venue does not list the symbol
        ├── AuthenticationFailed    wrong API key or secret, or a key without the needed permission
        ├── Banned                  418: the venue banned this IP; .until (UTC)
        ├── InsufficientBalance     free balance or margin does not cover the order; .shortfall
        ├── OrderRejected           the exchange refused an order the console thought valid
        │   └── TooManyOrders       the symbol holds the most open orders the venue allows
        ├── OrderNotFound           the exchange has no such order
        ├── Liquidated              the exchange liquidated the bot's futures position; it is halted
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


class CorruptDownload(TemporaryError):
    """A history file whose sha256 differs from its CHECKSUM file; it was refused, nothing stored."""


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


class TooManyOrders(OrderRejected):
    """The venue's MAX_NUM_ORDERS / MAX_NUM_ALGO_ORDERS filter: the symbol holds its most open orders.

    ``limit`` names the filter; the fix is to cancel resting orders on that symbol.
    """

    def __init__(self, message: str, limit: str = "MAX_NUM_ORDERS") -> None:
        super().__init__(message)
        self.limit = limit

    def on(self, symbol: str) -> TooManyOrders:
        """The same refusal, naming ``symbol``."""
        kind = "stop-loss / take-profit orders" if "ALGO" in self.limit else "open orders"
        return TooManyOrders(f"{symbol} already holds the most {kind} Binance allows on one symbol "
                             f"({self.limit}); cancel resting orders on {symbol}, then place this one again",
                             limit=self.limit)


class OrderNotFound(NeedsPerson):
    pass


class Liquidated(NeedsPerson):
    """The exchange liquidated the bot's futures position: the bot is halted until a person starts it."""


class VenueUnreachable(NeedsPerson):
    pass


class StorageError(NeedsPerson):
    pass
