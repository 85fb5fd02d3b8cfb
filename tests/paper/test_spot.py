"""Spot endpoints through ccxt.binance built by make_ccxt, against the paper exchange."""
from __future__ import annotations

from decimal import Decimal

import ccxt
import pytest

from console.paper import PaperExchange

D = Decimal


def balances(exchange: PaperExchange) -> dict[str, tuple[Decimal, Decimal]]:
    return {a: (f, lk) for a, (f, lk) in exchange.spot.balances.items()}


def test_public_endpoints(spot, exchange: PaperExchange) -> None:
    assert set(spot.markets) >= {"BTC/USDT", "ETH/USDT", "ETH/BTC"}
    assert all(m["spot"] for m in spot.markets.values())
    assert abs(spot.fetch_time() - exchange.now_ms()) < 60_000
    ticker = spot.fetch_ticker("BTC/USDT")
    assert ticker["last"] == 30000.0 and ticker["bid"] < ticker["last"] < ticker["ask"]
    candles = spot.fetch_ohlcv("BTC/USDT", "1h", limit=48)
    assert len(candles) == 48 and candles[-1][4] == 30000.0
    assert all(c[0] - p[0] == 3_600_000 for p, c in zip(candles, candles[1:]))
    assert spot.public_get_ticker_price({"symbol": "BTCUSDT"}) == {"symbol": "BTCUSDT", "price": "30000.00000000"}
    assert spot.public_get_ping() == {}
    assert exchange.stats.requests("/api/v3/ping") == 1


def test_market_buy_then_sell_reconciles_to_the_last_unit(spot, exchange: PaperExchange) -> None:
    order = spot.create_order("BTC/USDT", "market", "buy", 0.01)
    assert order["status"] == "closed"
    fill = order["info"]["fills"][0]
    # ask = 30000 * (1 + 0.00005) on the 0.01 tick; commission 0.1 % of 0.01 BTC, in BTC
    assert fill == {"price": "30001.50000000", "qty": "0.01000000", "commission": "0.00001000",
                    "commissionAsset": "BTC", "tradeId": fill["tradeId"]}
    assert order["info"]["cummulativeQuoteQty"] == "300.01500000"
    assert balances(exchange)["USDT"] == (D("9699.985"), 0)
    assert balances(exchange)["BTC"] == (D("0.00999"), 0)

    sell = spot.create_order("BTC/USDT", "market", "sell", 0.00999)
    fill = sell["info"]["fills"][0]
    # bid 29998.50; 0.00999 * 29998.50 = 299.685015 USDT; commission 0.299685015 -> 0.29968502
    assert (fill["price"], fill["commission"], fill["commissionAsset"]) == ("29998.50000000", "0.29968502", "USDT")
    assert balances(exchange)["USDT"] == (D("9699.985") + D("299.685015") - D("0.29968502"), 0)
    assert balances(exchange)["BTC"] == (0, 0)
    balance = spot.fetch_balance()
    assert balance["USDT"]["free"] == pytest.approx(9999.37032998)
    trades = spot.fetch_my_trades("BTC/USDT")
    assert [t["side"] for t in trades] == ["buy", "sell"]
    assert trades[1]["fee"] == {"cost": 0.29968502, "currency": "USDT"}
    assert exchange.exchange_trades("spot")[1]["quoteQty"] == "299.68501500"


def test_quote_order_qty_market_buy(spot, exchange: PaperExchange) -> None:
    order = spot.create_order("BTC/USDT", "market", "buy", None, None, {"quoteOrderQty": 100})
    # 100 / 30001.50 = 0.0033331..., floored to the 0.00001 step
    assert order["info"]["origQuoteOrderQty"] == "100.00000000"
    assert order["info"]["executedQty"] == "0.00333000"
    assert balances(exchange)["USDT"][0] == D("10000") - D("0.00333") * D("30001.50")


def test_limit_order_rests_locks_and_fills_when_price_moves(spot, exchange: PaperExchange) -> None:
    order = spot.create_order("BTC/USDT", "limit", "buy", 0.001, 29000, {"clientOrderId": "rest-1"})
    assert order["status"] == "open"
    assert balances(exchange)["USDT"] == (D("9971"), D("29"))
    assert [o["id"] for o in spot.fetch_open_orders("BTC/USDT")] == [order["id"]]
    found = spot.fetch_order(None, "BTC/USDT", {"origClientOrderId": "rest-1"})
    assert found["id"] == order["id"] and found["clientOrderId"] == "rest-1"

    exchange.feed.set_price("BTCUSDT", D("28990"))
    filled = spot.fetch_order(order["id"], "BTC/USDT")
    assert filled["status"] == "closed" and filled["average"] == 29000.0
    assert balances(exchange)["USDT"] == (D("9971"), 0)
    assert balances(exchange)["BTC"] == (D("0.000999"), 0)
    assert exchange.exchange_trades("spot")[0]["isMaker"] is True
    assert spot.fetch_open_orders("BTC/USDT") == []


