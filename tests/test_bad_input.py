"""Bad input across the facade, the bot form, the order ticket, settings and the environment.

Each case must raise a ConsoleError whose message says the fix, write nothing (no bot, no
journal entry, no trade, no order at the exchange) and leave the engine running.
"""
from __future__ import annotations

from collections.abc import Callable

import pytest

from console.config import load_settings
from console.errors import ConsoleError
from console.service import Console
from console.storage.db import Database


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    c = Console(load_settings({"CONSOLE_DATA_DIR": str(tmp_path_factory.mktemp("bad-input"))}))
    c.bots.create(bot(name="taken"))
    yield c
    c.close()


def bot(**overrides) -> dict:
    form = {"name": "ok", "symbol": "BTC/USDT", "strategy": "ma_cross", "size": "50"}
    form.update(overrides)
    return form


def futures(**overrides) -> dict:
    return bot(market="futures", **overrides)


def ticket(**overrides) -> dict:
    form = {"market": "spot", "symbol": "BTC/USDT", "side": "buy", "amount": "0.001"}
    form.update(overrides)
    return form


Case = tuple[str, Callable[[Console], object], str]

CASES: list[Case] = [
    # the bot form
    ("negative size", lambda c: c.bots.create(bot(size="-5")), "must be a positive number"),
    ("NaN size", lambda c: c.bots.create(bot(size="NaN")), "not a finite number"),
    ("infinite size", lambda c: c.bots.create(bot(size="inf")), "not a finite number"),
    ("malformed size", lambda c: c.bots.create(bot(size="12,5")), "write it like 0.001"),
    ("size below the minimum notional", lambda c: c.bots.create(bot(size="1")), "at least"),
    ("unknown symbol", lambda c: c.bots.create(bot(symbol="FOO/USDT")), "pick a listed symbol"),
    ("symbol without a slash", lambda c: c.bots.create(bot(symbol="BTCUSDT")), "must look like BTC/USDT"),
    ("unknown timeframe", lambda c: c.bots.create(bot(timeframe="7m")), "must be one of"),
    ("unknown strategy", lambda c: c.bots.create(bot(strategy="macd")), "use one of"),
    ("fast period above slow", lambda c: c.bots.create(bot(params={"fast": 50, "slow": 20})), "lower fast or raise slow"),
    ("period not a number", lambda c: c.bots.create(bot(strategy="rsi", params={"period": "abc"})), "write e.g."),
    ("oversold above overbought",
     lambda c: c.bots.create(bot(strategy="rsi", params={"oversold": 80, "overbought": 20})), "below"),
    ("unknown strategy parameter", lambda c: c.bots.create(bot(params={"fats": 3})), "use fast, slow"),
    ("take profit over 100 %", lambda c: c.bots.create(bot(take_profit_pct="150")), "between 0 and 100"),
    ("negative stop loss", lambda c: c.bots.create(bot(stop_loss_pct="-1")), "between 0 and 100"),
    ("fraction sizing above 1", lambda c: c.bots.create(bot(sizing="balance_fraction", size="5")), "(0, 1]"),
    ("risk sizing without a stop", lambda c: c.bots.create(bot(sizing="risk_per_trade", size="0.01")), "needs a stop-loss"),
    ("unknown sizing", lambda c: c.bots.create(bot(sizing="martingale")), "is not one of"),
    ("empty name", lambda c: c.bots.create(bot(name="  ")), "give the bot a name"),
    ("duplicate name", lambda c: c.bots.create(bot(name="taken")), "choose another name"),
    ("leverage on spot", lambda c: c.bots.create(bot(leverage="3")), "futures only"),
    ("leverage zero", lambda c: c.bots.create(futures(leverage="0")), "between 1 and 125"),
    ("leverage 200", lambda c: c.bots.create(futures(leverage="200")), "between 1 and 125"),
    ("leverage not a number", lambda c: c.bots.create(futures(leverage="x")), "whole number"),
    ("short on spot", lambda c: c.bots.create(bot(allow_short=True)), "cannot go short"),
    ("unknown market", lambda c: c.bots.create(bot(market="options")), "is not one of"),
    ("zero trades a day", lambda c: c.bots.create(bot(max_trades_per_day="0")), "at least 1"),
    ("negative daily loss", lambda c: c.bots.create(bot(max_daily_loss="-10")), "positive amount"),
    ("unknown setting", lambda c: c.bots.create(bot(colour="blue")), "remove them"),
    # the order ticket
    ("negative amount", lambda c: c.orders.place(**ticket(amount="-1")), "above zero"),
    ("zero amount", lambda c: c.orders.place(**ticket(amount="0")), "above zero"),
    ("NaN amount", lambda c: c.orders.place(**ticket(amount="nan")), "finite number"),
    ("amount not a number", lambda c: c.orders.place(**ticket(amount="abc")), "write it like"),
    ("below the minimum quantity", lambda c: c.orders.place(**ticket(amount="0.0000001")), "buy at least"),
    ("quote amount below the minimum notional", lambda c: c.orders.place(**ticket(amount="1", amount_in="quote")), "at least"),
    ("ticket on an unknown symbol", lambda c: c.orders.place(**ticket(symbol="NOPE/USDT")), "pick a listed symbol"),
    ("buy more than the balance pays for", lambda c: c.orders.place(**ticket(amount="5")), "USDT"),
    ("sell what is not held", lambda c: c.orders.place(**ticket(side="sell", amount="3")), "BTC"),
    ("futures quantity below the minimum", lambda c: c.orders.place(**ticket(market="futures", amount="0.00001")), "at least"),
    ("futures margin short", lambda c: c.orders.place(**ticket(market="futures", amount="50")), "margin"),
    ("OCO take-profit below the price",
     lambda c: c.orders.place_oco(symbol="BTC/USDT", quantity="0.001", take_profit="1", stop_loss="0.5"), "take-profit above"),
    ("OCO quantity not a number",
     lambda c: c.orders.place_oco(symbol="BTC/USDT", quantity="x", take_profit="1", stop_loss="0.5"), "write it like"),
    ("leverage out of the bracket", lambda c: c.orders.set_leverage("BTC/USDT", 500), "leverage"),
    ("leverage text", lambda c: c.orders.set_leverage("BTC/USDT", "ten"), "whole number"),
    ("close a position that does not exist", lambda c: c.orders.close_position("ETH/USDT"), "no open"),
    # settings
    ("keys for the paper venue", lambda c: c.setup.save_account(name="k", venue="paper", api_key="a" * 64, api_secret="b" * 64),
     "pick demo or live"),
    ("unknown venue for keys", lambda c: c.setup.save_account(name="k", venue="moon", api_key="a" * 64, api_secret="b" * 64),
     "pick one"),
    ("test keys that were never saved", lambda c: c.setup.test_account("nobody"), "save them first"),
]


