"""Check a request's parameters against the endpoint's table, as Binance does, before it executes.

``validate(method, path, params)`` raises ``ApiError`` with Binance's code and message: an unknown
parameter -1104, a missing mandatory one -1102, an empty one -1105, a malformed number -1100, a
value outside an enum the code Binance uses for that parameter (-1117 side, -1116 orderType, -1115
timeInForce, -1120 interval ...), -1106 for a parameter the order type does not take, -1131 for a
recvWindow above 60000. The tables are console.paper.spec_spot and console.paper.spec_futures.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from console.paper import spec_futures, spec_spot
from console.paper.protocol import ApiError, mandatory

MAX_RECV_WINDOW = 60_000
Check = Callable[[str, str], None]

_INT = re.compile(r"^[0-9]{1,20}$")
_DECIMAL = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
_CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
_NEW_CLIENT_IDS = frozenset({"newClientOrderId", "listClientOrderId", "aboveClientOrderId", "belowClientOrderId",
                             "limitClientOrderId", "stopClientOrderId", "clientAlgoId"})
_CASE_FREE = frozenset({"marginType"})
_ENUM_ERRORS = {
    "side": (-1117, "Invalid side."), "interval": (-1120, "Invalid interval."),
    "timeInForce": (-1115, "Invalid timeInForce."), "aboveTimeInForce": (-1115, "Invalid timeInForce."),
    "belowTimeInForce": (-1115, "Invalid timeInForce."), "stopLimitTimeInForce": (-1115, "Invalid timeInForce."),
    "aboveType": (-1158, "Order type not supported in OCO."), "belowType": (-1158, "Order type not supported in OCO."),
    "symbolStatus": (-1122, "Invalid symbolStatus."),
    "cancelRestrictions": (-1145, "cancelRestrictions has to be either ONLY_NEW or ONLY_PARTIALLY_FILLED."),
    "marginType": (-4044, "The margin type is not valid."),
}
_FUTURES_ENUM_ERRORS = {"newOrderRespType": (-1136, "Invalid newOrderRespType."),
                        "workingType": (-4031, "Invalid parameter working type")}


def bad(code: int, msg: str) -> ApiError:
    return ApiError(400, code, msg)


def illegal(name: str, legal: str) -> ApiError:
    return bad(-1100, f"Illegal characters found in parameter '{name}'; legal range is '{legal}'.")


def not_required(name: str, futures: bool) -> ApiError:
    return bad(-1106, f"Parameter '{name.lower() if futures else name}' sent when not required.")


def _pattern(regex: re.Pattern[str]) -> Check:
    def check(name: str, value: str) -> None:
        if regex.match(value) is None:
            raise illegal(name, regex.pattern)
    return check


def _bool(name: str, value: str) -> None:
    if value.lower() not in ("true", "false"):
        raise illegal(name, "^(true|false)$")


def _client_id(futures: bool) -> Check:
    def check(name: str, value: str) -> None:
        if _CLIENT_ID.match(value) is None:
            raise bad(-4015, "Client order id is not valid.") if futures else illegal(name, _CLIENT_ID.pattern)
    return check


def _enum(name: str, values: tuple[str, ...], futures: bool) -> Check:
    lowered = all(v.lower() == v for v in values) or name in _CASE_FREE
    allowed = frozenset(v.lower() for v in values) if lowered else frozenset(values)
    if name == "type":
        code, msg = (-1116, "Invalid orderType.") if "MARKET" in values else (-1139, "Invalid ticker type.")
    else:
        code, msg = (futures and _FUTURES_ENUM_ERRORS.get(name)) or _ENUM_ERRORS.get(name) or (
            -1130, f"Data sent for parameter '{name}' is not valid.")

    def check(_: str, value: str) -> None:
        if (value.lower() if lowered else value) not in allowed:
            raise bad(code, msg)
    return check


def _checker(name: str, kind: object, futures: bool) -> Check | None:
    if isinstance(kind, tuple):
        return _enum(name, kind, futures)
    if kind == spec_spot.INT:
        return _pattern(_INT)
    if kind == spec_spot.DECIMAL:
        return _pattern(_DECIMAL)
    if kind == spec_spot.BOOL:
        return _bool
    return _client_id(futures) if name in _NEW_CLIENT_IDS else None


@dataclass(frozen=True)
class Endpoint:
    """One endpoint's compiled table."""

    checks: dict[str, Check | None]
    mandatory: tuple[str, ...]
    by_value: tuple[tuple[str, dict[str, dict[str, tuple]]], ...]
    futures: bool


def _compile(rows: dict[str, tuple[object, bool]], by_value: dict[str, dict[str, dict[str, tuple]]],
             futures: bool) -> Endpoint:
    return Endpoint(checks={name: _checker(name, kind, futures) for name, (kind, _) in rows.items()},
                    mandatory=tuple(name for name, (_, required) in rows.items() if required),
                    by_value=tuple(by_value.items()), futures=futures)


def _all() -> dict[tuple[str, str], Endpoint]:
    table = {key: _compile(rows, spec_spot.BY_VALUE.get(key, {}), False) for key, rows in spec_spot.ENDPOINTS.items()}
    for key, rows in spec_futures.ENDPOINTS.items():
        table[key] = _compile({**rows, **spec_futures.RETIRED.get(key, {})}, spec_futures.BY_VALUE.get(key, {}), True)
    return table


ENDPOINTS = _all()


def validate(method: str, path: str, params: dict[str, str]) -> None:
    """Raise ApiError as Binance would for these parameters on method path; return when they pass."""
    endpoint = ENDPOINTS.get((method, path))
    if endpoint is None:
        raise ApiError(404, -1000, f"Unknown endpoint {method} {path}.")
    checks = endpoint.checks
    unread = 0
    for name in params:
        if name not in checks:
            unread += 1
    if unread:
        raise bad(-1104, f"Not all sent parameters were read; read '{len(params) - unread}' parameter(s) "
                         f"but was sent '{len(params)}'.")
    for name in endpoint.mandatory:
        if not params.get(name):
            raise mandatory(name)
    for name, value in params.items():
        if value == "":
            raise bad(-1105, f"Parameter '{name}' was empty.")
        check = checks[name]
        if check is not None:
            check(name, value)
    window = params.get("recvWindow")
    if window is not None and float(window) > MAX_RECV_WINDOW:
        raise bad(-1131, "recvWindow must be less than 60000")
    for field, rules in endpoint.by_value:
        value = params.get(field)
        if value is None:
            continue
        rule = rules.get(value) or rules.get(value.lower()) or rules.get("*")
        if rule is not None:
            _apply(rule, params, endpoint.futures)


def _apply(rule: dict[str, tuple], params: dict[str, str], futures: bool) -> None:
    for name in rule.get("need", ()):
        if name not in params:
            raise mandatory(name)
    for group in rule.get("any", ()):
        if not any(name in params for name in group):
            raise bad(-1102, f"Param '{group[0]}' or '{group[1]}' must be sent, but both were empty/null!")
    for group in rule.get("only", ()):
        if all(name in params for name in group):
            raise not_required(group[-1], futures)
    for name in rule.get("not", ()):
        if name in params:
            raise not_required(name, futures)
