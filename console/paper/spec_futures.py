"""Parameter tables of the USD-M endpoints (/fapi) the paper exchange serves.

Traced to Binance's official SDK ``binance-sdk-derivatives-trading-usds-futures`` (generated from
Binance's USD-M spec; Binance publishes no OpenAPI file for USD-M): each row is one argument of the
SDK method for that path, its type and whether it is required; enum values are the SDK's enum
classes. tests/paper/test_spec_tables.py holds every row against the installed SDK.

Rows, kinds and ``BY_VALUE`` rules read as in console.paper.spec_spot.
"""
from __future__ import annotations

from console.paper.spec_spot import DECIMAL, INT, MANDATORY, OPTIONAL, STRING

SIDES = ("BUY", "SELL")
ORDER_TYPES = ("LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET")
TIME_IN_FORCE = ("GTC", "IOC", "FOK", "GTX", "GTD", "RPI")
TRUE_FALSE = ("true", "false")
RESPONSE_TYPES = ("ACK", "RESULT")
PRICE_MATCH = ("OPPONENT", "OPPONENT_5", "OPPONENT_10", "OPPONENT_20", "QUEUE", "QUEUE_5", "QUEUE_10", "QUEUE_20")
STP_MODES = ("EXPIRE_TAKER", "EXPIRE_BOTH", "EXPIRE_MAKER")
ALGO_STP_MODES = ("NONE", "EXPIRE_TAKER", "EXPIRE_BOTH", "EXPIRE_MAKER")
WORKING_TYPES = ("MARK_PRICE", "CONTRACT_PRICE")
INCOME_TYPES = ("TRANSFER", "WELCOME_BONUS", "REALIZED_PNL", "FUNDING_FEE", "COMMISSION", "INSURANCE_CLEAR",
                "REFERRAL_KICKBACK", "COMMISSION_REBATE", "API_REBATE", "CONTEST_REWARD", "CROSS_COLLATERAL_TRANSFER",
                "OPTIONS_PREMIUM_FEE", "OPTIONS_SETTLE_PROFIT", "INTERNAL_TRANSFER", "AUTO_EXCHANGE",
                "DELIVERED_SETTELMENT", "COIN_SWAP_DEPOSIT", "COIN_SWAP_WITHDRAW", "POSITION_LIMIT_INCREASE_FEE",
                "STRATEGY_UMFUTURES_TRANSFER", "FEE_RETURN", "BFUSD_REWARD", "SPECIAL_FUNDING_FEE")
INTERVALS = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M")

SIGNED = {"recvWindow": (INT, OPTIONAL), "timestamp": (INT, MANDATORY), "signature": (STRING, MANDATORY)}

_SYMBOL = {"symbol": (STRING, OPTIONAL)}
_KLINES = {"symbol": (STRING, MANDATORY), "interval": (INTERVALS, MANDATORY), "startTime": (INT, OPTIONAL),
           "endTime": (INT, OPTIONAL), "limit": (INT, OPTIONAL)}
_ORDER_REF = {"symbol": (STRING, MANDATORY), "orderId": (INT, OPTIONAL), "origClientOrderId": (STRING, OPTIONAL)}
_ALGO_REF = {"algoId": (INT, OPTIONAL), "clientAlgoId": (STRING, OPTIONAL)}

