"""The paper exchange refuses bad parameters as Binance does, over real HTTP, and lets good ones through.

Each case is a signed (or public) request sent by hand; the expected code and message are Binance's
(its errors pages, and answers recorded from Binance in public issue threads).
"""
from __future__ import annotations

from typing import Any

import pytest

from console.paper import spec_futures, spec_spot
from console.paper.routes import ROUTES

from tests.paper.conftest import Call

DECIMAL_RANGE = "^([0-9]{1,20})(\\.[0-9]{1,20})?$"
INT_RANGE = "^[0-9]{1,20}$"
SPOT_LIMIT = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.001",
              "price": "29000"}
SPOT_MARKET = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
SPOT_OCO = {"symbol": "BTCUSDT", "side": "SELL", "quantity": "0.001", "aboveType": "LIMIT_MAKER", "abovePrice": "31000",
            "belowType": "STOP_LOSS_LIMIT", "belowStopPrice": "29000", "belowPrice": "28900", "belowTimeInForce": "GTC"}
LEGACY_OCO = {"symbol": "BTCUSDT", "side": "SELL", "quantity": "0.001", "price": "31000", "stopPrice": "29000",
              "stopLimitPrice": "28900", "stopLimitTimeInForce": "GTC"}
FUT_LIMIT = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.01",
             "price": "29000"}
FUT_MARKET = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}
ALGO = {"algoType": "CONDITIONAL", "symbol": "BTCUSDT", "side": "SELL", "type": "STOP_MARKET", "quantity": "0.01",
        "triggerPrice": "29000"}


def mandatory(name: str) -> tuple[int, str]:
    return -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."


def either(a: str, b: str) -> tuple[int, str]:
    return -1102, f"Param '{a}' or '{b}' must be sent, but both were empty/null!"


def not_required(name: str) -> tuple[int, str]:
    return -1106, f"Parameter '{name}' sent when not required."


def illegal(name: str, legal: str) -> tuple[int, str]:
    return -1100, f"Illegal characters found in parameter '{name}'; legal range is '{legal}'."


def unread(read: int, sent: int) -> tuple[int, str]:
    return -1104, f"Not all sent parameters were read; read '{read}' parameter(s) but was sent '{sent}'."


