"""Crash campaign: the console process is killed with SIGKILL at random moments while its bots trade.

The paper exchange runs as its own durable process (``tests/reliability/paper_process.py``: the
same ``PaperExchange`` as ``python -m console.paper --data-dir``, with a feed that makes a new
one-minute candle every second and a delay on every order request, so kills land mid-order); the
console runs headless (``python -m console``) against it by URL, on its own DuckDB file, with a
fast engine cycle, and a person at the ticket keeps a manual OCO in motion
(``tests/reliability/console_with_ticket.py``); the BTC bots rest protection (a spot OCO, futures
take-profit / stop-loss algo orders). Each run starts the console, waits until it reports it is running, then a random 0.5-3 s, and
kills it (every fifth run is killed 0.2-2 s after its process starts, while starting up). A last run starts it cleanly (it reconciles on start) and stops it with SIGTERM; the bots that
were running must still be running. Then the kill switch is pressed and the console started once
more, so the figures are final: every fill the exchange made must be in the console's DuckDB
exactly once, every order at the exchange must be known to its journal, and nothing stands.
"""
from __future__ import annotations

import os
import random
import re
import selectors
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from console.domain import BotConfig, BotState, Market, Venue
from console.config import load_settings
from console.engine.reconcile import IN_FLIGHT
from console.exchange.client import BinanceClient
from console.exchange.factory import client_for
from console.paper import PaperExchange, SyntheticFeed
from console.storage import bots, journal
from console.service import Console
from console.storage.db import Database
from tests.reliability.conftest import ROOT, compare_fills, recorded_by_order, save_figures

RUNS = 30
SEED = 20261124
KILL_AFTER = (0.5, 3.0)  # seconds after the console reports it is running, so kills land while bots trade
KILL_IN_STARTUP = (0.2, 2.0)  # every fifth run is killed this long after its process starts, while starting up
STARTUP_TIMEOUT = 90.0  # a loaded machine imports the console slowly; the kill window starts when it is up
SYMBOLS = ("BTC/USDT", "ETH/USDT", "BNB/USDT", "SOL/USDT", "XRP/USDT")
READY = "console running:"
FEED_SPEED = 60  # a new one-minute candle every second
ORDER_LATENCY = 1.0  # each order request waits this long at the exchange, so kills land mid-order
CYCLE_SECONDS = "0.5"  # 0.2 s with candles refetched every cycle (fast feed) runs into the futures weight limit


def bot_configs() -> list[BotConfig]:
    """One spot and one futures bot per symbol on one-minute candles; the BTC spot bot rests an OCO exit,
    the BTC futures bot its take-profit / stop-loss algo orders."""
    out = []
    for symbol in SYMBOLS:
        coin = symbol.split("/")[0].lower()
        protected = symbol == "BTC/USDT"
        out.append(BotConfig(
            name=f"spot-{coin}", symbol=symbol, timeframe="1m", strategy="ma_cross", params={"fast": 2, "slow": 3},
            size=Decimal("15"), take_profit_pct=Decimal("0.1") if protected else None,
            stop_loss_pct=Decimal("0.1") if protected else None, max_trades_per_day=10_000,
            max_daily_loss=Decimal("100000")))
        out.append(BotConfig(
            name=f"perp-{coin}", symbol=symbol, market=Market.FUTURES, timeframe="1m", strategy="ma_cross",
            params={"fast": 2, "slow": 3}, size=Decimal("50"), leverage=5, allow_short=True,
            take_profit_pct=Decimal("0.2") if protected else None,
            stop_loss_pct=Decimal("0.2") if protected else None,
            max_trades_per_day=10_000, max_daily_loss=Decimal("100000")))
    return out