def counts(db: Database, exchange) -> tuple[int, ...]:
    cur = db.cursor()
    rows = tuple(cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("bots", "orders", "trades"))
    return rows + (len(exchange.exchange_orders("spot")), len(exchange.exchange_orders("futures")))


def test_the_table_has_forty_cases_or_more():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name, action, fix", CASES, ids=[c[0] for c in CASES])
def test_bad_input_says_the_fix_and_writes_nothing(console, name, action, fix):
    before = counts(console.db, console.paper.exchange)
    with pytest.raises(ConsoleError) as caught:
        action(console)
    assert fix in str(caught.value), f"{name}: {caught.value}"
    assert counts(console.db, console.paper.exchange) == before
    assert console.engine.running


@pytest.mark.parametrize(
    "env, fix",
    [
        ({"CONSOLE_VENUE": "moon"}, "use paper, demo or live"),
        ({"CONSOLE_VENUE": "live"}, "CONSOLE_LIVE_CONFIRMED=yes"),
        ({"CONSOLE_PAPER_SPEED": "fast"}, "is not a number"),
        ({"CONSOLE_PAPER_URL": "http://10.1.2.3:8765"}, "on this machine"),
        ({"CONSOLE_CYCLE_SECONDS": "0"}, "between 0.05 and 3600"),
    ],
)
def test_bad_environment_stops_start_with_the_fix(env, fix):
    with pytest.raises(ConsoleError, match=fix):
        load_settings(env)


def test_corrupt_data_file_says_what_to_do(tmp_path):
    (tmp_path / "console.duckdb").write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConsoleError) as caught:
        Console(load_settings({"CONSOLE_DATA_DIR": str(tmp_path)}), start_engine=False)
    assert "console.duckdb" in str(caught.value)
    assert (tmp_path / "console.duckdb").read_bytes().startswith(b"this is not a database")


def test_unreachable_venue_says_so(tmp_path):
    c = Console(load_settings({"CONSOLE_DATA_DIR": str(tmp_path), "CONSOLE_PAPER_URL": "http://127.0.0.1:9"}),
                start_engine=False)
    try:
        with pytest.raises(ConsoleError) as caught:
            c.bots.create(bot())
        assert "nothing answers" in str(caught.value) and "check the connection" in str(caught.value)
        assert c.bots.all() == []
    finally:
        c.close()