def test_cancel_releases_the_lock(spot, exchange: PaperExchange) -> None:
    order = spot.create_order("BTC/USDT", "limit", "buy", 0.001, 29000)
    cancelled = spot.cancel_order(order["id"], "BTC/USDT")
    assert cancelled["status"] == "canceled"
    assert balances(exchange)["USDT"] == (D("10000"), 0)
    with pytest.raises(ccxt.OrderNotFound):
        spot.cancel_order(order["id"], "BTC/USDT")


def test_limit_maker_that_would_take_is_rejected(spot) -> None:
    with pytest.raises(ccxt.OrderImmediatelyFillable):
        spot.create_order("BTC/USDT", "limit", "buy", 0.001, 31000, {"postOnly": True})


def test_crossing_limit_fills_at_once_as_taker(spot, exchange: PaperExchange) -> None:
    order = spot.create_order("BTC/USDT", "limit", "buy", 0.001, 31000)
    assert order["status"] == "closed" and order["info"]["fills"][0]["price"] == "30001.50000000"
    assert balances(exchange)["USDT"] == (D("10000") - D("30.0015"), 0)


def test_stop_loss_limit_triggers_and_fills(spot, exchange: PaperExchange) -> None:
    spot.create_order("BTC/USDT", "market", "buy", 0.01)
    stop = spot.create_order("BTC/USDT", "limit", "sell", 0.005, 28900, {"stopLossPrice": 29000})
    assert stop["info"]["type"] == "STOP_LOSS_LIMIT"
    assert balances(exchange)["BTC"] == (D("0.00499"), D("0.005"))
    exchange.feed.set_price("BTCUSDT", D("29500"))
    assert spot.fetch_order(stop["id"], "BTC/USDT")["status"] == "open"
    exchange.feed.set_price("BTCUSDT", D("28950"))
    done = spot.fetch_order(stop["id"], "BTC/USDT")
    assert done["status"] == "closed" and done["average"] == 28948.55  # the bid, better than the limit
    assert balances(exchange)["BTC"] == (D("0.00499"), 0)


def test_stop_that_would_trigger_immediately_is_rejected(spot) -> None:
    spot.create_order("BTC/USDT", "market", "buy", 0.01)
    with pytest.raises(ccxt.InvalidOrder, match="Stop price would trigger immediately"):
        spot.create_order("BTC/USDT", "limit", "sell", 0.005, 30500, {"stopLossPrice": 31000})


def test_oco_take_profit_fill_expires_the_stop(spot, exchange: PaperExchange) -> None:
    spot.create_order("BTC/USDT", "market", "buy", 0.01)
    result = spot.private_post_orderlist_oco({
        "symbol": "BTCUSDT", "side": "SELL", "quantity": "0.005", "aboveType": "LIMIT_MAKER", "abovePrice": "31000",
        "belowType": "STOP_LOSS_LIMIT", "belowStopPrice": "29000", "belowPrice": "28900", "belowTimeInForce": "GTC"})
    legs = [spot.parse_order(report) for report in result["orderReports"]]
    assert [leg["info"]["type"] for leg in legs] == ["LIMIT_MAKER", "STOP_LOSS_LIMIT"]
    assert result["listOrderStatus"] == "EXECUTING"
    assert balances(exchange)["BTC"] == (D("0.00499"), D("0.005"))  # one lock for both legs
    exchange.feed.set_price("BTCUSDT", D("31100"))
    states = {o["orderId"]: o["status"] for o in exchange.exchange_orders("spot")}
    assert [states[int(leg["id"])] for leg in legs] == ["FILLED", "EXPIRED"]
    assert balances(exchange)["BTC"] == (D("0.00499"), 0)
    assert balances(exchange)["USDT"][0] == D("9699.985") + D("155") - D("0.155")


def test_oco_stop_trigger_expires_the_take_profit(spot, exchange: PaperExchange) -> None:
    spot.create_order("BTC/USDT", "market", "buy", 0.01)
    result = spot.private_post_orderlist_oco({
        "symbol": "BTCUSDT", "side": "SELL", "quantity": "0.005", "aboveType": "LIMIT_MAKER", "abovePrice": "31000",
        "belowType": "STOP_LOSS_LIMIT", "belowStopPrice": "29000", "belowPrice": "28900", "belowTimeInForce": "GTC"})
    exchange.feed.set_price("BTCUSDT", D("28950"))
    by_id = {o["orderId"]: o for o in exchange.exchange_orders("spot")}
    take_profit, stop = (by_id[o["orderId"]] for o in result["orders"])
    assert (take_profit["status"], stop["status"]) == ("EXPIRED", "FILLED")
    assert balances(exchange)["BTC"] == (D("0.00499"), 0)


