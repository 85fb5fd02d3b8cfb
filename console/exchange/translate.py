"""Translate ccxt exceptions into the console's error tree, once, at the package boundary.

Callers write ``raise translate(e, ...) from e`` so the ccxt error stays attached as the cause.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

import ccxt

from console.errors import (
    AuthenticationFailed,
    Banned,
    ClockSkew,
    ConsoleError,
    ExchangeTimeout,
    ExchangeUnavailable,
    InsufficientBalance,
    InvalidOrder,
    OrderNotFound,
    OrderRejected,
    RateLimited,
    TooManyOrders,
    UnknownSymbol,
    VenueUnreachable,
)

DEFAULT_BAN_SECONDS = 120.0
_STATUS = re.compile(r"^\w+ (?:(?:GET|POST|PUT|DELETE) \S+ )?(\d{3}) ")
# the refusals of an order because its symbol holds the most (algo) orders allowed: spot filters
# answer -1013 "Filter failure: MAX_NUM_ORDERS"; USD-M -2025 (open orders) and -4045 (stop orders)
_ORDER_LIMITS = (("MAX_NUM_ALGO_ORDERS", "MAX_NUM_ALGO_ORDERS"), ("MAX_NUM_ORDERS", "MAX_NUM_ORDERS"),
                 ('"code":-2025', "MAX_NUM_ORDERS"), ('"code":-4045', "MAX_NUM_ALGO_ORDERS"))
_UNREACHABLE = ("Connection refused", "NewConnectionError", "Name or service not known", "No route to host")


def http_status(error: BaseException) -> int | None:
    """The HTTP status ccxt put at the start of its message, if any."""
    match = _STATUS.match(str(error))
    return int(match.group(1)) if match else None


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from a Retry-After header, if present and numeric."""
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None


def _unreachable(error: BaseException) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if any(marker in str(cause) for marker in _UNREACHABLE) or isinstance(cause, ConnectionRefusedError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _body(error: BaseException) -> str:
    text = str(error)
    start = text.find("{")
    return text[start:] if start >= 0 else text


def translate(error: ccxt.BaseError, *, action: str, venue: str, headers: Mapping[str, str] | None = None,
              now: datetime | None = None) -> ConsoleError:
    """Return the console error for a ccxt error raised while doing ``action`` on ``venue``.

    ``headers`` are the failed response's headers (for Retry-After); ``now`` dates a ban.
    """
    where = f"{action} on {venue}"
    wait = retry_after(headers)
    if isinstance(error, ccxt.RequestTimeout):
        return ExchangeTimeout(f"{where} got no answer in time; it is retried or looked up, try again shortly")
    if isinstance(error, ccxt.DDoSProtection) and http_status(error) == 418:
        seconds = wait if wait is not None else DEFAULT_BAN_SECONDS
        until = (now or datetime.now(timezone.utc)) + timedelta(seconds=seconds)
        return Banned(
            f"{venue} banned this IP for sending too many requests (HTTP 418); no request is sent until "
            f"{until:%H:%M:%S} UTC; lower the number of bots or their frequency", until=until)
    if isinstance(error, (ccxt.RateLimitExceeded, ccxt.DDoSProtection)):
        return RateLimited(f"{where} was rate limited by the exchange (HTTP 429); wait "
                           f"{wait if wait is not None else 'a few'} seconds", retry_after=wait)
    if isinstance(error, ccxt.InvalidNonce):
        return ClockSkew(f"{where} was refused: this computer's clock is off from the exchange's (-1021); "
                         "the console resyncs it, or sync the system clock")
    if isinstance(error, ccxt.ExchangeNotAvailable):
        return ExchangeUnavailable(f"{where} failed: the exchange is unavailable or in maintenance (HTTP "
                                   f"{http_status(error) or '5xx'}); try again later")
    if isinstance(error, ccxt.NetworkError):
        if _unreachable(error):
            return VenueUnreachable(f"nothing answers at the address of {venue}; check the connection "
                                    "or, for the paper venue, restart the console")
        return ExchangeUnavailable(f"{where} failed: the connection dropped; try again shortly")
    if isinstance(error, ccxt.AuthenticationError):
        return AuthenticationFailed(f"{where} was refused: the API key or secret is wrong, or the key lacks "
                                    f"the permission (spot or futures trading, this IP); check the key ({_body(error)})")
    if isinstance(error, ccxt.InsufficientFunds):
        return InsufficientBalance(f"{where} was refused for insufficient balance; deposit or trade less ({_body(error)})")
    if isinstance(error, ccxt.OrderNotFound):
        return OrderNotFound(f"{where}: the exchange has no such order; refresh the open orders")
    if isinstance(error, ccxt.BadSymbol):
        return UnknownSymbol(f"{where}: the exchange does not list this symbol; pick one from the symbol list")
    limit = next((name for marker, name in _ORDER_LIMITS if marker in _body(error).replace(" ", "")), None)
    if limit is not None and isinstance(error, ccxt.ExchangeError):
        return TooManyOrders(f"{where} was refused: that symbol holds the most orders Binance allows ({limit}); "
                             "cancel resting orders on that symbol, then try again", limit=limit)
    if isinstance(error, (ccxt.InvalidOrder, ccxt.BadRequest, ccxt.OperationRejected)):
        return OrderRejected(f"{where} was refused by the exchange: {_body(error)}; adjust the order and try again")
    if isinstance(error, ccxt.ExchangeError):
        return OrderRejected(f"{where} was refused by the exchange: {_body(error)}")
    return ExchangeUnavailable(f"{where} failed: {error}; try again later")


def client_error(error: ccxt.BaseError, symbol: str) -> InvalidOrder | UnknownSymbol:
    """Translate a ccxt error raised locally (before sending) about ``symbol``."""
    if isinstance(error, ccxt.BadSymbol):
        return UnknownSymbol(f"{symbol} is not listed on this market; pick a listed symbol such as BTC/USDT")
    return InvalidOrder(f"{symbol}: {error}")