def without(params: dict[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in params.items() if k not in names}


# name, method, path, params, signed, (code, msg)
BAD: list[tuple[str, str, str, dict[str, str], bool, tuple[int, str]]] = [
    # spot orders (POST /api/v3/order and its test twin)
    ("internal flag sent", "POST", "/api/v3/order", {**SPOT_MARKET, "remainder": "keep"}, True, unread(6, 7)),
    ("parameter name typo", "POST", "/api/v3/order", {**without(SPOT_LIMIT, "timeInForce"), "timeInforce": "GTC"},
     True, unread(7, 8)),
    ("side", "POST", "/api/v3/order", {**SPOT_MARKET, "side": "HOLD"}, True, (-1117, "Invalid side.")),
    ("type", "POST", "/api/v3/order", {**SPOT_MARKET, "type": "STOP"}, True, (-1116, "Invalid orderType.")),
    ("time in force", "POST", "/api/v3/order", {**SPOT_LIMIT, "timeInForce": "GTX"}, True,
     (-1115, "Invalid timeInForce.")),
    ("float notation", "POST", "/api/v3/order", {**SPOT_MARKET, "quantity": "1e-05"}, True,
     illegal("quantity", DECIMAL_RANGE)),
    ("negative price", "POST", "/api/v3/order", {**SPOT_LIMIT, "price": "-1"}, True, illegal("price", DECIMAL_RANGE)),
    ("malformed long", "POST", "/api/v3/order", {**SPOT_MARKET, "strategyId": "1.5"}, True,
     illegal("strategyId", INT_RANGE)),
    ("symbol missing", "POST", "/api/v3/order", without(SPOT_MARKET, "symbol"), True, mandatory("symbol")),
    ("side missing", "POST", "/api/v3/order", without(SPOT_MARKET, "side"), True, mandatory("side")),
    ("LIMIT without timeInForce", "POST", "/api/v3/order", without(SPOT_LIMIT, "timeInForce"), True,
     mandatory("timeInForce")),
    ("LIMIT without price", "POST", "/api/v3/order", without(SPOT_LIMIT, "price"), True, mandatory("price")),
    ("LIMIT without quantity", "POST", "/api/v3/order", without(SPOT_LIMIT, "quantity"), True, mandatory("quantity")),
    ("LIMIT with stopPrice", "POST", "/api/v3/order", {**SPOT_LIMIT, "stopPrice": "28000"}, True,
     not_required("stopPrice")),
    ("MARKET without an amount", "POST", "/api/v3/order", without(SPOT_MARKET, "quantity"), True,
     either("quantity", "quoteOrderQty")),
    ("MARKET with both amounts", "POST", "/api/v3/order", {**SPOT_MARKET, "quoteOrderQty": "10"}, True,
     not_required("quoteOrderQty")),
    ("MARKET with a price", "POST", "/api/v3/order", {**SPOT_MARKET, "price": "30000"}, True, not_required("price")),
    ("MARKET with timeInForce", "POST", "/api/v3/order", {**SPOT_MARKET, "timeInForce": "GTC"}, True,
     not_required("timeInForce")),
    ("STOP_LOSS_LIMIT without a stop", "POST", "/api/v3/order", {**SPOT_LIMIT, "type": "STOP_LOSS_LIMIT"}, True,
     either("stopPrice", "trailingDelta")),
    ("TAKE_PROFIT without a stop", "POST", "/api/v3/order", {**SPOT_MARKET, "type": "TAKE_PROFIT"}, True,
     either("stopPrice", "trailingDelta")),
    ("LIMIT_MAKER with timeInForce", "POST", "/api/v3/order", {**SPOT_LIMIT, "type": "LIMIT_MAKER"}, True,
     not_required("timeInForce")),
    ("client id with a space", "POST", "/api/v3/order", {**SPOT_MARKET, "newClientOrderId": "my order"}, True,
     illegal("newClientOrderId", "^[\\.A-Z\\:/a-z0-9_-]{1,36}$")),
    ("client id too long", "POST", "/api/v3/order", {**SPOT_MARKET, "newClientOrderId": "x" * 37}, True,
     illegal("newClientOrderId", "^[\\.A-Z\\:/a-z0-9_-]{1,36}$")),
    ("empty optional", "POST", "/api/v3/order", {**SPOT_MARKET, "newClientOrderId": ""}, True,
     (-1105, "Parameter 'newClientOrderId' was empty.")),
    ("recvWindow too long", "POST", "/api/v3/order", {**SPOT_MARKET, "recvWindow": "60001"}, True,
     (-1131, "recvWindow must be less than 60000")),
    ("response type", "POST", "/api/v3/order", {**SPOT_MARKET, "newOrderRespType": "ALL"}, True,
     (-1130, "Data sent for parameter 'newOrderRespType' is not valid.")),
    ("test order checks the same", "POST", "/api/v3/order/test", {**SPOT_MARKET, "price": "1"}, True,
     not_required("price")),
    # spot OCO, new and legacy
    ("OCO leg type", "POST", "/api/v3/orderList/oco", {**SPOT_OCO, "aboveType": "MARKET"}, True,
     (-1158, "Order type not supported in OCO.")),
    ("OCO stop-limit leg without timeInForce", "POST", "/api/v3/orderList/oco", without(SPOT_OCO, "belowTimeInForce"),
     True, mandatory("belowTimeInForce")),
    ("OCO stop leg without a stop", "POST", "/api/v3/orderList/oco", without(SPOT_OCO, "belowStopPrice"), True,
     either("belowStopPrice", "belowTrailingDelta")),
    ("OCO limit-maker leg without a price", "POST", "/api/v3/orderList/oco", without(SPOT_OCO, "abovePrice"), True,
     mandatory("abovePrice")),
    ("OCO without quantity", "POST", "/api/v3/orderList/oco", without(SPOT_OCO, "quantity"), True,
     mandatory("quantity")),
    ("OCO leg time in force", "POST", "/api/v3/orderList/oco", {**SPOT_OCO, "belowTimeInForce": "GTD"}, True,
     (-1115, "Invalid timeInForce.")),
    ("legacy OCO names on the new endpoint", "POST", "/api/v3/orderList/oco",
     {**SPOT_OCO, "stopLimitTimeInForce": "GTC"}, True, unread(11, 12)),
    ("new OCO names on the legacy endpoint", "POST", "/api/v3/order/oco", {**LEGACY_OCO, "aboveType": "LIMIT_MAKER"},
     True, unread(9, 10)),
    ("legacy stop limit without its timeInForce", "POST", "/api/v3/order/oco",
     without(LEGACY_OCO, "stopLimitTimeInForce"), True, mandatory("stopLimitTimeInForce")),
    ("legacy OCO without stopPrice", "POST", "/api/v3/order/oco", without(LEGACY_OCO, "stopPrice"), True,
     mandatory("stopPrice")),
    # spot reads and cancels
    ("cancel restrictions", "DELETE", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": "1",
                                                        "cancelRestrictions": "ANY"}, True,
     (-1145, "cancelRestrictions has to be either ONLY_NEW or ONLY_PARTIALLY_FILLED.")),
    ("order id not a number", "GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": "abc"}, True,
     illegal("orderId", INT_RANGE)),
    ("omitZeroBalances", "GET", "/api/v3/account", {"omitZeroBalances": "yes"}, True,
     illegal("omitZeroBalances", "^(true|false)$")),
    ("account takes no symbol", "GET", "/api/v3/account", {"symbol": "BTCUSDT"}, True, unread(2, 3)),
    ("open orders of a list", "GET", "/api/v3/openOrders", {"symbol": "BTCUSDT", "orderListId": "1"}, True,
     unread(3, 4)),
    ("trades limit", "GET", "/api/v3/myTrades", {"symbol": "BTCUSDT", "limit": "ten"}, True,
     illegal("limit", INT_RANGE)),
    # spot market data
    ("kline interval", "GET", "/api/v3/klines", {"symbol": "BTCUSDT", "interval": "2m"}, False,
     (-1120, "Invalid interval.")),
    ("kline without interval", "GET", "/api/v3/klines", {"symbol": "BTCUSDT"}, False, mandatory("interval")),
    ("kline start time", "GET", "/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1m", "startTime": "yesterday"},
     False, illegal("startTime", INT_RANGE)),
    ("ticker type", "GET", "/api/v3/ticker/24hr", {"symbol": "BTCUSDT", "type": "BIG"}, False,
     (-1139, "Invalid ticker type.")),
    ("rolling window", "GET", "/api/v3/ticker", {"symbol": "BTCUSDT", "windowSize": "8d"}, False,
     (-1130, "Data sent for parameter 'windowSize' is not valid.")),
    ("symbol status", "GET", "/api/v3/ticker/price", {"symbolStatus": "OPEN"}, False,
     (-1122, "Invalid symbolStatus.")),
    ("depth takes no interval", "GET", "/api/v3/depth", {"symbol": "BTCUSDT", "interval": "1m"}, False, unread(1, 2)),
    ("average price needs a symbol", "GET", "/api/v3/avgPrice", {}, False, mandatory("symbol")),
    # USD-M orders
    ("futures side", "POST", "/fapi/v1/order", {**FUT_MARKET, "side": "LONG"}, True, (-1117, "Invalid side.")),
    ("futures type", "POST", "/fapi/v1/order", {**FUT_MARKET, "type": "LIMIT_MAKER"}, True,
     (-1116, "Invalid orderType.")),
    ("futures time in force", "POST", "/fapi/v1/order", {**FUT_LIMIT, "timeInForce": "GTE"}, True,
     (-1115, "Invalid timeInForce.")),
    ("futures LIMIT without timeInForce", "POST", "/fapi/v1/order", without(FUT_LIMIT, "timeInForce"), True,
     mandatory("timeInForce")),
    ("futures LIMIT without price", "POST", "/fapi/v1/order", without(FUT_LIMIT, "price"), True, mandatory("price")),
    ("futures MARKET without quantity", "POST", "/fapi/v1/order", without(FUT_MARKET, "quantity"), True,
     mandatory("quantity")),
    ("futures MARKET with a price", "POST", "/fapi/v1/order", {**FUT_MARKET, "price": "30000"}, True,
     not_required("price")),
    ("futures MARKET with the retired stopPrice", "POST", "/fapi/v1/order", {**FUT_MARKET, "stopPrice": "29000"}, True,
     not_required("stopprice")),
    ("futures LIMIT with the retired closePosition", "POST", "/fapi/v1/order", {**FUT_LIMIT, "closePosition": "true"},
     True, not_required("closeposition")),
    ("conditional type on the order endpoint", "POST", "/fapi/v1/order",
     {**FUT_MARKET, "type": "STOP_MARKET", "stopPrice": "29000"}, True,
     (-4120, "Order type not supported for this endpoint. Please use the Algo Order API endpoints instead.")),
    ("futures response type", "POST", "/fapi/v1/order", {**FUT_MARKET, "newOrderRespType": "FULL"}, True,
     (-1136, "Invalid newOrderRespType.")),
    ("reduceOnly not a boolean", "POST", "/fapi/v1/order", {**FUT_MARKET, "reduceOnly": "yes"}, True,
     (-1130, "Data sent for parameter 'reduceOnly' is not valid.")),
    ("futures client id too long", "POST", "/fapi/v1/order", {**FUT_MARKET, "newClientOrderId": "y" * 37}, True,
     (-4015, "Client order id is not valid.")),
    ("futures internal flag", "POST", "/fapi/v1/order", {**FUT_MARKET, "remainder": "keep"}, True, unread(6, 7)),
    ("futures quantity", "POST", "/fapi/v1/order", {**FUT_MARKET, "quantity": "0,01"}, True,
     illegal("quantity", DECIMAL_RANGE)),
    ("futures recvWindow too long", "POST", "/fapi/v1/order", {**FUT_MARKET, "recvWindow": "90000"}, True,
     (-1131, "recvWindow must be less than 60000")),
    # USD-M algo order service
    ("algo without algoType", "POST", "/fapi/v1/algoOrder", without(ALGO, "algoType"), True, mandatory("algoType")),
    ("algo type", "POST", "/fapi/v1/algoOrder", {**ALGO, "algoType": "TWAP"}, True,
     (-1130, "Data sent for parameter 'algoType' is not valid.")),
    ("algo stop without trigger", "POST", "/fapi/v1/algoOrder", without(ALGO, "triggerPrice"), True,
     mandatory("triggerPrice")),
    ("algo stop without an amount", "POST", "/fapi/v1/algoOrder", without(ALGO, "quantity"), True,
     either("quantity", "closePosition")),
    ("algo stop limit without price", "POST", "/fapi/v1/algoOrder", {**ALGO, "type": "STOP"}, True, mandatory("price")),
    ("algo take profit limit without quantity", "POST", "/fapi/v1/algoOrder",
     {**without(ALGO, "quantity"), "type": "TAKE_PROFIT", "price": "29000"}, True, mandatory("quantity")),
    ("trailing stop without callback", "POST", "/fapi/v1/algoOrder", {**ALGO, "type": "TRAILING_STOP_MARKET"}, True,
     mandatory("callbackRate")),
    ("close-all with reduceOnly", "POST", "/fapi/v1/algoOrder",
     {**without(ALGO, "quantity"), "closePosition": "true", "reduceOnly": "true"}, True, not_required("reduceonly")),
    ("close-all with quantity", "POST", "/fapi/v1/algoOrder", {**ALGO, "closePosition": "true"}, True,
     not_required("quantity")),
    ("working type", "POST", "/fapi/v1/algoOrder", {**ALGO, "workingType": "LAST_PRICE"}, True,
     (-4031, "Invalid parameter working type")),
    ("stopPrice on the algo service", "POST", "/fapi/v1/algoOrder", {**ALGO, "stopPrice": "29000"}, True,
     unread(8, 9)),
    ("algo lookup takes no symbol", "GET", "/fapi/v1/algoOrder", {"symbol": "BTCUSDT", "algoId": "1"}, True,
     unread(3, 4)),
    ("algo cancel takes no symbol", "DELETE", "/fapi/v1/algoOrder", {"symbol": "BTCUSDT", "clientAlgoId": "a"}, True,
     unread(3, 4)),
    ("algo id not a number", "DELETE", "/fapi/v1/algoOrder", {"algoId": "a1"}, True, illegal("algoId", INT_RANGE)),
    # USD-M settings, reads and market data
    ("leverage not a number", "POST", "/fapi/v1/leverage", {"symbol": "BTCUSDT", "leverage": "ten"}, True,
     illegal("leverage", INT_RANGE)),
    ("leverage missing", "POST", "/fapi/v1/leverage", {"symbol": "BTCUSDT"}, True, mandatory("leverage")),
    ("margin type", "POST", "/fapi/v1/marginType", {"symbol": "BTCUSDT", "marginType": "PORTFOLIO"}, True,
     (-4044, "The margin type is not valid.")),
    ("balance takes no asset", "GET", "/fapi/v2/balance", {"asset": "USDT"}, True, unread(2, 3)),
    ("position risk takes no pair", "GET", "/fapi/v3/positionRisk", {"pair": "BTCUSDT"}, True, unread(2, 3)),
    ("brackets take no useV2", "GET", "/fapi/v1/leverageBracket", {"useV2": "true"}, True, unread(2, 3)),
    ("trades need a symbol", "GET", "/fapi/v1/userTrades", {}, True, mandatory("symbol")),
    ("futures have no 1s klines", "GET", "/fapi/v1/klines", {"symbol": "BTCUSDT", "interval": "1s"}, False,
     (-1120, "Invalid interval.")),
    ("index klines name the pair", "GET", "/fapi/v1/indexPriceKlines", {"symbol": "BTCUSDT", "interval": "1m"},
     False, unread(1, 2)),
    ("futures exchangeInfo takes no symbol", "GET", "/fapi/v1/exchangeInfo", {"symbol": "BTCUSDT"}, False,
     unread(0, 1)),
    ("funding limit", "GET", "/fapi/v1/fundingRate", {"symbol": "BTCUSDT", "limit": "all"}, False,
     illegal("limit", INT_RANGE)),
]