def test_legacy_oco_and_cancel_order_list(spot, exchange: PaperExchange) -> None:
    spot.create_order("BTC/USDT", "market", "buy", 0.01)
    result = spot.private_post_order_oco({
        "symbol": "BTCUSDT", "side": "SELL", "quantity": "0.005", "price": "31000", "stopPrice": "29000",
        "stopLimitPrice": "28900", "stopLimitTimeInForce": "GTC"})
    assert len(result["orderReports"]) == 2
    cancelled = spot.private_delete_orderlist({"symbol": "BTCUSDT", "orderListId": result["orderListId"]})
    assert cancelled["listOrderStatus"] == "ALL_DONE"
    assert {r["status"] for r in cancelled["orderReports"]} == {"CANCELED"}
    assert balances(exchange)["BTC"] == (D("0.00999"), 0)


def test_cancelling_one_oco_leg_cancels_the_list(spot, exchange: PaperExchange) -> None:
    spot.create_order("BTC/USDT", "market", "buy", 0.01)
    result = spot.private_post_orderlist_oco({
        "symbol": "BTCUSDT", "side": "SELL", "quantity": "0.005", "aboveType": "LIMIT_MAKER", "abovePrice": "31000",
        "belowType": "STOP_LOSS_LIMIT", "belowStopPrice": "29000", "belowPrice": "28900", "belowTimeInForce": "GTC"})
    spot.cancel_order(str(result["orders"][1]["orderId"]), "BTC/USDT")
    assert {o["status"] for o in exchange.exchange_orders("spot") if o["orderListId"] != -1} == {"CANCELED"}
    assert balances(exchange)["BTC"] == (D("0.00999"), 0)


def test_duplicate_client_order_id_of_an_open_order_is_rejected(spot) -> None:
    spot.create_order("BTC/USDT", "limit", "buy", 0.001, 29000, {"clientOrderId": "dup-1"})
    with pytest.raises(ccxt.InvalidOrder, match="Duplicate order sent"):
        spot.create_order("BTC/USDT", "limit", "buy", 0.001, 29000, {"clientOrderId": "dup-1"})


def test_fetch_order_by_unknown_client_id_is_not_found(spot) -> None:
    with pytest.raises(ccxt.OrderNotFound):
        spot.fetch_order(None, "BTC/USDT", {"origClientOrderId": "never-sent"})


def test_cancel_all_and_all_orders(spot) -> None:
    spot.create_order("BTC/USDT", "limit", "buy", 0.001, 29000)
    spot.create_order("BTC/USDT", "limit", "buy", 0.001, 28000)
    assert len(spot.cancel_all_orders("BTC/USDT")) == 2
    assert {o["status"] for o in spot.fetch_orders("BTC/USDT")} == {"canceled"}


def test_concurrent_clients_keep_the_books_consistent(exchange: PaperExchange) -> None:
    import threading

    from console.domain import Market
    from console.exchange.connect import make_ccxt
    from tests.paper.conftest import KEY, SECRET

    errors: list[Exception] = []

    def trade() -> None:
        client = make_ccxt(Market.SPOT, base_url=exchange.base_url, api_key=KEY, api_secret=SECRET)
        try:
            for _ in range(10):
                client.create_order("BTC/USDT", "market", "buy", 0.001)
        except Exception as e:  # collected: an assertion in a thread would be lost
            errors.append(e)

    threads = [threading.Thread(target=trade) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    trades = exchange.exchange_trades("spot")
    assert len(trades) == 40 and len({t["id"] for t in trades}) == 40
    assert balances(exchange)["BTC"] == (D("0.040") - D("0.00004"), 0)
    assert balances(exchange)["USDT"] == (D("10000") - 40 * D("0.001") * D("30001.50"), 0)


def test_order_book_and_tickers(spot) -> None:
    book = spot.fetch_order_book("BTC/USDT", 5)
    assert book["bids"][0][0] == 29998.5 and book["asks"][0][0] == 30001.5  # where a market order fills
    assert len(book["bids"]) == 5 and book["bids"][1][0] == 29998.49
    tickers = spot.fetch_tickers(["BTC/USDT", "ETH/USDT"])
    assert tickers["ETH/USDT"]["last"] == 2000.0