ENDPOINTS: dict[tuple[str, str], dict[str, tuple[object, bool]]] = {
    ("GET", "/fapi/v1/ping"): {},
    ("GET", "/fapi/v1/time"): {},
    ("GET", "/fapi/v1/exchangeInfo"): {},
    ("GET", "/fapi/v1/ticker/24hr"): dict(_SYMBOL),
    ("GET", "/fapi/v1/ticker/price"): dict(_SYMBOL),
    ("GET", "/fapi/v2/ticker/price"): dict(_SYMBOL),
    ("GET", "/fapi/v1/ticker/bookTicker"): dict(_SYMBOL),
    ("GET", "/fapi/v1/premiumIndex"): dict(_SYMBOL),
    ("GET", "/fapi/v1/klines"): dict(_KLINES),
    ("GET", "/fapi/v1/markPriceKlines"): dict(_KLINES),
    ("GET", "/fapi/v1/indexPriceKlines"): {"pair": (STRING, MANDATORY),
                                           **{k: v for k, v in _KLINES.items() if k != "symbol"}},
    ("GET", "/fapi/v1/depth"): {"symbol": (STRING, MANDATORY), "limit": (INT, OPTIONAL)},
    ("GET", "/fapi/v1/fundingRate"): {"symbol": (STRING, OPTIONAL), "startTime": (INT, OPTIONAL),
                                      "endTime": (INT, OPTIONAL), "limit": (INT, OPTIONAL)},

    ("GET", "/fapi/v2/account"): dict(SIGNED),
    ("GET", "/fapi/v3/account"): dict(SIGNED),
    ("GET", "/fapi/v2/balance"): dict(SIGNED),
    ("GET", "/fapi/v3/balance"): dict(SIGNED),
    ("POST", "/fapi/v1/order"): {
        "symbol": (STRING, MANDATORY), "side": (SIDES, MANDATORY), "type": (ORDER_TYPES, MANDATORY),
        "positionSide": (STRING, OPTIONAL), "timeInForce": (TIME_IN_FORCE, OPTIONAL), "reduceOnly": (TRUE_FALSE, OPTIONAL),
        "quantity": (DECIMAL, OPTIONAL), "price": (DECIMAL, OPTIONAL), "newClientOrderId": (STRING, OPTIONAL),
        "newOrderRespType": (RESPONSE_TYPES, OPTIONAL), "priceMatch": (PRICE_MATCH, OPTIONAL),
        "selfTradePreventionMode": (STP_MODES, OPTIONAL), "goodTillDate": (INT, OPTIONAL), **SIGNED},
    ("GET", "/fapi/v1/order"): {**_ORDER_REF, **SIGNED},
    ("DELETE", "/fapi/v1/order"): {**_ORDER_REF, **SIGNED},
    ("GET", "/fapi/v1/openOrders"): {"symbol": (STRING, OPTIONAL), **SIGNED},
    ("DELETE", "/fapi/v1/allOpenOrders"): {"symbol": (STRING, MANDATORY), **SIGNED},
    ("GET", "/fapi/v1/allOrders"): {"symbol": (STRING, OPTIONAL), "orderId": (INT, OPTIONAL),
                                    "startTime": (INT, OPTIONAL), "endTime": (INT, OPTIONAL), "limit": (INT, OPTIONAL),
                                    **SIGNED},
    ("GET", "/fapi/v1/userTrades"): {"symbol": (STRING, MANDATORY), "orderId": (INT, OPTIONAL),
                                     "startTime": (INT, OPTIONAL), "endTime": (INT, OPTIONAL), "fromId": (INT, OPTIONAL),
                                     "limit": (INT, OPTIONAL), **SIGNED},
    ("GET", "/fapi/v1/income"): {"symbol": (STRING, OPTIONAL), "incomeType": (INCOME_TYPES, OPTIONAL),
                                 "startTime": (INT, OPTIONAL), "endTime": (INT, OPTIONAL), "limit": (INT, OPTIONAL),
                                 **SIGNED},
    ("GET", "/fapi/v1/forceOrders"): {"symbol": (STRING, OPTIONAL), "autoCloseType": (("LIQUIDATION", "ADL"), OPTIONAL),
                                      "startTime": (INT, OPTIONAL), "endTime": (INT, OPTIONAL),
                                      "limit": (INT, OPTIONAL), **SIGNED},
    ("POST", "/fapi/v1/leverage"): {"symbol": (STRING, MANDATORY), "leverage": (INT, MANDATORY), **SIGNED},
    ("POST", "/fapi/v1/marginType"): {"symbol": (STRING, MANDATORY), "marginType": (("ISOLATED", "CROSSED"), MANDATORY),
                                      **SIGNED},
    ("GET", "/fapi/v2/positionRisk"): {"symbol": (STRING, OPTIONAL), **SIGNED},
    ("GET", "/fapi/v3/positionRisk"): {"symbol": (STRING, OPTIONAL), **SIGNED},
    ("GET", "/fapi/v1/leverageBracket"): {"symbol": (STRING, OPTIONAL), **SIGNED},
    ("GET", "/fapi/v1/symbolConfig"): {"symbol": (STRING, OPTIONAL), **SIGNED},
    ("GET", "/fapi/v1/positionSide/dual"): dict(SIGNED),
    ("POST", "/fapi/v1/algoOrder"): {
        "algoType": (("CONDITIONAL",), MANDATORY), "symbol": (STRING, MANDATORY), "side": (SIDES, MANDATORY),
        "type": (ORDER_TYPES, MANDATORY), "positionSide": (STRING, OPTIONAL), "timeInForce": (TIME_IN_FORCE, OPTIONAL),
        "quantity": (DECIMAL, OPTIONAL), "price": (DECIMAL, OPTIONAL), "triggerPrice": (DECIMAL, OPTIONAL),
        "workingType": (WORKING_TYPES, OPTIONAL), "priceMatch": (PRICE_MATCH, OPTIONAL),
        "closePosition": (TRUE_FALSE, OPTIONAL), "priceProtect": (TRUE_FALSE, OPTIONAL),
        "reduceOnly": (TRUE_FALSE, OPTIONAL), "activatePrice": (DECIMAL, OPTIONAL), "callbackRate": (DECIMAL, OPTIONAL),
        "clientAlgoId": (STRING, OPTIONAL), "newOrderRespType": (RESPONSE_TYPES, OPTIONAL),
        "selfTradePreventionMode": (ALGO_STP_MODES, OPTIONAL), "goodTillDate": (INT, OPTIONAL), **SIGNED},
    ("GET", "/fapi/v1/algoOrder"): {**_ALGO_REF, **SIGNED},
    ("DELETE", "/fapi/v1/algoOrder"): {**_ALGO_REF, **SIGNED},
    ("GET", "/fapi/v1/openAlgoOrders"): {"algoType": (STRING, OPTIONAL), "symbol": (STRING, OPTIONAL),
                                         "algoId": (INT, OPTIONAL), **SIGNED},
    ("GET", "/fapi/v1/allAlgoOrders"): {"symbol": (STRING, MANDATORY), "algoId": (INT, OPTIONAL),
                                        "startTime": (INT, OPTIONAL), "endTime": (INT, OPTIONAL),
                                        "limit": (INT, OPTIONAL), **SIGNED},
}

