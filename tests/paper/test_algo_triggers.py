"""Conditional orders trigger from the feed on the mark or the contract price, with no client connected."""
from __future__ import annotations

from decimal import Decimal

from console.paper import PaperExchange

D = Decimal
ALGO = "/fapi/v1/algoOrder"


def stop(call, trigger: str, working_type: str, **extra) -> tuple[int, dict]:
    status, _, body = call("POST", ALGO, {"algoType": "CONDITIONAL", "symbol": "BTCUSDT", "side": "SELL",
                                          "type": "STOP_MARKET", "quantity": "0.01", "triggerPrice": trigger,
                                          "workingType": working_type, "reduceOnly": "true", **extra})
    return status, body


def algo(exchange: PaperExchange, algo_id: int) -> dict:
    with exchange.lock:
        return exchange.futures.algos.orders[algo_id].json()


def position(exchange: PaperExchange) -> Decimal:
    with exchange.lock:
        pos = exchange.futures.positions.get("BTCUSDT")
        return pos.amount if pos is not None else D(0)


def test_a_mark_price_stop_fires_on_the_mark_a_contract_price_stop_on_the_last_price(futures, call, exchange):
    futures.create_order("BTC/USDT:USDT", "market", "buy", 0.01)
    _, on_mark = stop(call, "29000", "MARK_PRICE")
    _, on_last = stop(call, "29000", "CONTRACT_PRICE")
    assert (on_mark["workingType"], on_last["workingType"]) == ("MARK_PRICE", "CONTRACT_PRICE")
    requests = exchange.stats.requests()

    exchange.set_mark_price("BTCUSDT", D("28900"))  # the mark dips, the last price stays at 30000
    fired = algo(exchange, on_mark["algoId"])
    assert fired["algoStatus"] == "FINISHED" and fired["actualOrderId"]
    assert algo(exchange, on_last["algoId"])["algoStatus"] == "NEW"
    assert position(exchange) == 0
    # the stop's market order fills at the book (the bid of the last price), not at the mark
    assert exchange.exchange_trades("futures")[-1]["price"] == "29998.5"

    exchange.feed.set_price("BTCUSDT", D("28800"))  # now the last price crosses too
    late = algo(exchange, on_last["algoId"])
    assert late["algoStatus"] == "EXPIRED" and late["actualOrderId"] == "", "reduce-only on a flat position"
    assert position(exchange) == 0, "a reduce-only close never opens the other side"
    assert len(exchange.exchange_trades("futures")) == 2
    assert exchange.stats.requests() == requests, "the exchange fired them on its own, no request came"


def test_would_trigger_at_once_is_judged_on_the_orders_own_price(futures, call, exchange):
    futures.create_order("BTC/USDT:USDT", "market", "buy", 0.01)
    exchange.set_mark_price("BTCUSDT", D("28900"))
    status, body = stop(call, "29000", "MARK_PRICE")
    assert (status, body["code"]) == (400, -2021)
    status, body = stop(call, "29000", "CONTRACT_PRICE")
    assert status == 200 and body["algoStatus"] == "NEW"
    premium = futures.fapipublic_get_premiumindex({"symbol": "BTCUSDT"})
    assert D(premium["markPrice"]) == D("28900")
    exchange.set_mark_price("BTCUSDT", None)
    assert D(futures.fapipublic_get_premiumindex({"symbol": "BTCUSDT"})["markPrice"]) == D("30000")


def test_an_unknown_working_type_is_refused(call, exchange):
    status, body = stop(call, "29000", "INDEX_PRICE")
    assert status == 400 and body["code"] < 0
    with exchange.lock:
        assert exchange.futures.algos.orders == {}
