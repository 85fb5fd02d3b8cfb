"""A console process is SIGKILLed between an order's intent and its send, and between its send and its
journal entry; a restart then loses no order and duplicates none.

The paper exchange runs in the test process, over real HTTP; the console runs as its own process
(this file run as a module: ``python -m tests.reliability.test_intent_kill DATA URL SCENARIO``) on its
own DuckDB file, places one order through its gateway and is killed at the scenario's point:
``before-send`` right after the intent line is written, ``before-move`` after the exchange answered
and before the entry reaches DuckDB (the writer is held, so nothing behind the order is written).
The restart is a new engine on the same files, started as the console starts it: it replays the
intent log and reconciles.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

from console.domain import BotConfig, Market, OrderRequest, OrderStatus, Side, Venue
from console.engine.clients import Clients, Credentials
from console.engine.engine import BotEngine
from console.engine.intents import FILE, read
from console.engine.recorder import LEGS, Owner
from console.engine.reconcile import IN_FLIGHT
from console.paper import PaperExchange
from console.storage import bots, journal
from console.storage.db import Database
from tests.reliability.conftest import ROOT

D = Decimal
KEY, SECRET = "paper-key", "paper-secret"
SYMBOL = "BTC/USDT"
LATER = IN_FLIGHT.total_seconds() + 45  # the restart's clock: past the time a request could take to arrive


# -- the console process that is killed ----------------------------------------------------------
def _die() -> None:
    print("killed", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def place_and_die(data_dir: Path, url: str, scenario: str, order: str, owner: str) -> None:
    """Place one ``order`` (market / oco) of ``owner`` (person / bot) and SIGKILL this process at ``scenario``."""
    db = Database.open(data_dir / "console.duckdb")
    clients = Clients(lambda venue, account: Credentials(KEY, SECRET, base_url=url))
    engine = BotEngine(db, clients)  # not started: only its gateway and writer are used
    gateway, intents = engine.gateway, engine.gateway.intents
    assert intents is not None
    bot_id = bots.list(db.cursor())[0].id if owner == "bot" else None
    who = Owner(Venue.PAPER, Market.SPOT, "paper", bot_id)
    logged = intents.append

    def append(entries):
        logged(entries)
        print("logged " + json.dumps([e.client_order_id for e in entries]), flush=True)
        if scenario == "before-send":
            _die()

    intents.append = append
    if scenario == "before-move":
        engine.writer.submit(threading.Event().wait)  # the writer never gets to the entry
        intents.move = lambda *a, **k: _die()  # a person's order moves its entry right after the answer
    if order == "market":
        gateway.place(who, OrderRequest(symbol=SYMBOL, market=Market.SPOT, side=Side.BUY, quote_quantity=D("300")),
                      behind=owner == "bot")
    else:
        gateway.place_oco(who, SYMBOL, D("0.01"), D("31500"), D("28500"), behind=owner == "bot")
    _die()  # a bot's order: answered, its entry and record still queued on the held writer


# -- the test ------------------------------------------------------------------------------------
@pytest.fixture
def exchange(tmp_path: Path):
    ex = PaperExchange(data_dir=tmp_path / "paper",
                       starting_balances={"spot": {"USDT": D("10000"), "BTC": D("0.1")}})
    ex.start()
    ex.feed.set_price("BTCUSDT", D("30000"))
    yield ex
    ex.stop()


def restart(data_dir: Path, url: str) -> None:
    """Start an engine on the console's files as the console does (replay, reconcile), and stop it."""
    db = Database.open(data_dir / "console.duckdb", clock=lambda: time.time() + LATER)
    engine = BotEngine(db, Clients(lambda venue, account: Credentials(KEY, SECRET, base_url=url)))
    try:
        engine.start()
    finally:
        engine.stop()
        db.close()


CASES = [  # scenario, order, owner, the journal status each order ends in, its trades
    ("before-send", "market", "person", OrderStatus.REJECTED, 0),
    ("before-send", "oco", "bot", OrderStatus.REJECTED, 0),
    ("before-move", "market", "person", OrderStatus.FILLED, 1),
    ("before-move", "market", "bot", OrderStatus.FILLED, 1),
    ("before-move", "oco", "person", OrderStatus.OPEN, 0),
    ("before-move", "oco", "bot", OrderStatus.OPEN, 0),
]


@pytest.mark.parametrize("scenario, order, owner, status, traded", CASES)
def test_a_kill_around_the_send_loses_nothing_and_duplicates_nothing(tmp_path, exchange, scenario, order, owner,
                                                                      status, traded):
    data_dir = tmp_path / "console"
    data_dir.mkdir()
    db = Database.open(data_dir / "console.duckdb")
    with db.transaction() as cur:
        bot_id = bots.create(cur, BotConfig(name="spot-btc", symbol=SYMBOL, timeframe="1m", strategy="ma_cross",
                                            params={"fast": 2, "slow": 3}, size=D("15")))
    db.close()
    run = subprocess.run([sys.executable, "-m", "tests.reliability.test_intent_kill", str(data_dir),
                          exchange.base_url, scenario, order, owner],
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, timeout=120)
    assert run.returncode == -signal.SIGKILL, run.stderr.decode()
    out = run.stdout.decode()
    assert "killed" in out, out
    ids = json.loads(next(line for line in out.splitlines() if line.startswith("logged ")).removeprefix("logged "))
    assert [e.client_order_id for e in read(data_dir / FILE)] == ids  # the intent outlived the process

    db = Database.open(data_dir / "console.duckdb")
    assert journal.open_entries(db.cursor()) == []  # killed before DuckDB heard of the order
    db.close()
    at_exchange = [o for o in exchange.exchange_orders("spot") if o["clientOrderId"] in ids]
    assert len(at_exchange) == (0 if scenario == "before-send" else len(ids))

    for _ in range(2):  # a second restart finds nothing more to do
        restart(data_dir, exchange.base_url)
        db = Database.open(data_dir / "console.duckdb")
        cur = db.cursor()
        rows = cur.execute("SELECT client_order_id, count(*) FROM orders GROUP BY 1").fetchall()
        assert sorted(rows) == sorted((cid, 1) for cid in ids)  # 0 lost, 0 duplicated
        for cid in ids:
            entry = journal.get(cur, cid)
            assert entry.status is status, entry
            assert entry.bot_id == (bot_id if owner == "bot" else None)
            if order == "oco":
                assert entry.request[LEGS] == ids
        marks = ", ".join("?" for _ in ids)
        assert cur.execute(f"SELECT count(*) FROM trades WHERE client_order_id IN ({marks})", ids).fetchone()[0] \
            == traded
        if owner == "bot":
            assert bots.get(cur, bot_id).trades_today == traded
        db.close()
        assert (data_dir / FILE).read_text() == ""  # replayed and emptied
        assert len([o for o in exchange.exchange_orders("spot") if o["clientOrderId"] in ids]) == len(at_exchange)


if __name__ == "__main__":
    place_and_die(Path(sys.argv[1]), sys.argv[2], *sys.argv[3:6])