@pytest.mark.parametrize(("name", "method", "path", "params", "signed", "expected"), BAD, ids=[c[0] for c in BAD])
def test_bad_request_is_refused_as_binance_does(call: Call, name: str, method: str, path: str, params: dict[str, str],
                                                signed: bool, expected: tuple[int, str]) -> None:
    status, _, body = call(method, path, params, sign=signed)
    assert (status, body["code"], body["msg"]) == (400, *expected)


def filler(kind: Any) -> str:
    """A value of kind that passes its check."""
    if isinstance(kind, tuple):
        return kind[0]
    return {spec_spot.INT: "1", spec_spot.DECIMAL: "1", spec_spot.BOOL: "true"}.get(kind, "BTCUSDT")


def table(key: tuple[str, str]) -> dict[str, tuple[Any, bool]]:
    return {**spec_spot.ENDPOINTS, **spec_futures.ENDPOINTS}[key]


def mandatory_filled(key: tuple[str, str]) -> dict[str, str]:
    return {name: filler(kind) for name, (kind, required) in table(key).items()
            if required and name not in ("timestamp", "signature")}


@pytest.mark.parametrize("key", sorted(ROUTES), ids=" ".join)
def test_every_endpoint_refuses_an_unknown_parameter(call: Call, key: tuple[str, str]) -> None:
    method, path = key
    params = {**mandatory_filled(key), "unknownFlag": "1"}
    signed = ROUTES[key].signed
    sent = len(params) + (2 if signed else 0)
    status, _, body = call(method, path, params, sign=signed)
    assert (status, body["code"], body["msg"]) == (400, *unread(sent - 1, sent))


