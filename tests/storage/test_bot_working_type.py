"""A bot's trigger price for its futures exits is stored with it; bots stored before it get the mark price."""
from __future__ import annotations

import json
from dataclasses import replace

from console.domain import BotConfig, Market, WorkingType
from console.storage import bots
from console.storage.db import Database

PERP = BotConfig(name="perp", symbol="BTC/USDT", market=Market.FUTURES, leverage=3,
                 working_type=WorkingType.CONTRACT_PRICE)


def test_the_trigger_price_round_trips(db: Database) -> None:
    cur = db.cursor()
    bot_id = bots.create(cur, PERP)
    assert bots.get(cur, bot_id).config.working_type is WorkingType.CONTRACT_PRICE
    bots.update_config(cur, bot_id, replace(PERP, working_type=WorkingType.MARK_PRICE))
    assert bots.get(cur, bot_id).config.working_type is WorkingType.MARK_PRICE


def test_a_configuration_stored_without_it_triggers_on_the_mark_price() -> None:
    stored = json.loads(bots.config_to_json(PERP))
    del stored["working_type"]
    assert bots.config_from_json(json.dumps(stored)).working_type is WorkingType.MARK_PRICE
