"""Resting orders filling in parts (``partial_fills``), over HTTP through ccxt, as Binance reports them."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from console.errors import ConfigError
from console.paper import PaperExchange
from console.paper.__main__ import build_parser
from tests.paper.conftest import KEY, SECRET
from tests.paper.test_persistence import clients, start

D = Decimal
THIRD = D(1) / 3


def locked(exchange: PaperExchange, asset: str) -> tuple[Decimal, Decimal]:
    free, lock = exchange.spot.balances.get(asset, (D(0), D(0)))
    return free, lock


def trades_of(spot, order_id: str) -> list[dict]:
    return [t["info"] for t in spot.fetch_my_trades("BTC/USDT", params={"orderId": order_id})]


def test_a_resting_limit_sell_fills_in_three_parts_one_per_price_touch(spot, exchange: PaperExchange) -> None:
    exchange.partial_fills = THIRD  # set at run time, as a test does
    spot.create_order("BTC/USDT", "market", "buy", 0.00301)
    before = locked(exchange, "USDT")[0]
    order = spot.create_order("BTC/USDT", "limit", "sell", 0.003, 30100)
    assert locked(exchange, "BTC") == (D("0.00000699"), D("0.003"))

    exchange.feed.set_price("BTCUSDT", D("30200"))
    for _ in range(3):  # requests without a new touch fill nothing more
        seen = spot.fetch_order(order["id"], "BTC/USDT")["info"]
    assert (seen["status"], seen["executedQty"], seen["cummulativeQuoteQty"]) == (
        "PARTIALLY_FILLED", "0.00100000", "30.10000000")
    assert [o["info"]["status"] for o in spot.fetch_open_orders("BTC/USDT")] == ["PARTIALLY_FILLED"]
    assert locked(exchange, "BTC") == (D("0.00000699"), D("0.002"))
    assert locked(exchange, "USDT")[0] == before + D("30.1") - D("0.0301")

    exchange.feed.set_price("BTCUSDT", D("30150"))
    exchange.feed.set_price("BTCUSDT", D("30300"))
    done = spot.fetch_order(order["id"], "BTC/USDT")["info"]
    assert (done["status"], done["executedQty"], done["cummulativeQuoteQty"]) == (
        "FILLED", "0.00300000", "90.30000000")
    fills = trades_of(spot, order["id"])
    assert [(f["qty"], f["price"], f["commission"], f["commissionAsset"], f["isMaker"]) for f in fills] == [
        ("0.00100000", "30100.00000000", "0.03010000", "USDT", True)] * 3
    assert len({f["id"] for f in fills}) == 3
    assert locked(exchange, "BTC") == (D("0.00000699"), 0)
    assert locked(exchange, "USDT")[0] == before + D("90.3") - D("0.0903")
    assert spot.fetch_open_orders("BTC/USDT") == []


def test_a_partly_filled_limit_buy_cancelled_keeps_its_fill_and_releases_the_rest(spot, exchange) -> None:
    exchange.partial_fills = D("0.25")
    order = spot.create_order("BTC/USDT", "limit", "buy", 0.004, 29900)
    assert locked(exchange, "USDT") == (D("10000") - D("119.6"), D("119.6"))
    exchange.feed.set_price("BTCUSDT", D("29800"))
    cancelled = spot.cancel_order(order["id"], "BTC/USDT")["info"]
    assert (cancelled["status"], cancelled["executedQty"], cancelled["cummulativeQuoteQty"]) == (
        "CANCELED", "0.00100000", "29.90000000")
    assert locked(exchange, "USDT") == (D("10000") - D("29.9"), 0)
    assert locked(exchange, "BTC") == (D("0.001") - D("0.000001"), 0)  # commission in the bought asset
    assert [f["commission"] for f in trades_of(spot, order["id"])] == ["0.00000100"]


def test_market_orders_and_orders_crossing_when_placed_still_fill_at_once(spot, exchange) -> None:
    exchange.partial_fills = D("0.1")
    market = spot.create_order("BTC/USDT", "market", "buy", 0.003)
    crossing = spot.create_order("BTC/USDT", "limit", "sell", 0.002, 29000)
    for order in (market, crossing):
        assert spot.fetch_order(order["id"], "BTC/USDT")["info"]["status"] == "FILLED"
        assert len(trades_of(spot, order["id"])) == 1


def test_an_oco_leg_partly_filled_expires_the_other_and_rests_until_filled(spot, exchange) -> None:
    exchange.partial_fills = D("0.5")
    spot.create_order("BTC/USDT", "market", "buy", 0.01)
    result = spot.private_post_orderlist_oco({
        "symbol": "BTCUSDT", "side": "SELL", "quantity": "0.004", "aboveType": "LIMIT_MAKER", "abovePrice": "31000",
        "belowType": "STOP_LOSS_LIMIT", "belowStopPrice": "29000", "belowPrice": "28900", "belowTimeInForce": "GTC"})
    take_profit, stop = (str(o["orderId"]) for o in result["orders"])
    exchange.feed.set_price("BTCUSDT", D("31100"))
    tp, sl = (spot.fetch_order(i, "BTC/USDT")["info"] for i in (take_profit, stop))
    assert (tp["status"], tp["executedQty"], sl["status"]) == ("PARTIALLY_FILLED", "0.00200000", "EXPIRED")
    listed = spot.private_get_orderlist({"orderListId": result["orderListId"]})
    assert (listed["listStatusType"], listed["listOrderStatus"]) == ("EXEC_STARTED", "EXECUTING")
    assert locked(exchange, "BTC") == (D("0.00599"), D("0.002"))  # the rest is still locked once

    exchange.feed.set_price("BTCUSDT", D("31050"))
    tp = spot.fetch_order(take_profit, "BTC/USDT")["info"]
    assert (tp["status"], tp["executedQty"], tp["cummulativeQuoteQty"]) == ("FILLED", "0.00400000", "124.00000000")
    listed = spot.private_get_orderlist({"orderListId": result["orderListId"]})
    assert (listed["listStatusType"], listed["listOrderStatus"]) == ("ALL_DONE", "ALL_DONE")
    assert [f["commission"] for f in trades_of(spot, take_profit)] == ["0.06200000", "0.06200000"]
    assert trades_of(spot, stop) == []
    assert locked(exchange, "BTC") == (D("0.00599"), 0)


def test_a_triggered_stop_limit_leg_fills_in_parts_and_cancelling_it_ends_the_list(spot, exchange) -> None:
    exchange.partial_fills = D("0.5")
    spot.create_order("BTC/USDT", "market", "buy", 0.01)
    result = spot.private_post_orderlist_oco({
        "symbol": "BTCUSDT", "side": "SELL", "quantity": "0.004", "aboveType": "LIMIT_MAKER", "abovePrice": "31000",
        "belowType": "STOP_LOSS_LIMIT", "belowStopPrice": "29000", "belowPrice": "28900", "belowTimeInForce": "GTC"})
    take_profit, stop = (str(o["orderId"]) for o in result["orders"])
    exchange.feed.set_price("BTCUSDT", D("28950"))
    tp, sl = (spot.fetch_order(i, "BTC/USDT")["info"] for i in (take_profit, stop))
    assert (tp["status"], sl["status"], sl["executedQty"]) == ("EXPIRED", "PARTIALLY_FILLED", "0.00200000")
    assert [f["isMaker"] for f in trades_of(spot, stop)] == [False]  # the part at the trigger takes
    cancelled = spot.cancel_order(stop, "BTC/USDT")["info"]
    assert (cancelled["status"], cancelled["executedQty"]) == ("CANCELED", "0.00200000")
    listed = spot.private_get_orderlist({"orderListId": result["orderListId"]})
    assert listed["listOrderStatus"] == "ALL_DONE"
    assert locked(exchange, "BTC") == (D("0.00799"), 0)


def test_a_futures_limit_order_moves_the_position_per_part(futures, exchange) -> None:
    exchange.partial_fills = THIRD
    order = futures.create_order("BTC/USDT:USDT", "limit", "buy", 0.009, 29900)
    wallet = exchange.futures.wallet
    exchange.feed.set_price("BTCUSDT", D("29850"))
    seen = futures.fetch_order(order["id"], "BTC/USDT:USDT")["info"]
    assert (seen["status"], seen["executedQty"], seen["avgPrice"]) == ("PARTIALLY_FILLED", "0.003", "29900")
    assert exchange.futures.positions["BTCUSDT"].amount == D("0.003")
    exchange.feed.set_price("BTCUSDT", D("29800"))
    futures.cancel_order(order["id"], "BTC/USDT:USDT")
    final = futures.fetch_order(order["id"], "BTC/USDT:USDT")["info"]
    assert (final["status"], final["executedQty"], final["cumQuote"]) == ("CANCELED", "0.006", "179.4")
    fills = [t["info"] for t in futures.fetch_my_trades("BTC/USDT:USDT", params={"orderId": order["id"]})]
    assert [(f["qty"], f["commission"], f["maker"]) for f in fills] == [("0.003", "0.01794000", True)] * 2
    risk = futures.fapiPrivateV2GetPositionRisk({"symbol": "BTCUSDT"})[0]
    assert (risk["positionAmt"], risk["entryPrice"]) == ("0.006", "29900")
    assert exchange.futures.wallet == wallet - 2 * D("0.01794")


def test_a_partly_filled_order_survives_a_restart(tmp_path: Path, spot_rules: Path, futures_rules: Path) -> None:
    first = start(tmp_path, spot_rules, futures_rules)
    first.partial_fills = D("0.5")
    spot, _ = clients(first)
    order = spot.create_order("BTC/USDT", "limit", "buy", 0.002, 29900)
    first.feed.set_price("BTCUSDT", D("29800"))
    first.stop()

    second = PaperExchange(data_dir=tmp_path, spot_rules=spot_rules, futures_rules=futures_rules,
                           api_key=KEY, api_secret=SECRET, partial_fills=D("0.5"))
    second.feed.set_price("BTCUSDT", D("30000"))
    second.start()
    try:
        spot, _ = clients(second)
        again = spot.fetch_order(order["id"], "BTC/USDT")["info"]
        assert (again["status"], again["executedQty"]) == ("PARTIALLY_FILLED", "0.00100000")
        assert locked(second, "USDT")[1] == D("29.9")
        second.feed.set_price("BTCUSDT", D("29850"))
        done = spot.fetch_order(order["id"], "BTC/USDT")["info"]
        assert (done["status"], done["cummulativeQuoteQty"]) == ("FILLED", "59.80000000")
        assert locked(second, "USDT") == (D("10000") - D("59.8"), 0)
        assert len(trades_of(spot, order["id"])) == 2
    finally:
        second.stop()


@pytest.mark.parametrize("fraction", [D(0), D("-0.5"), D("1.5"), D("NaN"), "half"])
def test_a_fraction_outside_zero_to_one_is_refused_with_the_fix(exchange, fraction) -> None:
    with pytest.raises(ConfigError, match="above 0 and at most 1"):
        exchange.partial_fills = fraction


def test_the_command_line_flag() -> None:
    assert build_parser().parse_args(["--partial-fills", "0.25"]).partial_fills == D("0.25")
    assert build_parser().parse_args([]).partial_fills is None
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--partial-fills", "2"])
