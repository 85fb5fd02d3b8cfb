"""Parameter tables of the spot endpoints (/api/v3) the paper exchange serves.

Traced to Binance's OpenAPI spec of the spot REST API (binance-api-swagger, v1.22.0) and, for what
changed since, to Binance's spot changelog as carried by Binance's spot SDK (binance-sdk-spot, which
is generated from Binance's current spec). ``SINCE_SPEC`` names each parameter the 1.22.0 file lacks
or types differently, with the change that brought it. tests/paper/test_spec_tables.py holds every
row against both sources.

A row is ``name: (kind, mandatory)``; kind is INT (INT/LONG), DECIMAL, STRING, BOOL or a tuple of
enum values. ``BY_VALUE`` holds the rules that depend on another parameter's value (a spot order's
``type``): ``need`` mandatory, ``any`` at least one of a group, ``only`` at most one of a group,
``not`` sent when not required.
"""
from __future__ import annotations

INT, DECIMAL, STRING, BOOL = "int", "decimal", "string", "bool"
MANDATORY, OPTIONAL = True, False

SIDES = ("BUY", "SELL")
ORDER_TYPES = ("LIMIT", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT", "LIMIT_MAKER")
TIME_IN_FORCE = ("GTC", "IOC", "FOK")
RESPONSE_TYPES = ("ACK", "RESULT", "FULL")
STP_MODES = ("NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT", "TRANSFER")
PEG_PRICE_TYPES = ("PRIMARY_PEG", "MARKET_PEG")
PEG_OFFSET_TYPES = ("PRICE_LEVEL",)
SYMBOL_STATUS = ("TRADING", "HALT", "BREAK")
INTERVALS = ("1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M")
OCO_ABOVE_TYPES = ("STOP_LOSS_LIMIT", "STOP_LOSS", "LIMIT_MAKER", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
OCO_BELOW_TYPES = ("STOP_LOSS_LIMIT", "STOP_LOSS", "LIMIT_MAKER", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
WINDOW_SIZES = tuple(f"{n}m" for n in range(1, 60)) + tuple(f"{n}h" for n in range(1, 24)) + tuple(
    f"{n}d" for n in range(1, 8))

SIGNED = {"recvWindow": (DECIMAL, OPTIONAL), "timestamp": (INT, MANDATORY), "signature": (STRING, MANDATORY)}

_SYMBOLS = {"symbol": (STRING, OPTIONAL), "symbols": (STRING, OPTIONAL), "symbolStatus": (SYMBOL_STATUS, OPTIONAL)}

_NEW_ORDER = {
    "symbol": (STRING, MANDATORY), "side": (SIDES, MANDATORY), "type": (ORDER_TYPES, MANDATORY),
    "timeInForce": (TIME_IN_FORCE, OPTIONAL), "quantity": (DECIMAL, OPTIONAL), "quoteOrderQty": (DECIMAL, OPTIONAL),
    "price": (DECIMAL, OPTIONAL), "newClientOrderId": (STRING, OPTIONAL), "strategyId": (INT, OPTIONAL),
    "strategyType": (INT, OPTIONAL), "stopPrice": (DECIMAL, OPTIONAL), "trailingDelta": (INT, OPTIONAL),
    "icebergQty": (DECIMAL, OPTIONAL), "newOrderRespType": (RESPONSE_TYPES, OPTIONAL),
    "selfTradePreventionMode": (STP_MODES, OPTIONAL), "pegPriceType": (PEG_PRICE_TYPES, OPTIONAL),
    "pegOffsetValue": (INT, OPTIONAL), "pegOffsetType": (PEG_OFFSET_TYPES, OPTIONAL),
}


def _oco_leg(leg: str, types: tuple[str, ...]) -> dict[str, tuple[object, bool]]:
    return {f"{leg}Type": (types, MANDATORY), f"{leg}ClientOrderId": (STRING, OPTIONAL),
            f"{leg}IcebergQty": (DECIMAL, OPTIONAL), f"{leg}Price": (DECIMAL, OPTIONAL),
            f"{leg}StopPrice": (DECIMAL, OPTIONAL), f"{leg}TrailingDelta": (INT, OPTIONAL),
            f"{leg}TimeInForce": (TIME_IN_FORCE, OPTIONAL), f"{leg}StrategyId": (INT, OPTIONAL),
            f"{leg}StrategyType": (INT, OPTIONAL), f"{leg}PegPriceType": (PEG_PRICE_TYPES, OPTIONAL),
            f"{leg}PegOffsetType": (PEG_OFFSET_TYPES, OPTIONAL), f"{leg}PegOffsetValue": (INT, OPTIONAL)}


ENDPOINTS: dict[tuple[str, str], dict[str, tuple[object, bool]]] = {
    ("GET", "/api/v3/ping"): {},
    ("GET", "/api/v3/time"): {},
    ("GET", "/api/v3/exchangeInfo"): {"symbol": (STRING, OPTIONAL), "symbols": (STRING, OPTIONAL),
                                      "permissions": (STRING, OPTIONAL), "showPermissionSets": (BOOL, OPTIONAL),
                                      "symbolStatus": (SYMBOL_STATUS, OPTIONAL)},
    ("GET", "/api/v3/depth"): {"symbol": (STRING, MANDATORY), "limit": (INT, OPTIONAL),
                               "symbolStatus": (SYMBOL_STATUS, OPTIONAL)},
    ("GET", "/api/v3/klines"): {"symbol": (STRING, MANDATORY), "interval": (INTERVALS, MANDATORY),
                                "startTime": (INT, OPTIONAL), "endTime": (INT, OPTIONAL),
                                "timeZone": (STRING, OPTIONAL), "limit": (INT, OPTIONAL)},
    ("GET", "/api/v3/avgPrice"): {"symbol": (STRING, MANDATORY)},
    ("GET", "/api/v3/ticker/24hr"): {**_SYMBOLS, "type": (("FULL", "MINI"), OPTIONAL)},
    ("GET", "/api/v3/ticker/price"): dict(_SYMBOLS),
    ("GET", "/api/v3/ticker/bookTicker"): dict(_SYMBOLS),
    ("GET", "/api/v3/ticker"): {**_SYMBOLS, "windowSize": (WINDOW_SIZES, OPTIONAL), "type": (("FULL", "MINI"), OPTIONAL)},

    ("GET", "/api/v3/account"): {"omitZeroBalances": (BOOL, OPTIONAL), **SIGNED},
    ("POST", "/api/v3/order"): {**_NEW_ORDER, **SIGNED},
    ("POST", "/api/v3/order/test"): {**{k: v for k, v in _NEW_ORDER.items()},
                                     "computeCommissionRates": (BOOL, OPTIONAL), **SIGNED},
    ("GET", "/api/v3/order"): {"symbol": (STRING, MANDATORY), "orderId": (INT, OPTIONAL),
                               "origClientOrderId": (STRING, OPTIONAL), **SIGNED},
    ("DELETE", "/api/v3/order"): {"symbol": (STRING, MANDATORY), "orderId": (INT, OPTIONAL),
                                  "origClientOrderId": (STRING, OPTIONAL), "newClientOrderId": (STRING, OPTIONAL),
                                  "cancelRestrictions": (("ONLY_NEW", "ONLY_PARTIALLY_FILLED"), OPTIONAL), **SIGNED},
    ("GET", "/api/v3/openOrders"): {"symbol": (STRING, OPTIONAL), **SIGNED},
    ("DELETE", "/api/v3/openOrders"): {"symbol": (STRING, MANDATORY), **SIGNED},
    ("GET", "/api/v3/allOrders"): {"symbol": (STRING, MANDATORY), "orderId": (INT, OPTIONAL),
                                   "startTime": (INT, OPTIONAL), "endTime": (INT, OPTIONAL), "limit": (INT, OPTIONAL),
                                   **SIGNED},
    ("POST", "/api/v3/orderList/oco"): {
        "symbol": (STRING, MANDATORY), "listClientOrderId": (STRING, OPTIONAL), "side": (SIDES, MANDATORY),
        "quantity": (DECIMAL, MANDATORY), **_oco_leg("above", OCO_ABOVE_TYPES), **_oco_leg("below", OCO_BELOW_TYPES),
        "newOrderRespType": (RESPONSE_TYPES, OPTIONAL), "selfTradePreventionMode": (STP_MODES, OPTIONAL), **SIGNED},
    # Deprecated on 2024-04-02 in favour of /api/v3/orderList/oco, still served: Binance's spot SDK
    # (binance-sdk-spot 13.x) still carries it as "New OCO - Deprecated (TRADE)" and no changelog
    # entry up to 2026 retires it. Its rows come from that SDK (the 1.22.0 spec file dropped it).
    ("POST", "/api/v3/order/oco"): {
        "symbol": (STRING, MANDATORY), "listClientOrderId": (STRING, OPTIONAL), "side": (SIDES, MANDATORY),
        "quantity": (DECIMAL, MANDATORY), "limitClientOrderId": (STRING, OPTIONAL), "limitStrategyId": (INT, OPTIONAL),
        "limitStrategyType": (INT, OPTIONAL), "price": (DECIMAL, MANDATORY), "limitIcebergQty": (DECIMAL, OPTIONAL),
        "trailingDelta": (INT, OPTIONAL), "stopClientOrderId": (STRING, OPTIONAL), "stopPrice": (DECIMAL, MANDATORY),
        "stopStrategyId": (INT, OPTIONAL), "stopStrategyType": (INT, OPTIONAL), "stopLimitPrice": (DECIMAL, OPTIONAL),
        "stopIcebergQty": (DECIMAL, OPTIONAL), "stopLimitTimeInForce": (TIME_IN_FORCE, OPTIONAL),
        "newOrderRespType": (RESPONSE_TYPES, OPTIONAL), "selfTradePreventionMode": (STP_MODES, OPTIONAL), **SIGNED},
    ("DELETE", "/api/v3/orderList"): {"symbol": (STRING, MANDATORY), "orderListId": (INT, OPTIONAL),
                                      "listClientOrderId": (STRING, OPTIONAL), "newClientOrderId": (STRING, OPTIONAL),
                                      **SIGNED},
    ("GET", "/api/v3/orderList"): {"orderListId": (INT, OPTIONAL), "origClientOrderId": (STRING, OPTIONAL), **SIGNED},
    ("GET", "/api/v3/myTrades"): {"symbol": (STRING, MANDATORY), "orderId": (INT, OPTIONAL),
                                  "startTime": (INT, OPTIONAL), "endTime": (INT, OPTIONAL), "fromId": (INT, OPTIONAL),
                                  "limit": (INT, OPTIONAL), **SIGNED},
}

_LIMIT = {"need": ("timeInForce", "quantity", "price")}
_STOP = {"need": ("quantity",), "any": (("stopPrice", "trailingDelta"),), "not": ("timeInForce", "price")}
_STOP_LIMIT = {"need": ("timeInForce", "quantity", "price"), "any": (("stopPrice", "trailingDelta"),)}
# Binance's "Additional mandatory parameters based on type" table of POST /api/v3/order; Binance
# answers -1106 for timeInForce or price on MARKET and for stopPrice on LIMIT.
_BY_ORDER_TYPE = {
    "LIMIT": {**_LIMIT, "not": ("stopPrice",)},
    "MARKET": {"any": (("quantity", "quoteOrderQty"),), "only": (("quantity", "quoteOrderQty"),),
               "not": ("timeInForce", "price", "stopPrice")},
    "STOP_LOSS": _STOP, "TAKE_PROFIT": _STOP,
    "STOP_LOSS_LIMIT": _STOP_LIMIT, "TAKE_PROFIT_LIMIT": _STOP_LIMIT,
    "LIMIT_MAKER": {"need": ("quantity", "price"), "not": ("timeInForce", "stopPrice")},
}


def _oco_leg_rules(leg: str) -> dict[str, dict[str, tuple]]:
    stop = (f"{leg}StopPrice", f"{leg}TrailingDelta")
    with_limit = {"need": (f"{leg}Price", f"{leg}TimeInForce"), "any": (stop,)}
    return {"STOP_LOSS_LIMIT": with_limit, "TAKE_PROFIT_LIMIT": with_limit,
            "STOP_LOSS": {"any": (stop,)}, "TAKE_PROFIT": {"any": (stop,)},
            "LIMIT_MAKER": {"need": (f"{leg}Price",)}}


BY_VALUE: dict[tuple[str, str], dict[str, dict[str, dict[str, tuple]]]] = {
    ("POST", "/api/v3/order"): {"type": _BY_ORDER_TYPE},
    ("POST", "/api/v3/order/test"): {"type": _BY_ORDER_TYPE},
    ("POST", "/api/v3/orderList/oco"): {"aboveType": _oco_leg_rules("above"), "belowType": _oco_leg_rules("below")},
    # "stopLimitPrice: if provided, stopLimitTimeInForce is required" (legacy OCO); "*" is any value.
    ("POST", "/api/v3/order/oco"): {"stopLimitPrice": {"*": {"need": ("stopLimitTimeInForce",)}}},
}

# What the 1.22.0 spec file lacks or types differently, and the change that brought it.
SINCE_SPEC: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/api/v3/exchangeInfo"): {
        "showPermissionSets": "2024-10-17: new optional parameter showPermissionSets",
        "symbolStatus": "2024-10-17: new optional parameter symbolStatus"},
    ("GET", "/api/v3/depth"): {"symbolStatus": "2025-11: symbolStatus added to depth and the tickers"},
    ("GET", "/api/v3/ticker/24hr"): {"symbolStatus": "2025-11: symbolStatus added to depth and the tickers"},
    ("GET", "/api/v3/ticker/price"): {"symbolStatus": "2025-11: symbolStatus added to depth and the tickers"},
    ("GET", "/api/v3/ticker/bookTicker"): {"symbolStatus": "2025-11: symbolStatus added to depth and the tickers"},
    ("GET", "/api/v3/ticker"): {"symbolStatus": "2025-11: symbolStatus added to depth and the tickers",
                                "windowSize": "an enum of 1m..59m, 1h..23h, 1d..7d in the current spec",
                                "type": "an enum FULL/MINI in the current spec"},
    ("GET", "/api/v3/account"): {"omitZeroBalances": "2023-12: optional omitZeroBalances on GET /api/v3/account"},
    ("POST", "/api/v3/order"): {
        "pegPriceType": "2025: pegged orders", "pegOffsetValue": "2025: pegged orders",
        "pegOffsetType": "2025: pegged orders", "trailingDelta": "an INT (basis points) in the current spec",
        "selfTradePreventionMode": "2025: STP modes DECREMENT and TRANSFER"},
    ("POST", "/api/v3/orderList/oco"): {
        **{f"{leg}{name}": "2025: pegged orders" for leg in ("above", "below")
           for name in ("PegPriceType", "PegOffsetType", "PegOffsetValue")},
        **{f"{leg}{name}": "an INT in the current spec" for leg in ("above", "below")
           for name in ("TrailingDelta", "StrategyId")},
        "aboveType": "2024-12-09: TAKE_PROFIT and TAKE_PROFIT_LIMIT legs",
        "belowType": "2024-12-09: TAKE_PROFIT and TAKE_PROFIT_LIMIT legs",
        "selfTradePreventionMode": "2025: STP modes DECREMENT and TRANSFER"},
    "signed": {"recvWindow": "2025: recvWindow takes up to three decimals (microseconds)"},
}
SINCE_SPEC[("POST", "/api/v3/order/test")] = {
    **SINCE_SPEC[("POST", "/api/v3/order")],
    "selfTradePreventionMode": "accepted as on POST /api/v3/order (the 1.22.0 file omits it here)"}