# "Additional mandatory parameters based on type" of the SDK's new_order / test_order notes, with the
# algo service's triggerPrice in place of stopPrice. Binance answers -1106 for price on MARKET; with
# closePosition=true neither quantity nor reduceOnly may be sent.
_CONDITIONAL_LIMIT = {"need": ("quantity", "price", "triggerPrice")}
_CONDITIONAL_MARKET = {"need": ("triggerPrice",), "any": (("quantity", "closePosition"),)}
# Conditional-order parameters that POST /fapi/v1/order took until conditional orders moved to the
# algo service (Dec 2025; the SDK's new_order no longer has them). Binance still reads the names: a
# conditional type is answered -4120 (use the algo service), and on LIMIT or MARKET they are
# answered -1106 "Parameter 'stopprice' sent when not required." (USD-M spells the name in lower
# case in that message).
RETIRED: dict[tuple[str, str], dict[str, tuple[object, bool]]] = {
    ("POST", "/fapi/v1/order"): {"stopPrice": (DECIMAL, OPTIONAL), "closePosition": (TRUE_FALSE, OPTIONAL),
                                 "activationPrice": (DECIMAL, OPTIONAL), "callbackRate": (DECIMAL, OPTIONAL),
                                 "workingType": (WORKING_TYPES, OPTIONAL), "priceProtect": (TRUE_FALSE, OPTIONAL)},
}
_RETIRED = tuple(RETIRED[("POST", "/fapi/v1/order")])

BY_VALUE: dict[tuple[str, str], dict[str, dict[str, dict[str, tuple]]]] = {
    ("POST", "/fapi/v1/order"): {"type": {
        "LIMIT": {"need": ("timeInForce", "quantity", "price"), "not": _RETIRED},
        "MARKET": {"need": ("quantity",), "not": ("price",) + _RETIRED}}},
    ("POST", "/fapi/v1/algoOrder"): {
        "type": {"STOP": _CONDITIONAL_LIMIT, "TAKE_PROFIT": _CONDITIONAL_LIMIT,
                 "STOP_MARKET": _CONDITIONAL_MARKET, "TAKE_PROFIT_MARKET": _CONDITIONAL_MARKET,
                 "TRAILING_STOP_MARKET": {"need": ("callbackRate",)}},
        "closePosition": {"true": {"not": ("quantity", "reduceOnly")}}},
}