MISSING = [(key, name) for key in sorted(ROUTES) for name in mandatory_filled(key)]


@pytest.mark.parametrize(("key", "name"), MISSING, ids=[f"{m} {p} {n}" for (m, p), n in MISSING])
def test_every_mandatory_parameter_is_required(call: Call, key: tuple[str, str], name: str) -> None:
    method, path = key
    params = without(mandatory_filled(key), name)
    status, _, body = call(method, path, params, sign=ROUTES[key].signed)
    assert (status, body["code"], body["msg"]) == (400, *mandatory(name))


# Requests as the console and ccxt send them; they must still pass.
GOOD: list[tuple[str, str, str, dict[str, str], bool]] = [
    ("spot market in quote, as ccxt sends it", "POST", "/api/v3/order",
     {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quoteOrderQty": "50", "newOrderRespType": "FULL",
      "newClientOrderId": "x-R4BD3S82abc", "recvWindow": "5000"}, True),
    ("spot limit", "POST", "/api/v3/order", {**SPOT_LIMIT, "newOrderRespType": "RESULT"}, True),
    ("spot stop-loss limit", "POST", "/api/v3/order",
     {**SPOT_LIMIT, "side": "SELL", "type": "STOP_LOSS_LIMIT", "stopPrice": "29000", "price": "28900",
      "selfTradePreventionMode": "EXPIRE_MAKER"}, True),
    ("spot test order", "POST", "/api/v3/order/test", {**SPOT_MARKET, "computeCommissionRates": "true"}, True),
    ("console OCO sell", "POST", "/api/v3/orderList/oco", {**SPOT_OCO, "listClientOrderId": "oco-1",
                                                          "aboveClientOrderId": "tp-1", "belowClientOrderId": "sl-1",
                                                          "recvWindow": "5000"}, True),
    ("account without zeros", "GET", "/api/v3/account", {"omitZeroBalances": "true"}, True),
    ("spot open orders", "GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}, True),
    ("spot trades", "GET", "/api/v3/myTrades", {"symbol": "BTCUSDT", "limit": "10", "startTime": "0"}, True),
    ("spot klines", "GET", "/api/v3/klines", {"symbol": "BTCUSDT", "interval": "1h", "limit": "3"}, False),
    ("spot tickers", "GET", "/api/v3/ticker/24hr", {"symbols": '["BTCUSDT","ETHUSDT"]', "type": "MINI"}, False),
    ("spot exchangeInfo", "GET", "/api/v3/exchangeInfo", {"symbol": "BTCUSDT", "showPermissionSets": "false"}, False),
    ("futures market", "POST", "/fapi/v1/order", {**FUT_MARKET, "newClientOrderId": "x-xcKtGhcu1",
                                                 "newOrderRespType": "RESULT", "recvWindow": "5000"}, True),
    ("futures post-only limit", "POST", "/fapi/v1/order", {**FUT_LIMIT, "timeInForce": "GTX"}, True),
    ("futures reduce-only, any case", "POST", "/fapi/v1/order", {**FUT_LIMIT, "side": "SELL", "price": "31000",
                                                                 "reduceOnly": "false", "positionSide": "BOTH"}, True),
    ("console stop on the algo service", "POST", "/fapi/v1/algoOrder",
     {**ALGO, "reduceOnly": "true", "workingType": "MARK_PRICE", "clientAlgoId": "sl-1", "recvWindow": "5000"}, True),
    ("close-all stop", "POST", "/fapi/v1/algoOrder", {**without(ALGO, "quantity"), "closePosition": "true",
                                                     "priceProtect": "TRUE"}, True),
    ("leverage", "POST", "/fapi/v1/leverage", {"symbol": "BTCUSDT", "leverage": "5"}, True),
    ("position risk v3", "GET", "/fapi/v3/positionRisk", {"symbol": "BTCUSDT"}, True),
    ("balance v3", "GET", "/fapi/v3/balance", {}, True),
    ("open algo orders", "GET", "/fapi/v1/openAlgoOrders", {"symbol": "BTCUSDT"}, True),
    ("futures price v2", "GET", "/fapi/v2/ticker/price", {"symbol": "BTCUSDT"}, False),
    ("funding history", "GET", "/fapi/v1/fundingRate", {"symbol": "BTCUSDT", "limit": "3"}, False),
    ("index klines", "GET", "/fapi/v1/indexPriceKlines", {"pair": "BTCUSDT", "interval": "1m", "limit": "2"}, False),
]


@pytest.mark.parametrize(("name", "method", "path", "params", "signed"), GOOD, ids=[c[0] for c in GOOD])
def test_good_request_passes(call: Call, name: str, method: str, path: str, params: dict[str, str],
                             signed: bool) -> None:
    call("POST", "/api/v3/order", {**SPOT_MARKET, "quantity": "0.01"})  # BTC to sell
    status, _, body = call(method, path, params, sign=signed)
    assert status == 200, body


def test_legacy_oco_is_still_served(call: Call) -> None:
    """POST /api/v3/order/oco is deprecated (2024-04-02) but Binance still serves it with its old names."""
    call("POST", "/api/v3/order", {**SPOT_MARKET, "quantity": "0.01"})
    status, _, body = call("POST", "/api/v3/order/oco", {**LEGACY_OCO, "limitClientOrderId": "tp-legacy"})
    assert status == 200 and body["contingencyType"] == "OCO" and len(body["orderReports"]) == 2
    assert {r["type"] for r in body["orderReports"]} == {"LIMIT_MAKER", "STOP_LOSS_LIMIT"}


def test_new_public_routes_answer_in_binances_shapes(call: Call) -> None:
    status, _, price = call("GET", "/fapi/v2/ticker/price", {"symbol": "BTCUSDT"}, sign=False)
    assert status == 200 and set(price) == {"symbol", "price", "time"} and price["price"] == "30000.00"
    _, _, average = call("GET", "/api/v3/avgPrice", {"symbol": "BTCUSDT"}, sign=False)
    assert set(average) == {"mins", "price", "closeTime"} and average["mins"] == 5
    _, _, mini = call("GET", "/api/v3/ticker", {"symbol": "BTCUSDT", "windowSize": "1h", "type": "MINI"}, sign=False)
    assert mini["lastPrice"] == "30000.00000000" and "priceChange" not in mini
    _, _, full = call("GET", "/api/v3/ticker", {"symbols": '["BTCUSDT","ETHUSDT"]'}, sign=False)
    assert [row["symbol"] for row in full] == ["BTCUSDT", "ETHUSDT"] and "priceChangePercent" in full[0]
    status, _, funding = call("GET", "/fapi/v1/fundingRate", {"symbol": "BTCUSDT", "limit": "3"}, sign=False)
    assert status == 200 and len(funding) == 3
    assert set(funding[0]) == {"symbol", "fundingRate", "fundingTime", "markPrice"}
    times = [row["fundingTime"] for row in funding]
    assert times == sorted(times) and all(t % 28_800_000 == 0 for t in times)
    assert funding[0]["fundingRate"] == "0.00010000"