def read_line(proc: subprocess.Popen, prefix: str, timeout: float) -> str | None:
    """The first line of ``proc``'s output starting with ``prefix``, or None after ``timeout`` or its exit."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    buffer = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                continue
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                return None
            buffer += chunk
            for line in buffer.decode(errors="replace").splitlines():
                if line.startswith(prefix):
                    return line
    return None


class Campaign:
    """The two processes and their data folders."""

    def __init__(self, tmp_path: Path) -> None:
        self.paper_dir = tmp_path / "paper"
        self.console_dir = tmp_path / "console"
        self.log = (tmp_path / "console.log").open("ab")
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "CONSOLE_DATA_DIR": str(self.console_dir),
                    "CONSOLE_CYCLE_SECONDS": CYCLE_SECONDS, "CONSOLE_PAPER_API_KEY": "paper-key",
                    "CONSOLE_PAPER_API_SECRET": "paper-secret"}
        self.paper: subprocess.Popen | None = None
        self.url = ""

    def start_paper(self) -> None:
        self.paper = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.paper_process", "--data-dir", str(self.paper_dir),
             "--speed", str(FEED_SPEED), "--order-latency", str(ORDER_LATENCY)],
            cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=self.log)
        line = read_line(self.paper, "paper exchange at ", timeout=60)
        assert line is not None, "the paper exchange did not start"
        match = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert match is not None
        self.url = match.group(0)
        self.env["CONSOLE_PAPER_URL"] = self.url

    def start_console(self, *, ticket: bool = True) -> subprocess.Popen:
        """``python -m console``, with ``ticket`` plus a person at the ticket keeping a manual OCO in motion."""
        module = "tests.reliability.console_with_ticket" if ticket else "console"
        return subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, env=self.env,
                                stdout=subprocess.PIPE, stderr=self.log)

    def stop_paper(self) -> str:
        """Stop the exchange with SIGTERM; return what it reports of its busiest minute."""
        report = ""
        if self.paper is not None and self.paper.poll() is None:
            self.paper.send_signal(signal.SIGTERM)
            try:
                self.paper.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.paper.kill()
                self.paper.wait()
            assert self.paper.stdout is not None
            report = self.paper.stdout.read().decode(errors="replace").strip().splitlines()[-1:] or [""]
            report = report[0].removeprefix("busiest minute weight: ")
        if not self.log.closed:
            self.log.close()
        return report

    def open_db(self) -> Database:
        return Database.open(self.console_dir / "console.duckdb")

    def client(self, market: Market) -> BinanceClient:
        return client_for(Venue.PAPER, market, base_url=self.url, api_key="paper-key", api_secret="paper-secret")


@pytest.fixture
def campaign(tmp_path: Path):
    c = Campaign(tmp_path)
    yield c
    c.stop_paper()


def test_sigkilled_console_records_every_fill_once_and_its_bots_resume(campaign: Campaign):
    campaign.start_paper()
    db = campaign.open_db()
    with db.transaction() as cur:
        bot_ids = [bots.create(cur, config) for config in bot_configs()]
        for bot_id in bot_ids:
            bots.set_state(cur, bot_id, BotState.RUNNING)
    db.close()

    rng = random.Random(SEED)
    started = time.perf_counter()
    killed_before_ready = reconciled = pending_at_kills = kills_with_pending = runs_with_new_trades = 0
    trades_seen = 0
    for run in range(RUNS):
        proc = campaign.start_console()
        in_startup = run % 5 == 4
        if in_startup:
            kill_at = time.monotonic() + rng.uniform(*KILL_IN_STARTUP)
            line = read_line(proc, READY, timeout=kill_at - time.monotonic())
        else:
            line = read_line(proc, READY, timeout=STARTUP_TIMEOUT)
            assert line is not None, "the console did not report it was running; see console.log"
            kill_at = time.monotonic() + rng.uniform(*KILL_AFTER)
        if line is None:
            killed_before_ready += 1
        else:
            reconciled += int(re.search(r"(\d+) fill\(s\) reconciled", line).group(1))  # type: ignore[union-attr]
        assert proc.poll() is None, f"the console exited by itself (code {proc.returncode}); see console.log"
        time.sleep(max(0.0, kill_at - time.monotonic()))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        db = campaign.open_db()
        cur = db.cursor()
        pending = [e for e in journal.open_entries(cur) if e.status.value == "pending"]
        pending_at_kills += len(pending)
        kills_with_pending += bool(pending)
        trades_now = cur.execute("SELECT count(*) FROM trades").fetchone()[0]
        runs_with_new_trades += trades_now > trades_seen
        trades_seen = trades_now
        db.close()
    kill_seconds = time.perf_counter() - started
    last_kill = time.monotonic()

    proc = campaign.start_console()
    line = read_line(proc, READY, timeout=60)
    assert line is not None, "the console did not start after the kills; see console.log"
    final_reconciled = int(re.search(r"(\d+) fill\(s\) reconciled", line).group(1))  # type: ignore[union-attr]
    # run until orders sent just before the last kill can no longer arrive, so every entry is final
    time.sleep(max(3.0, last_kill + IN_FLIGHT.total_seconds() + 1 - time.monotonic()))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0

    db = campaign.open_db()
    cur = db.cursor()
    states = {bots.get(cur, b).config.name: bots.get(cur, b).state for b in bot_ids}
    reasons = {bots.get(cur, b).config.name: bots.get(cur, b).reason for b in bot_ids
               if bots.get(cur, b).state is not BotState.RUNNING}
    # Resting orders (OCO exits, futures take-profit / stop-loss) can still fill at any moment. To
    # compare final figures, press the kill switch, as a person would: it stops the bots, cancels
    # what rests (algo orders too), closes the futures positions and records what it finds; then
    # start the console once more, so its start-up reconciliation settles whatever is left.
    db.close()
    con = Console(load_settings(campaign.env), start_engine=False)
    try:
        kill = con.kill_switch()
    finally:
        con.close()
    proc = campaign.start_console(ticket=False)
    line = read_line(proc, READY, timeout=60)
    assert line is not None, "the console did not start after the campaign; see console.log"
    final_reconciled += int(re.search(r"(\d+) fill\(s\) reconciled", line).group(1))  # type: ignore[union-attr]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0

    exchange_fills: dict[str, dict[str, Decimal]] = {}
    for market in Market:
        client = campaign.client(market)
        fills: dict[str, Decimal] = {}
        for symbol in SYMBOLS:
            for t in client.trades(symbol):
                fills[t.exchange_order_id] = fills.get(t.exchange_order_id, Decimal(0)) + t.quantity
        exchange_fills[market.value] = fills
    weight = campaign.stop_paper()
    at_rest = PaperExchange(data_dir=campaign.paper_dir, feed=SyntheticFeed(seed=9))
    raw_orders = {m: at_rest.exchange_orders(m) for m in ("spot", "futures")}
    exchange_orders = {m: [(o["clientOrderId"], str(o["orderId"])) for o in raw_orders[m]] for m in raw_orders}
    at_rest.store.close()

    db = campaign.open_db()
    cur = db.cursor()
    lost = doubled = extra = mismatched = 0
    missing: list[str] = []
    for market, fills in exchange_fills.items():
        recorded, twice = recorded_by_order(cur, market)
        diff = compare_fills(fills, recorded)
        client_ids = {str(o["orderId"]): o["clientOrderId"] for o in raw_orders[market]}
        for order_id in fills:
            if order_id not in recorded:
                cid = client_ids.get(order_id, "?")
                row = cur.execute("SELECT status, response FROM orders WHERE client_order_id = ?", [cid]).fetchone()
                missing.append(f"{market} order {order_id} ({cid}): journal {row}")
        lost, extra, mismatched = lost + diff["lost"], extra + diff["extra"], mismatched + diff["quantity_mismatch"]
        doubled += twice
    journaled = {row[0] for row in cur.execute("SELECT client_order_id FROM orders").fetchall()}
    # an order the exchange placed when a journaled algo order fired is known by its order id
    triggered = {row[0] for row in cur.execute(
        "SELECT exchange_order_id FROM orders WHERE type IN ('stop_market', 'take_profit_market')").fetchall()}
    manual_legs = cur.execute("SELECT count(*) FROM orders WHERE bot_id IS NULL AND type = 'limit_maker'").fetchone()[0]
    algo_exits = cur.execute("SELECT count(*) FROM orders WHERE type IN ('stop_market', 'take_profit_market')").fetchone()[0]
    unknown_orders = sum(1 for ids in exchange_orders.values() for cid, oid in ids
                         if cid not in journaled and oid not in triggered)
    still_open = journal.open_entries(cur)
    db.close()

    figures = {
        "runs killed with SIGKILL": RUNS,
        "  of those killed before the console was up": killed_before_ready,
        "kills that left orders pending in the journal": kills_with_pending,
        "pending entries found after kills": pending_at_kills,
        "fills reconciled on restarts": reconciled + final_reconciled,
        "runs after which new trades were recorded": runs_with_new_trades,
        "bots (spot / futures)": f"{len(SYMBOLS)} / {len(SYMBOLS)}",
        "exchange fills, spot / futures": f"{len(exchange_fills['spot'])} / {len(exchange_fills['futures'])} orders",
        "manual OCOs placed from the ticket": manual_legs,
        "futures take-profit / stop-loss algo orders journaled": algo_exits,
        "orders at the exchange": sum(len(ids) for ids in exchange_orders.values()),
        "orders at the exchange unknown to the journal": unknown_orders,
        "fills lost": lost,
        "lost fills": missing,
        "fills doubled": doubled,
        "recorded trades not at the exchange": extra,
        "quantity mismatches": mismatched,
        "kill switch at the end": "; ".join(kill.done) or "nothing to do",
        "  still standing after it": [str(x) for x in kill.standing],
        "journal entries still open": len(still_open),
        "bots still running after the last restart":
            f"{sum(s is BotState.RUNNING for s in states.values())} of {len(states)}",
        "bots not running": reasons,
        "busiest minute at the exchange (weight)": weight,
        "seconds (kill runs)": round(kill_seconds, 1),
        "seed": SEED,
    }
    save_figures("crash campaign", figures)

    assert sum(len(f) for f in exchange_fills.values()) > 0, "the bots traded"
    assert lost == 0 and doubled == 0 and extra == 0 and mismatched == 0
    assert unknown_orders == 0
    assert kill.complete, kill.standing
    assert still_open == []
    assert all(s is BotState.RUNNING for s in states.values()), reasons
    assert runs_with_new_trades >= 1
    assert manual_legs > 0 and algo_exits > 0, "a manual OCO and resting futures protection were in play"
