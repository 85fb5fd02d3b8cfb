"""FIFO and futures PnL, checked against numbers worked out by hand."""
from __future__ import annotations

from decimal import Decimal

import pytest

from console.domain import Market, Side
from console.errors import InvalidInput
from console.storage import trades
from console.storage.db import Database
from console.storage.pnl import Lot

from .conftest import make_trade

B, S = Side.BUY, Side.SELL

# (side, quantity, price, commission, commission asset, commission in quote) -> expected pnl per trade
CASES = {
    "fee in quote both ways": (
        [(B, "1", "100", "0.1", "USDT", None), (S, "1", "110", "0.11", "USDT", None)],
        # lot cost 100 + 0.1; proceeds 110 - 0.11
        ["0", "9.79"],
    ),
    "partial sells of one lot": (
        [(B, "2", "100", "0", "USDT", None), (S, "0.5", "120", "0", "USDT", None), (S, "1.5", "90", "0", "USDT", None)],
        # 60 - 200 x 0.5/2 = 10; then 135 - 150 = -15
        ["0", "10", "-15"],
    ),
    "one sell across several lots": (
        [(B, "1", "100", "0", "USDT", None), (B, "1", "200", "0", "USDT", None), (S, "1.5", "300", "0", "USDT", None),
         (S, "0.5", "300", "0", "USDT", None)],
        # 450 - (100 + 200 x 0.5) = 250; then 150 - 100 = 50
        ["0", "0", "250", "50"],
    ),
    "fee in base shrinks the lot": (
        [(B, "1", "100", "0.001", "BTC", None), (S, "0.999", "110", "0", "USDT", None)],
        # lot 0.999 BTC for 100; 109.89 - 100
        ["0", "9.89"],
    ),
    "fee in base on a partial sell": (
        [(B, "1", "100", "0.001", "BTC", None), (S, "0.5", "110", "0.055", "USDT", None)],
        # 54.945 - 100 x 0.5/0.999
        ["0", str(Decimal("54.945") - (Decimal(100) * Decimal("0.5") / Decimal("0.999")).quantize(Decimal("1e-18")))],
    ),
    "fees in BNB valued at the fill": (
        [(B, "1", "100", "0.0002", "BNB", "0.075"), (S, "1", "110", "0.00025", "BNB", "0.0825")],
        # lot cost 100.075; proceeds 110 - 0.0825 = 109.9175
        ["0", "9.8425"],
    ),
    "selling more than the lots counts the matched share only": (
        [(B, "1", "100", "0", "USDT", None), (S, "2", "110", "0", "USDT", None)],
        # half of 220 against the lot's 100
        ["0", "10"],
    ),
    "a sell with no lots realises nothing": (
        [(S, "1", "110", "0.11", "USDT", None)],
        ["0"],
    ),
}


@pytest.mark.parametrize("fills, expected", CASES.values(), ids=CASES.keys())
def test_spot_fifo(fills: list[tuple], expected: list[str]) -> None:
    db = Database.open(":memory:")
    cur = db.cursor()
    got = []
    for n, (side, qty, price, fee, asset, fee_quote) in enumerate(fills):
        trade = make_trade(n, side, qty, price, commission=fee, commission_asset=asset, commission_quote=fee_quote)
        got.append(trades.record_with_pnl(cur, trade)[1].pnl)
    assert got == [Decimal(e) for e in expected]
    stored = [t.pnl for t in trades.for_bot(cur, 1)]
    assert stored == got
    db.close()


def test_lots_left_after_partial_sells(db: Database) -> None:
    cur = db.cursor()
    for n, (side, qty, price) in enumerate([(B, "1", "100"), (B, "1", "200"), (S, "1.5", "300")]):
        trades.record(cur, make_trade(n, side, qty, price))
    assert trades.open_lots(cur, make_trade(0, B, "1", "1").venue, "paper", 1, "BTC/USDT") == [Lot(Decimal("0.5"), Decimal(100))]


def test_lots_are_kept_per_bot_and_symbol(db: Database) -> None:
    cur = db.cursor()
    trades.record(cur, make_trade(1, B, "1", "100", bot_id=1))
    trades.record(cur, make_trade(2, B, "1", "10", bot_id=1, symbol="ETH/USDT"))
    _, other_bot = trades.record_with_pnl(cur, make_trade(3, S, "1", "150", bot_id=2))
    _, same_bot = trades.record_with_pnl(cur, make_trade(4, S, "1", "150", bot_id=1))
    assert other_bot.pnl == 0
    assert same_bot.pnl == Decimal(50)


@pytest.mark.parametrize(
    "realized, commission, expected",
    [("12.5", "0.3", "12.2"), ("0", "0.05", "-0.05"), ("-7", "0.5", "-7.5")],
)
def test_futures_pnl_is_realised_minus_commission(db: Database, realized: str, commission: str, expected: str) -> None:
    trade = make_trade(1, S, "1", "100", commission=commission, realized_pnl=realized, market=Market.FUTURES)
    _, stored = trades.record_with_pnl(db.cursor(), trade)
    assert stored.pnl == Decimal(expected)
    assert stored.commission_quote == Decimal(commission)


def test_commission_in_another_asset_needs_its_quote_value(db: Database) -> None:
    trade = make_trade(1, B, "1", "100", commission="0.0002", commission_asset="BNB")
    with pytest.raises(InvalidInput, match="commission_quote"):
        trades.record(db.cursor(), trade)
    assert trades.for_bot(db.cursor(), 1) == []


def test_commission_in_base_is_valued_at_the_fill_price(db: Database) -> None:
    _, stored = trades.record_with_pnl(db.cursor(), make_trade(1, B, "1", "100", commission="0.001", commission_asset="BTC"))
    assert stored.commission_quote == Decimal("0.1")
