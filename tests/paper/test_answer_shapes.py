"""The paper exchange answers in the shapes of Binance's recorded real answers.

For every recorded answer whose endpoint the paper serves, the paper's answer over HTTP holds
every key of the recorded one, recursively (list elements too), with the same JSON type and the
same number format: spot decimals as 8-decimal strings, USD-M decimals as plain decimal strings,
booleans as booleans, integers as integers.

Two recordings are read (see ../shared/data/SOURCES.md):
- ccxt's static test answers: real account answers. Its transcription stores some integers as
  strings (``"orderId": "3397148653"``); Binance sends them as JSON integers (its SDK models type
  them ``StrictInt``), so for the keys in STRINGIFIED_INTS the paper must answer an integer.
- gocryptotrader's HTTP mock: its public market-data answers are real recordings. Its private
  entries are Binance documentation examples from 2017 (``"price": "0.1"``, keys since renamed),
  not real answers, so they are not compared.

Keys deliberately absent from the paper's answers are listed in ABSENT with the reason.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from console.paper import PaperExchange, SyntheticFeed
from console.paper.routes import ROUTES
from tests.paper.conftest import KEY, PRICES, SECRET, Call

STRINGIFIED_INTS = frozenset({
    "adl", "buyerCommission", "feeTier", "goodTillDate", "id", "makerCommission", "orderId", "orderListId",
    "sellerCommission", "takerCommission", "time", "tradeGroupId", "transactTime", "uid", "updateTime",
    "workingTime",
})
ABSENT = {
    # Binance sends icebergQty on a placed order only when the order is an iceberg; the paper
    # does not model iceberg orders, so its orders never carry it.
    ("createOrder_spot_limit_iceberg_NEW", "$.icebergQty"),
}
# A parameter of a recorded query the paper's request leaves out: the recordings' time windows
# (2019-2023) lie outside the paper feed's history, and their paging ids mean nothing here.
DROPPED_PARAMS = ("startTime", "endTime", "fromId", "signature", "recvWindow", "timestamp")
DEC8 = re.compile(r"-?\d+\.\d{8}")
PLAIN = re.compile(r"-?\d+(\.\d+)?")
INTEGER = re.compile(r"-?\d+")
DISCRIMINATORS = ("filterType", "symbol", "asset", "rateLimitType")


def kind(value: Any) -> str:
    """The JSON type of a value, numbers in strings told apart by their format."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "dec8" if DEC8.fullmatch(value) else "decimal" if PLAIN.fullmatch(value) else "text"
    return "list" if isinstance(value, list) else "dict"


def _fits(recorded: str, ours: str) -> bool:
    if recorded == "decimal":
        return ours in ("decimal", "dec8")  # a plain "0" where the paper writes "0.00000000"
    return recorded == ours or recorded == "null"


def _match(row: dict, rows: list) -> Any:
    for key in DISCRIMINATORS:
        if key in row:
            same = [r for r in rows if isinstance(r, dict) and r.get(key) == row[key]]
            if same:
                return same[0]
    return rows[0]


def shape_problems(recorded: Any, ours: Any, path: str = "$", key: str | None = None) -> list[str]:
    """What the paper's answer lacks or types differently from the recorded one, by JSON path."""
    want = kind(recorded)
    if key in STRINGIFIED_INTS and want == "decimal" and INTEGER.fullmatch(recorded):
        want = "int"
    got = kind(ours)
    if not _fits(want, got):
        return [f"{path}: recorded {want} {recorded!r:.40}, paper {got} {ours!r:.40}"]
    if want == "dict":
        problems = []
        for name, value in recorded.items():
            if name not in ours:
                problems.append(f"{path}.{name}: missing")
            else:
                problems += shape_problems(value, ours[name], f"{path}.{name}", name)
        return problems
    if want == "list" and recorded:
        if not ours:
            return [f"{path}: the paper answered an empty list"]
        if all(isinstance(r, list) for r in recorded):  # rows of positional fields (klines, depth)
            return [p for i, row in enumerate(ours[:3]) for p in shape_problems(recorded[0], row, f"{path}[{i}]", key)]
        if isinstance(recorded[0], dict):
            return [p for row in recorded for p in shape_problems(row, _match(row, ours), f"{path}[]", key)]
        if len(recorded) != len(ours):
            return [f"{path}: recorded {len(recorded)} fields, paper {len(ours)}"]
        return [p for i, (r, o) in enumerate(zip(recorded, ours)) for p in shape_problems(r, o, f"{path}[{i}]", key)]
    return []


