"""Resting orders trade against the price path between two looks, not only the price at the look."""
from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

from console.paper import PaperExchange, ReplayFeed
from console.paper.routes import ROUTES

D = Decimal


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def setup(shared_data: Path, pick) -> tuple[PaperExchange, Clock, dict[str, str], dict[str, str]]:
    path = shared_data / "candles" / "binance_spot_BTCUSDT_1h.csv"
    rows = list(csv.DictReader(path.open()))
    index = next(i for i in range(100, len(rows) - 1) if pick(rows[i], rows[i + 1]))
    clock = Clock(1_780_000_000 - 1_780_000_000 % 3600)
    exchange = PaperExchange(feed=ReplayFeed(path, speed=1.0, clock=clock, history=index),
                             starting_balances={"spot": {"USDT": D("100000"), "BTC": D("1")}})
    return exchange, clock, rows[index], rows[index + 1]


def send(exchange: PaperExchange, method: str, path: str, **params: str) -> dict:
    return exchange.handle(method, path, ROUTES[(method, path)], params)


def test_limit_sell_fills_at_the_candle_high_passed_between_looks(shared_data: Path) -> None:
    def pick(row: dict[str, str], nxt: dict[str, str]) -> bool:
        return float(row["high"]) - 50 > max(float(row["open"]), float(nxt["open"]), float(row["close"])) * 1.001

    exchange, clock, candle, _ = setup(shared_data, pick)
    price = str((D(candle["high"]) - 50).quantize(D("0.01")))
    order = send(exchange, "POST", "/api/v3/order", symbol="BTCUSDT", side="SELL", type="LIMIT",
                 timeInForce="GTC", quantity="0.01", price=price)
    assert order["status"] == "NEW"
    clock.now += 3600  # one whole candle later: the price is back below the limit
    assert exchange.feed.price("BTCUSDT") < D(price)
    exchange.match()
    filled = send(exchange, "GET", "/api/v3/order", symbol="BTCUSDT", orderId=str(order["orderId"]))
    assert (filled["status"], filled["cummulativeQuoteQty"]) == ("FILLED", f"{D(price) * D('0.01'):.8f}")


def test_stop_loss_limit_fires_at_its_stop_on_a_continuous_path(shared_data: Path) -> None:
    def pick(row: dict[str, str], nxt: dict[str, str]) -> bool:
        return float(row["low"]) + 50 < min(float(row["open"]), float(nxt["open"]), float(row["close"])) * 0.999

    exchange, clock, candle, _ = setup(shared_data, pick)
    stop = (D(candle["low"]) + 50).quantize(D("0.01"))
    send(exchange, "POST", "/api/v3/order", symbol="BTCUSDT", side="SELL", type="STOP_LOSS_LIMIT", timeInForce="GTC",
         quantity="0.01", stopPrice=str(stop), price=str(stop - 100), newClientOrderId="stop-1")
    clock.now += 3600
    exchange.match()
    order = send(exchange, "GET", "/api/v3/order", symbol="BTCUSDT", origClientOrderId="stop-1")
    bid_at_stop = (stop * (1 - D("0.00005"))).quantize(D("0.01"), rounding="ROUND_DOWN")
    assert order["status"] == "FILLED"
    assert D(order["cummulativeQuoteQty"]) == bid_at_stop * D("0.01")


def test_a_pinned_price_gaps_through_a_stop_limit(spot, exchange) -> None:
    spot.create_order("BTC/USDT", "market", "buy", 0.01)
    stop = spot.create_order("BTC/USDT", "limit", "sell", 0.005, 28900, {"stopLossPrice": 29000})
    exchange.feed.set_price("BTCUSDT", D("28000"))  # jumps below the limit: triggered, not filled
    assert spot.fetch_order(stop["id"], "BTC/USDT")["status"] == "open"
    exchange.feed.set_price("BTCUSDT", D("28950"))
    assert spot.fetch_order(stop["id"], "BTC/USDT")["average"] == 28900.0  # a resting limit fills at its price
