"""Bots: their full configuration, state and daily counters.

The configuration is stored as JSON (Decimals as strings, enums by value) and
rebuilt through ``BotConfig`` so it is validated again on the way out. A new bot
starts STOPPED. Daily counters belong to a UTC day: ``reset_daily`` starts a new
day for every bot and wakes the bots a daily limit had PAUSED.
"""
from __future__ import annotations

import builtins
import functools
import json
import types
import typing
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from console.domain import BotConfig, BotState
from console.errors import ConfigError, InvalidInput
from console.storage.db import Cursor, atomic, from_db_time, stamp
from console.storage.pnl import from_store


@dataclass(frozen=True, kw_only=True)
class BotRecord:
    id: int
    config: BotConfig
    state: BotState
    reason: str
    trades_today: int
    pnl_today: Decimal
    day: date
    updated_at: datetime


_COLUMNS = "id, config, state, reason, trades_today, pnl_today, day, updated_at"


def config_to_json(config: BotConfig) -> str:
    """Serialise a configuration; Decimals become strings and enums their values."""
    out: dict[str, object] = {}
    for f in fields(config):
        value = getattr(config, f.name)
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, Decimal):
            value = str(value)
        out[f.name] = value
    return json.dumps(out, sort_keys=True)


def config_from_json(text: str) -> BotConfig:
    """Rebuild a configuration; unknown keys are ignored, missing ones take their defaults."""
    raw = _upgraded(json.loads(text))
    kwargs: dict[str, object] = {}
    for name, kind in _field_kinds().items():
        if name not in raw:
            continue
        value = raw[name]
        if value is not None and kind is Decimal:
            value = Decimal(value)
        elif value is not None and isinstance(kind, type) and issubclass(kind, Enum):
            value = kind(value)
        kwargs[name] = value
    return BotConfig(**kwargs)


@functools.cache
def _field_kinds() -> dict[str, object]:
    """Each BotConfig field's type, ``X | None`` read as X (resolved once: it is costly)."""
    out: dict[str, object] = {}
    hints = typing.get_type_hints(BotConfig)
    for f in fields(BotConfig):
        kind = hints[f.name]
        if isinstance(kind, types.UnionType):
            kind = next(k for k in typing.get_args(kind) if k is not type(None))
        out[f.name] = kind
    return out


def _upgraded(raw: dict) -> dict:
    """A DCA bot saved with a take-profit parameter of its own takes it as the bot's take profit."""
    params = raw.get("params") or {}
    if raw.get("strategy") != "dca" or "take_profit_pct" not in params:
        return raw
    params = dict(params)
    legacy = params.pop("take_profit_pct")
    raw = {**raw, "params": params}
    # a target of 100 % or more (a "never") is no take profit: the bot's field takes (0, 100)
    if raw.get("take_profit_pct") is None and legacy not in (None, "") and 0 < float(legacy) < 100:
        raw["take_profit_pct"] = str(legacy)
    return raw


def _record(row: tuple) -> BotRecord:
    return BotRecord(
        id=row[0],
        config=config_from_json(row[1]),
        state=BotState(row[2]),
        reason=row[3],
        trades_today=row[4],
        pnl_today=from_store(row[5]),
        day=row[6],
        updated_at=from_db_time(row[7]),
    )


def _today(cur: Cursor) -> date:
    return stamp(cur).date()


def _check_name_free(cur: Cursor, name: str, bot_id: int | None) -> None:
    row = cur.execute("SELECT id FROM bots WHERE name = ?", [name]).fetchone()
    if row is not None and row[0] != bot_id:
        raise ConfigError(f"a bot named {name} exists; choose another name")


def create(cur: Cursor, config: BotConfig, *, day: date | None = None) -> int:
    """Store a new bot, STOPPED, and return its id. Names are unique."""
    with atomic(cur):
        _check_name_free(cur, config.name, None)
        row = cur.execute(
            "INSERT INTO bots (name, config, state, day, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
            [config.name, config_to_json(config), BotState.STOPPED.value, day or _today(cur), stamp(cur)],
        ).fetchone()
    return int(row[0])


def update_config(cur: Cursor, bot_id: int, config: BotConfig) -> None:
    """Replace the bot's configuration (its state and counters stay)."""
    with atomic(cur):
        get(cur, bot_id)
        _check_name_free(cur, config.name, bot_id)
        cur.execute(
            "UPDATE bots SET name = ?, config = ?, updated_at = ? WHERE id = ?",
            [config.name, config_to_json(config), stamp(cur), bot_id],
        )


def get(cur: Cursor, bot_id: int) -> BotRecord:
    """Return the bot; raise InvalidInput if there is none with this id."""
    row = cur.execute(f"SELECT {_COLUMNS} FROM bots WHERE id = ?", [bot_id]).fetchone()
    if row is None:
        raise InvalidInput(f"there is no bot with id {bot_id}; it may have been deleted, reload the page")
    return _record(row)


def list(cur: Cursor) -> builtins.list[BotRecord]:  # noqa: A001 - the agreed repository name
    """Every bot, by id."""
    return [_record(r) for r in cur.execute(f"SELECT {_COLUMNS} FROM bots ORDER BY id").fetchall()]


def delete(cur: Cursor, bot_id: int) -> None:
    """Remove the bot; its trades and events stay for the analytics."""
    with atomic(cur):
        cur.execute("DELETE FROM bots WHERE id = ?", [bot_id])


def set_state(cur: Cursor, bot_id: int, state: BotState, reason: str = "") -> None:
    """Set the bot's state and the reason shown beside it."""
    with atomic(cur):
        get(cur, bot_id)
        cur.execute(
            "UPDATE bots SET state = ?, reason = ?, updated_at = ? WHERE id = ?",
            [BotState(state).value, reason, stamp(cur), bot_id],
        )


def bump_daily(
    cur: Cursor, bot_id: int, trades: int = 1, pnl: Decimal = Decimal(0), *, day: date | None = None
) -> BotRecord:
    """Add to today's counters and return the bot.

    When ``day`` is given and differs from the bot's stored day, the counters
    start from zero for ``day`` first (a fill landing after midnight, before the
    daily job ran).
    """
    with atomic(cur):
        bot = get(cur, bot_id)
        if day is not None and day != bot.day:
            cur.execute(
                "UPDATE bots SET day = ?, trades_today = 0, pnl_today = 0 WHERE id = ?", [day, bot_id]
            )
        cur.execute(
            "UPDATE bots SET trades_today = trades_today + ?, pnl_today = pnl_today + ?, updated_at = ? "
            "WHERE id = ?",
            [trades, Decimal(pnl), stamp(cur), bot_id],
        )
        return get(cur, bot_id)


def reset_daily(cur: Cursor, day: date) -> builtins.list[int]:
    """Start ``day`` for every bot: zero the counters, PAUSED -> RUNNING.

    STOPPED and HALTED bots keep their state (a person stopped them, or an error
    needs a person). Return the ids of the bots set running again.
    """
    with atomic(cur):
        woken = cur.execute(
            "UPDATE bots SET state = ?, reason = '', updated_at = ? WHERE state = ? RETURNING id",
            [BotState.RUNNING.value, stamp(cur), BotState.PAUSED.value],
        ).fetchall()
        cur.execute("UPDATE bots SET day = ?, trades_today = 0, pnl_today = 0", [day])
    return sorted(r[0] for r in woken)