def _without_absent(case: str, problems: list[str]) -> list[str]:
    return [p for p in problems if (case, p.split(":")[0]) not in ABSENT]


# ccxt's recorded account answers: how to make the paper answer the same request ----------------
BUY_BTC = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.001"}
FUTURES_BUY = {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01"}


def _ok(answer: tuple[int, dict, Any]) -> Any:
    status, _, body = answer
    assert status == 200, body
    return body


def _spot_limit(call: Call) -> Any:
    return _ok(call("POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                                              "quantity": "0.001", "price": "20000", "newOrderRespType": "FULL"}))


def _spot_filled_order(call: Call) -> Any:
    order = _ok(call("POST", "/api/v3/order", BUY_BTC))
    return _ok(call("GET", "/api/v3/order", {"symbol": "BTCUSDT", "orderId": order["orderId"]}))


def _spot_open_limit_maker(call: Call) -> Any:
    _ok(call("POST", "/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT_MAKER",
                                       "quantity": "0.001", "price": "20000"}))
    return _ok(call("GET", "/api/v3/openOrders", {"symbol": "BTCUSDT"}))


def _spot_trades(call: Call) -> Any:
    _ok(call("POST", "/api/v3/order", BUY_BTC))
    return _ok(call("GET", "/api/v3/myTrades", {"symbol": "BTCUSDT"}))


def _futures_limit(call: Call) -> Any:
    return _ok(call("POST", "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT",
                                               "timeInForce": "GTC", "quantity": "0.01", "price": "31000"}))


def _futures_open_gtx(call: Call) -> Any:
    order = _ok(call("POST", "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                                                "timeInForce": "GTX", "quantity": "0.01", "price": "29000"}))
    path = "/fapi/v1/openOrder" if ("GET", "/fapi/v1/openOrder") in ROUTES else "/fapi/v1/order"
    return _ok(call("GET", path, {"symbol": "BTCUSDT", "orderId": order["orderId"]}))


def _futures_trades(call: Call) -> Any:
    _ok(call("POST", "/fapi/v1/order", FUTURES_BUY))
    return _ok(call("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT"}))


def _futures_positions(call: Call) -> Any:
    _ok(call("POST", "/fapi/v1/order", FUTURES_BUY))
    return _ok(call("GET", "/fapi/v3/positionRisk", {}))


def _get(path: str, params: dict[str, str] | None = None, signed: bool = True) -> Callable[[Call], Any]:
    return lambda call: _ok(call("GET", path, params or {}, sign=signed))


# recorded name -> how the paper is asked; createOrders (POST /fapi/v1/batchOrders) answers a
# list of what POST /fapi/v1/order answers, so its element is held against a single order.
CCXT_CASES: dict[str, Callable[[Call], Any]] = {
    "createOrder_spot_limit_iceberg_NEW": _spot_limit,
    "fetchOrder_spot_market_FILLED": _spot_filled_order,
    "fetchOpenOrders_spot_LIMIT_MAKER": _spot_open_limit_maker,
    "fetchMyTrades_spot": _spot_trades,
    "fetchBalance_spot": _get("/api/v3/account"),
    "createOrders_usdm_limit_NEW": _futures_limit,
    "fetchOpenOrder_usdm_postonly_GTX": _futures_open_gtx,
    "fetchMyTrades_usdm": _futures_trades,
    "fetchPositions_usdm": _futures_positions,
    "fetchBalance_usdm": _get("/fapi/v2/account"),
    "fetchOHLCV_usdm_1m": _get("/fapi/v1/klines", {"symbol": "BTCUSDT", "interval": "1m", "limit": "3"}, signed=False),
}


@pytest.fixture
def exchange(spot_rules: Path, futures_rules: Path) -> Iterator[PaperExchange]:
    """The paper exchange of conftest, its feed's history one day long: the all-symbol answers
    (tickers, premium index) draw every symbol's prices, which a week of history makes slow."""
    ex = PaperExchange(spot_rules=spot_rules, futures_rules=futures_rules, api_key=KEY, api_secret=SECRET,
                       feed=SyntheticFeed(seed=7, history_minutes=1440))
    for symbol, price in PRICES.items():
        ex.feed.set_price(symbol, price)
    ex.start()
    yield ex
    ex.stop()


@pytest.fixture(scope="module")
def recorded(shared_data: Path) -> dict[str, Any]:
    return json.loads((shared_data / "responses" / "binance_real_api_samples_ccxt_static.json").read_text())


@pytest.fixture(scope="module")
def mock_routes(shared_data: Path) -> dict[str, Any]:
    return json.loads((shared_data / "responses" / "gocryptotrader_binance_http_mock.json").read_text())["routes"]


def test_every_recorded_account_answer_has_a_case(recorded: dict[str, Any]) -> None:
    assert set(recorded) - {"_source"} == set(CCXT_CASES)


@pytest.mark.parametrize("case", sorted(CCXT_CASES))
def test_account_answers_have_binance_keys_and_types(case: str, recorded: dict[str, Any], call: Call) -> None:
    answer = recorded[case]["httpResponse"]
    if case == "createOrders_usdm_limit_NEW":
        answer = answer[0]
    ours = CCXT_CASES[case](call)
    assert _without_absent(case, shape_problems(answer, ours)) == []


def _mock_requests(mock_routes: dict[str, Any], exchange: PaperExchange) -> list[tuple[str, str, dict[str, str], Any]]:
    """Each real public recording the paper can be asked again: its endpoint is served and its
    symbols are listed in the paper's rules."""
    wanted = []
    for path, methods in mock_routes.items():
        for method, entries in methods.items():
            route = ROUTES.get((method, path))
            if route is None or route.signed:
                continue
            rules = exchange.futures.rules if path.startswith("/fapi") else exchange.spot.rules
            for entry in entries:
                params = {k: v for k, v in parse_qsl(entry["queryString"]) if k not in DROPPED_PARAMS}
                names = [params["symbol"]] if "symbol" in params else json.loads(params.get("symbols", "[]"))
                if entry["data"] is None:
                    continue
                is_error = isinstance(entry["data"], dict) and "code" in entry["data"]
                if is_error or all(name in rules.symbols for name in names):
                    wanted.append((method, path, params, entry["data"]))
    return wanted


def test_public_answers_have_binance_keys_and_types(mock_routes: dict[str, Any], exchange: PaperExchange,
                                                   call: Call) -> None:
    wanted = _mock_requests(mock_routes, exchange)
    served = {path for _, path, _, _ in wanted}
    assert {"/api/v3/klines", "/api/v3/depth", "/api/v3/exchangeInfo", "/api/v3/ticker/24hr", "/fapi/v1/klines",
            "/fapi/v1/premiumIndex", "/fapi/v1/ticker/bookTicker", "/fapi/v1/time"} <= served
    problems = []
    for method, path, params, answer in wanted:
        status, _, ours = call(method, path, params, sign=False)
        if isinstance(answer, dict) and "code" in answer:  # a recorded refusal is answered the same way
            if (status, ours) != (400, answer):
                problems.append(f"{path}?{params}: recorded {answer}, paper {status} {ours}")
            continue
        if status != 200:
            problems.append(f"{path}?{params}: paper answered {status} {ours}")
            continue
        problems += [f"{method} {path}?{params} {p}" for p in shape_problems(answer, ours)]
    assert problems == [], "\n".join(problems)
