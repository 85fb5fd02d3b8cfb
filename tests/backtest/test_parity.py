"""Parity: the backtest and the real engine on the paper exchange make the same trades.

The paper exchange replays a real candle file; the engine runs one cycle per candle on a clock
moved by the test, so it sees every candle close and trades at the next open. The backtest runs
the same bot over the same candles. Both must fill the same orders on the same candles, at the
same prices, for the same quantities and fees.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from console.backtest import run_backtest, symbol_rules
from console.domain import BotConfig, Market
from tests.backtest.conftest import HISTORY

CYCLES = 155  # HISTORY + CYCLES + 1 <= 200: the engine's window always starts at the file's first candle


def config(**overrides) -> BotConfig:
    fields = dict(name="parity", symbol="BTC/USDT", timeframe="1h", strategy="ma_cross",
                  params={"fast": 3, "slow": 8, "ma_type": "sma"}, size=Decimal("100"))
    fields.update(overrides)
    return BotConfig(**fields)


def paper_fills(replay, market: str) -> list[tuple]:
    """(candle, side, quantity, price, fee, fee asset) of every fill on the paper exchange.

    A market order fills at the open of the candle it was sent in; a resting order fills during
    the candle whose range reached it, seen by the match at the next open.
    """
    resting = {o["orderId"] for o in replay.exchange.exchange_orders(market) if o["type"] != "MARKET"}
    if market == "futures":  # a triggered conditional order fills as the market order it places
        resting |= {a.actual_order_id for a in replay.exchange.futures.algos.orders.values()}
    out = []
    for t in replay.exchange.exchange_trades(market):
        candle = replay.candle_of(t["time"]) - (1 if t["orderId"] in resting else 0)
        side = "buy" if t.get("isBuyer", t.get("buyer")) else "sell"
        out.append((candle, side, Decimal(t["qty"]), Decimal(t["price"]), Decimal(t["commission"]),
                    t["commissionAsset"]))
    return out


def backtest_fills(replay, bot: BotConfig, cycles: int) -> list[tuple]:
    candles = replay.candles.iloc[: HISTORY + cycles + 1].reset_index(drop=True)
    run = run_backtest(bot, candles, symbol_rules(bot.symbol, bot.market), warmup=HISTORY)
    return [(f.index, f.side, f.quantity, f.price, f.fee, f.fee_asset) for f in run.fills
            if f.index < HISTORY + cycles]


def observed(fills: list[tuple], cycles: int) -> list[tuple]:
    return [f for f in fills if f[0] < HISTORY + cycles]


SPOT_BOTS = {
    "ma_cross sma": config(),
    "ma_cross sma tp/sl": config(take_profit_pct=Decimal("1"), stop_loss_pct=Decimal("1")),
    "ma_cross sma tp/sl within one candle": config(take_profit_pct=Decimal("0.4"), stop_loss_pct=Decimal("0.4")),
    "rsi": config(strategy="rsi", params={"period": 7, "oversold": 35, "overbought": 65}),
    "bollinger": config(strategy="bollinger", params={"period": 10, "std": 1.5}),
    "dca": config(strategy="dca", params={"interval_hours": 12, "max_entries": 20, "take_profit_pct": 1.5}),
}


@pytest.mark.parametrize("name", list(SPOT_BOTS))
def test_spot_backtest_trades_as_the_engine_on_the_paper_exchange(replay, name):
    bot = SPOT_BOTS[name]
    replay.run_bot(bot, CYCLES)
    paper = observed(paper_fills(replay, "spot"), CYCLES)
    expected = backtest_fills(replay, bot, CYCLES)
    assert len(paper) >= 4, f"{name}: too few trades on the paper exchange to compare"
    assert expected == paper, side_by_side(expected, paper)


def side_by_side(backtest: list[tuple], paper: list[tuple]) -> str:
    rows = [f"{'=' if a == b else '!'} backtest {a}\n  paper    {b}" for a, b in
            zip(backtest + [None] * (len(paper) - len(backtest)), paper + [None] * (len(backtest) - len(paper)))]
    return "fills differ:\n" + "\n".join(rows)


FUTURES_BOTS = {
    "ma_cross long and short": config(market=Market.FUTURES, leverage=3, allow_short=True),
    "ma_cross tp/sl": config(market=Market.FUTURES, leverage=3, allow_short=True,
                             take_profit_pct=Decimal("0.6"), stop_loss_pct=Decimal("0.6")),
}


@pytest.mark.parametrize("name", list(FUTURES_BOTS))
def test_futures_backtest_trades_as_the_engine_on_the_paper_exchange(replay, name):
    bot = FUTURES_BOTS[name]
    replay.run_bot(bot, CYCLES)
    paper = observed(paper_fills(replay, "futures"), CYCLES)
    expected = backtest_fills(replay, bot, CYCLES)
    assert len(paper) >= 4, f"{name}: too few trades on the paper exchange to compare"
    assert expected == paper, side_by_side(expected, paper)


def test_dca_entry_limit_after_a_take_profit(replay):
    bot = config(strategy="dca", params={"interval_hours": 12, "max_entries": 3, "take_profit_pct": 1.5})
    replay.run_bot(bot, CYCLES)
    assert backtest_fills(replay, bot, CYCLES) == observed(paper_fills(replay, "spot"), CYCLES)
