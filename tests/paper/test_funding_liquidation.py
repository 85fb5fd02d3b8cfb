"""USD-M funding and liquidation on the paper exchange, over real HTTP through ccxt.

The exchange runs on a manual clock (started at the real time, so ccxt's signatures are fresh);
prices are pinned. Expected figures are worked out by hand from Binance's formulas (see
console/futures_model.py): funding = amount x mark x rate; isolated liquidation price
LP = (isolated wallet + cum - side x size x entry) / (size x MMR - side x size), BTCUSDT's first
bracket MMR 0.4 %, cum 0.
"""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest

from console.clock import ManualClock
from console.domain import Market
from console.exchange.connect import make_ccxt
from console.paper import PaperExchange
from console.paper.feed import ReplayFeed, SyntheticFeed
from console.paper.settlement import income_rows

KEY, SECRET = "test-key", "test-secret"
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
EIGHT_HOURS = 8 * 3600


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def paper(clock: ManualClock, spot_rules: Path, futures_rules: Path, tmp_path: Path) -> Iterator[PaperExchange]:
    feed = SyntheticFeed(clock=clock)
    ex = PaperExchange(data_dir=tmp_path / "paper", spot_rules=spot_rules, futures_rules=futures_rules,
                       feed=feed, api_key=KEY, api_secret=SECRET, clock=clock, sleep=clock.sleep)
    feed.set_price("BTCUSDT", D("30000"))
    feed.set_price("ETHUSDT", D("2000"))
    ex.start()
    yield ex
    ex.stop()


@pytest.fixture
def client(paper: PaperExchange) -> Any:
    c = make_ccxt(Market.FUTURES, base_url=paper.base_url, api_key=KEY, api_secret=SECRET, timeout_ms=3000)
    c.load_markets()
    return c


def advance(clock: ManualClock, client: Any, seconds: float) -> None:
    """Move the exchange's time; ccxt signs with the new offset."""
    clock.advance(seconds)
    client.load_time_difference()


