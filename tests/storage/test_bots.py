from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from console.domain import BotConfig, BotState, Market, Sizing, Venue
from console.errors import ConfigError, InvalidInput
from console.storage import bots
from console.storage.db import Database

FULL = BotConfig(
    name="eth-trend",
    symbol="ETH/USDT",
    market=Market.FUTURES,
    venue=Venue.DEMO,
    account="demo-main",
    timeframe="15m",
    strategy="rsi",
    params={"period": 14, "low": 30.5, "mode": "fast"},
    sizing=Sizing.RISK_PER_TRADE,
    size=Decimal("0.02"),
    leverage=5,
    allow_short=True,
    take_profit_pct=Decimal("2.5"),
    stop_loss_pct=Decimal("1.25"),
    max_trades_per_day=7,
    max_daily_loss=Decimal("55.5"),
    max_position_quote=Decimal("2500"),
)


def test_the_full_configuration_round_trips(db: Database) -> None:
    cur = db.cursor()
    bot_id = bots.create(cur, FULL, day=date(2025, 1, 1))
    got = bots.get(cur, bot_id)
    assert got.config == FULL
    assert (got.state, got.reason, got.trades_today, got.pnl_today, got.day) == (
        BotState.STOPPED, "", 0, Decimal(0), date(2025, 1, 1))


def test_names_are_unique(db: Database) -> None:
    cur = db.cursor()
    bots.create(cur, FULL)
    other = bots.create(cur, BotConfig(name="other", symbol="BTC/USDT"))
    with pytest.raises(ConfigError, match="a bot named eth-trend exists; choose another name"):
        bots.create(cur, BotConfig(name="eth-trend", symbol="BTC/USDT"))
    with pytest.raises(ConfigError, match="choose another name"):
        bots.update_config(cur, other, BotConfig(name="eth-trend", symbol="BTC/USDT"))


def test_update_config_keeps_state_and_counters(db: Database) -> None:
    cur = db.cursor()
    bot_id = bots.create(cur, FULL)
    bots.set_state(cur, bot_id, BotState.RUNNING)
    bots.bump_daily(cur, bot_id, pnl=Decimal("-1.5"))
    bots.update_config(cur, bot_id, BotConfig(name="renamed", symbol="BTC/USDT"))
    got = bots.get(cur, bot_id)
    assert got.config.name == "renamed" and got.state is BotState.RUNNING and got.trades_today == 1
    assert [b.config.name for b in bots.list(cur)] == ["renamed"]


def test_bump_daily_adds_up_and_starts_a_new_day(db: Database) -> None:
    cur = db.cursor()
    bot_id = bots.create(cur, FULL, day=date(2025, 1, 1))
    bots.bump_daily(cur, bot_id, pnl=Decimal("2.5"))
    after = bots.bump_daily(cur, bot_id, trades=2, pnl=Decimal("-1"))
    assert (after.trades_today, after.pnl_today) == (3, Decimal("1.5"))
    next_day = bots.bump_daily(cur, bot_id, pnl=Decimal("4"), day=date(2025, 1, 2))
    assert (next_day.trades_today, next_day.pnl_today, next_day.day) == (1, Decimal(4), date(2025, 1, 2))


def test_reset_daily_wakes_paused_bots_only(db: Database) -> None:
    cur = db.cursor()
    ids = {}
    for state in BotState:
        ids[state] = bots.create(cur, BotConfig(name=state.value, symbol="BTC/USDT"))
        bots.set_state(cur, ids[state], state, reason=f"{state.value} because")
        bots.bump_daily(cur, ids[state], trades=3, pnl=Decimal("-9"))
    woken = bots.reset_daily(cur, date(2025, 2, 1))
    assert woken == [ids[BotState.PAUSED]]
    states = {b.id: b for b in bots.list(cur)}
    assert states[ids[BotState.PAUSED]].state is BotState.RUNNING and states[ids[BotState.PAUSED]].reason == ""
    assert states[ids[BotState.STOPPED]].state is BotState.STOPPED
    assert states[ids[BotState.HALTED]].state is BotState.HALTED
    assert states[ids[BotState.HALTED]].reason == "halted because"
    assert all((b.trades_today, b.pnl_today, b.day) == (0, 0, date(2025, 2, 1)) for b in states.values())


def test_missing_and_deleted_bots(db: Database) -> None:
    cur = db.cursor()
    bot_id = bots.create(cur, FULL)
    bots.delete(cur, bot_id)
    with pytest.raises(InvalidInput, match="no bot with id"):
        bots.get(cur, bot_id)
    with pytest.raises(InvalidInput):
        bots.set_state(cur, bot_id, BotState.RUNNING)
    assert bots.create(cur, FULL) != bot_id


def test_a_stored_configuration_ignores_unknown_keys() -> None:
    text = bots.config_to_json(FULL).replace('"account"', '"retired_option": 1, "account"')
    assert bots.config_from_json(text) == FULL