def to_next_funding(clock: ManualClock, client: Any, after: float = 60) -> int:
    """Move just past the next funding time (00:00, 08:00, 16:00 UTC) and return it in ms."""
    at = (int(clock() * 1000) // 28_800_000 + 1) * 28_800_000
    advance(clock, client, at / 1000 - clock() + after)
    return at


def wallet(client: Any) -> D:
    return D(client.fapiprivatev2_get_account()["totalWalletBalance"])


def risk(client: Any, symbol: str) -> dict[str, Any]:
    return client.fapiprivatev2_get_positionrisk({"symbol": symbol})[0]


def test_a_long_pays_and_a_short_receives_funding_at_the_funding_time(paper, client, clock):
    client.set_margin_mode("isolated", BTC)
    client.set_leverage(10, BTC)
    client.create_order(BTC, "market", "buy", 0.01)  # at 30001.50
    client.create_order(ETH, "market", "sell", 0.1)  # at 1999.90, cross margin
    before = wallet(client)
    isolated = D(risk(client, "BTCUSDT")["isolatedWallet"])
    assert client.fetch_funding_history(BTC) == []
    at = to_next_funding(clock, client)
    paid = client.fetch_funding_history(BTC)
    received = client.fetch_funding_history(ETH)
    # 0.01 BTC x mark 30000 x 0.0001 paid by the long; 0.1 ETH x 2000 x 0.0001 received by the short
    assert [(p["amount"], p["timestamp"], p["code"]) for p in paid] == [(-0.03, at, "USDT")]
    assert [(p["amount"], p["timestamp"]) for p in received] == [(0.02, at)]
    assert paid[0]["info"]["incomeType"] == "FUNDING_FEE" and paid[0]["info"]["income"] == "-0.03000000"
    assert wallet(client) == before - D("0.03") + D("0.02")
    assert D(risk(client, "BTCUSDT")["isolatedWallet"]) == isolated - D("0.03")  # out of the isolated margin


def test_funding_is_paid_once_per_funding_time_and_not_before_the_position(paper, client, clock):
    to_next_funding(clock, client)  # a funding time passes while flat: nothing to pay
    client.create_order(BTC, "market", "sell", 0.01)
    advance(clock, client, 2 * EIGHT_HOURS)  # two funding times in one jump
    client.fetch_balance()
    client.fetch_balance()  # asking again pays nothing twice
    rows = client.fapiprivate_get_income({"incomeType": "FUNDING_FEE"})
    assert [(r["symbol"], r["income"]) for r in rows] == [("BTCUSDT", "0.03000000")] * 2
    assert rows[1]["time"] - rows[0]["time"] == EIGHT_HOURS * 1000
    client.create_order(BTC, "market", "buy", 0.01, None, {"reduceOnly": True})
    advance(clock, client, EIGHT_HOURS)
    assert len(client.fapiprivate_get_income({"incomeType": "FUNDING_FEE"})) == 2  # flat: no more


def test_income_lists_realized_pnl_and_commission_as_binance_does(paper, client):
    client.create_order(BTC, "market", "buy", 0.01)  # 30001.50, fee 0.1500075
    paper.feed.set_price("BTCUSDT", D("31000"))
    client.create_order(BTC, "market", "sell", 0.01, None, {"reduceOnly": True})  # bid 30998.45 on the tick: 30998.4
    rows = client.fapiprivate_get_income({"symbol": "BTCUSDT"})
    kinds = [(r["incomeType"], r["income"]) for r in rows]
    assert kinds == [("COMMISSION", "-0.15000750"), ("REALIZED_PNL", "9.96900000"), ("COMMISSION", "-0.15499200")]
    assert all(r["asset"] == "USDT" and r["tradeId"] for r in rows)
    with pytest.raises(Exception, match="-1130|-1104|incomeType"):
        client.fapiprivate_get_income({"incomeType": "FUNDING"})


def test_an_isolated_long_is_liquidated_at_its_liquidation_price_losing_its_margin(paper, client):
    client.set_margin_mode("isolated", BTC)
    client.set_leverage(50, BTC)
    client.create_order(BTC, "market", "buy", 0.01)  # at 30001.50: margin 6.0003, fee 0.1500075
    client.create_order(BTC, "market", "sell", 0.01, None, {"reduceOnly": True, "takeProfitPrice": 31000})
    client.create_order(BTC, "market", "sell", 0.01, None, {"reduceOnly": True, "stopLossPrice": 29000})
    after_entry = wallet(client)
    # (6.0003 + 0 - 0.01 x 30001.5) / (0.01 x 0.004 - 0.01) = 29519.548192771...
    assert risk(client, "BTCUSDT")["liquidationPrice"] == "29519.54819277"
    paper.feed.set_price("BTCUSDT", D("29519.6"))
    assert D(risk(client, "BTCUSDT")["positionAmt"]) == D("0.01")  # not reached yet
    paper.feed.set_price("BTCUSDT", D("29500"))
    position = risk(client, "BTCUSDT")
    assert D(position["positionAmt"]) == 0 and D(position["isolatedWallet"]) == 0
    assert wallet(client) == after_entry - D("6.0003")  # the whole isolated margin is lost
    assert client.fapiprivate_get_openalgoorders({"symbol": "BTCUSDT"}) == []  # take profit and stop gone
    algos = client.fapiprivate_get_allalgoorders({"symbol": "BTCUSDT"})
    assert {a["algoStatus"] for a in algos} == {"CANCELED"}
    [forced] = [o for o in client.fapiprivate_get_allorders({"symbol": "BTCUSDT"})
                if o["clientOrderId"].startswith("autoclose-")]
    assert (forced["type"], forced["timeInForce"], forced["side"], forced["status"]) == ("LIMIT", "IOC", "SELL", "FILLED")
    assert D(forced["avgPrice"]) == D("29519.5") and D(forced["executedQty"]) == D("0.01")
    trade = client.fapiprivate_get_usertrades({"symbol": "BTCUSDT"})[-1]
    assert D(trade["realizedPnl"]) == D("-4.82") and D(trade["commission"]) == 0  # (29519.5 - 30001.5) x 0.01
    clear = client.fapiprivate_get_income({"incomeType": "INSURANCE_CLEAR"})
    assert [r["income"] for r in clear] == ["-1.18030000"]  # the maintenance margin left: 6.0003 - 4.82
    assert client.fetch_positions([BTC]) == [] or all(p["contracts"] == 0 for p in client.fetch_positions([BTC]))
    [listed] = client.fapiprivate_get_forceorders({"symbol": "BTCUSDT", "autoCloseType": "LIQUIDATION"})
    assert listed["clientOrderId"] == forced["clientOrderId"] and listed["cumQuote"] == "295.195"
    assert client.fapiprivate_get_forceorders({"autoCloseType": "ADL"}) == []


def test_an_isolated_short_is_liquidated_when_the_mark_price_reaches_it(paper, client):
    client.set_margin_mode("isolated", BTC)
    client.set_leverage(25, BTC)
    client.create_order(BTC, "market", "sell", 0.01)  # at 29998.50: margin 11.9994
    # (11.9994 + 0 + 0.01 x 29998.5) / (0.01 x 0.004 + 0.01) = 31074.143426294...
    assert risk(client, "BTCUSDT")["liquidationPrice"] == "31074.14342629"
    paper.set_mark_price("BTCUSDT", D("31074.1"))
    assert D(risk(client, "BTCUSDT")["positionAmt"]) == D("-0.01")  # not reached yet
    paper.set_mark_price("BTCUSDT", D("31080"))  # the mark, not the last price, liquidates
    assert D(risk(client, "BTCUSDT")["positionAmt"]) == 0
    trade = client.fapiprivate_get_usertrades({"symbol": "BTCUSDT"})[-1]
    assert (trade["side"], D(trade["price"])) == ("BUY", D("31074.2"))  # on the tick, against the short


def test_a_stop_before_the_liquidation_price_fires_first(paper, client):
    client.set_margin_mode("isolated", BTC)
    client.set_leverage(50, BTC)
    client.create_order(BTC, "market", "buy", 0.01)  # liquidation price 29519.548...
    client.create_order(BTC, "market", "sell", 0.01, None, {"reduceOnly": True, "stopLossPrice": 29600})
    paper.feed.set_price("BTCUSDT", D("29500"))  # one jump past both
    orders = client.fapiprivate_get_allorders({"symbol": "BTCUSDT"})
    assert not any(o["clientOrderId"].startswith("autoclose-") for o in orders)
    assert D(risk(client, "BTCUSDT")["positionAmt"]) == 0
    assert client.fapiprivate_get_income({"incomeType": "INSURANCE_CLEAR"}) == []


def test_a_cross_position_is_not_liquidated(paper, client):
    client.set_leverage(50, BTC)
    client.create_order(BTC, "market", "buy", 0.01)
    paper.feed.set_price("BTCUSDT", D("29000"))
    assert D(risk(client, "BTCUSDT")["positionAmt"]) == D("0.01")


def test_funding_and_liquidation_records_survive_a_restart(paper, client, clock, spot_rules, futures_rules, tmp_path):
    client.set_margin_mode("isolated", BTC)
    client.set_leverage(50, BTC)
    client.create_order(BTC, "market", "buy", 0.01)
    to_next_funding(clock, client)
    paper.feed.set_price("BTCUSDT", D("29000"))
    assert D(risk(client, "BTCUSDT")["positionAmt"]) == 0
    kinds = [r["incomeType"] for r in client.fapiprivate_get_income({})]
    paper.stop()
    again = PaperExchange(data_dir=tmp_path / "paper", spot_rules=spot_rules, futures_rules=futures_rules,
                          feed=paper.feed, api_key=KEY, api_secret=SECRET, clock=clock, sleep=clock.sleep)
    assert [r["incomeType"] for r in income_rows(again.futures)] == kinds
    assert "FUNDING_FEE" in kinds and "INSURANCE_CLEAR" in kinds
    again.store.close()


def test_a_replay_pays_and_reports_the_recorded_funding_rates(clock, spot_rules, futures_rules, shared_data):
    candles = shared_data / "candles" / "binance_spot_BTCUSDT_6h.csv"
    rates = shared_data / "candles" / "binance_usdm_BTCUSDT_funding_rate.csv"
    anchor = 289  # the candle of 2020-09-15 00:00, when the recorded rates of the file resume
    feed = ReplayFeed(candles, speed=1, clock=clock, history=anchor, funding=rates)
    ex = PaperExchange(spot_rules=spot_rules, futures_rules=futures_rules, feed=feed, api_key=KEY,
                       api_secret=SECRET, clock=clock, sleep=clock.sleep)
    ex.start()
    try:
        client = make_ccxt(Market.FUTURES, base_url=ex.base_url, api_key=KEY, api_secret=SECRET, timeout_ms=3000)
        client.load_markets()
        client.create_order(BTC, "market", "buy", 0.01)
        advance(clock, client, 9 * 3600)  # past the recorded 2020-09-15 08:00:00.010 funding
        funded = 1_600_156_800_010 + feed.shift_ms
        [paid] = client.fetch_funding_history(BTC)
        mark = (feed.price_at("BTCUSDT", funded) / D("0.1")).to_integral_value(rounding="ROUND_FLOOR") * D("0.1")
        assert paid["timestamp"] == funded
        assert D(paid["info"]["income"]) == (-D("0.01") * mark * D("-0.00002796")).quantize(D("0.00000001"))
        history = client.fetch_funding_rate_history(BTC, since=funded - 1)
        assert [(h["timestamp"], h["fundingRate"]) for h in history][:1] == [(funded, -0.00002796)]
    finally:
        ex.stop()
