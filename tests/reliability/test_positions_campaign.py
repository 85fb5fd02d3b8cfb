"""Positions add up: bots, manual orders, the kill switch, stops and restarts on shared symbols.

Two spot bots (one resting OCO exits) and two futures bots share BTC/USDT; a person trades the same
symbol by hand. After every step, for every holding, the account's position (spot: the BTC
balance, free + locked; futures: the net position) equals the bots' positions plus the manual
book, and no bot is suspended. A fill made past the console then suspends the bots on it until it
is assigned to one of them. The whole stack runs on one clock the test moves: a paper exchange
over real HTTP, the DuckDB file, the facade and its engine, restarted in the middle.
"""
from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

from console.config import load_settings
from console.domain import BotState, Market, Venue
from console.engine import holdings, positions
from console.exchange.connect import make_ccxt
from console.paper import PaperExchange, SyntheticFeed
from console.service import Console
from console.storage import bots, trades
from tests.reliability.conftest import Clock, save_figures

CYCLE = 60.0  # seconds of the test's clock per engine cycle: a new 1m candle each time


class Campaign:
    def __init__(self, tmp_path: Path) -> None:
        self.clock = Clock()
        self.exchange = PaperExchange(feed=SyntheticFeed(seed=11, clock=self.clock), clock=self.clock,
                                      sleep=self.clock.sleep,
                                      starting_balances={"spot": {"USDT": Decimal("100000")},
                                                         "futures": {"USDT": Decimal("100000")}})
        self.exchange.start()
        self.env = {"CONSOLE_DATA_DIR": str(tmp_path / "data"), "CONSOLE_PAPER_URL": self.exchange.base_url}
        self.con = self.open()
        self.checks = 0
        self.restarts = 0

    def open(self) -> Console:
        # the engine's own schedule never fires during the test: the test runs the cycles
        return Console(load_settings(self.env), clock=self.clock, cycle_seconds=3600)

    def restart(self) -> None:
        self.con.close()
        self.con = self.open()
        self.restarts += 1

    def cycles(self, n: int, step: str) -> None:
        for i in range(n):
            self.clock.advance(CYCLE)
            self.con.engine.run_cycle()
            self.check(f"{step}, cycle {i + 1}")

    def read(self) -> list[holdings.Holding]:
        """Every holding of both markets, read afresh; resting fills the console has not noticed yet
        are given the time the engine takes to notice them (one open-orders interval)."""
        for _ in range(5):
            found = [h for market in Market for h in holdings.read(
                self.con.db, self.con.client(market), venue=Venue.PAPER, market=market, account="paper", fresh=True)]
            if not any(h.settling for h in found):
                return found
            self.clock.advance(11)
            self.con.engine.gateway.settle()
            self.con.engine.writer.flush()
        raise AssertionError(f"still settling: {[h for h in found if h.settling]}")

    def check(self, step: str) -> None:
        self.checks += 1
        cur = self.con.db.cursor()
        for h in self.read():
            assert h.difference == 0, f"{step}: {h}"
            assert h.outside == 0, f"{step}: nothing is outside the books on this account: {h}"
            for share in h.bots:  # the bots' own view of their positions agrees with the books
                config = bots.get(cur, share.bot_id).config
                if holdings.holding_of(config.market, config.symbol) == h.name:
                    assert positions.of_bot(cur, share.bot_id, config).quantity == share.quantity, f"{step}: {h}"
        suspended = [r.config.name for r in bots.list(cur) if r.state is BotState.SUSPENDED]
        assert not suspended, f"{step}: suspended {suspended}"

    def outside_buy(self, quantity: float) -> None:
        raw = make_ccxt(Market.SPOT, base_url=self.exchange.base_url, api_key="paper-key", api_secret="paper-secret")
        raw.milliseconds = lambda: int(self.clock() * 1000)
        raw.load_markets()
        raw.create_order("BTC/USDT", "market", "buy", quantity)

    def close(self) -> None:
        self.con.close()
        self.exchange.stop()


def form(name: str, market: str, strategy: str, params: dict, **extra) -> dict:
    return {"name": name, "symbol": "BTC/USDT", "market": market, "timeframe": "1m", "strategy": strategy,
            "params": params, "max_trades_per_day": "1000", "max_daily_loss": "100000",
            "max_position_quote": "5000", **extra}


def test_positions_add_up_through_bots_manual_orders_the_kill_switch_stops_and_restarts(tmp_path: Path) -> None:
    started = time.perf_counter()
    c = Campaign(tmp_path)
    try:
        con = c.con
        ids = [
            con.bots.create(form("spot cross", "spot", "ma_cross", {"fast": 2, "slow": 4}, size="60")),
            con.bots.create(form("spot dca", "spot", "dca", {"interval_hours": 0.1, "max_entries": 3,
                                                            "take_profit_pct": 0.3},
                                size="40", take_profit_pct="0.4", stop_loss_pct="0.4")),
            con.bots.create(form("futures fast", "futures", "ma_cross", {"fast": 2, "slow": 4},
                                size="150", leverage=2, allow_short=True)),
            con.bots.create(form("futures slow", "futures", "ma_cross", {"fast": 3, "slow": 6},
                                size="150", leverage=3, allow_short=True)),
        ]
        con.bots.start_all()
        c.check("bots created and started")
        c.cycles(6, "bots trading")

        con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="150", amount_in="quote")
        c.check("a spot buy by hand")
        con.orders.place(market="futures", symbol="BTC/USDT", side="sell", amount="0.003", amount_in="base")
        c.check("a futures sell by hand")
        c.cycles(4, "bots and the manual book")

        con.bots.stop(ids[0])
        con.bots.stop(ids[2])
        c.cycles(2, "one bot per market stopped")
        con.bots.start(ids[0])
        con.bots.start(ids[2])
        c.cycles(2, "started again")

        con.kill_switch(sell_spot=True)
        c.check("kill switch")
        assert {r.state for r in con.bots.all()} == {BotState.STOPPED}

        c.restart()
        con = c.con
        c.check("restart")
        con.bots.start_all()
        c.cycles(4, "after the restart")
        con.orders.place(market="futures", symbol="BTC/USDT", side="buy", amount="0.002", amount_in="base")
        c.cycles(2, "a futures buy by hand")
        c.restart()
        con = c.con
        c.cycles(3, "a restart with the bots running")

        # a fill made past the console: the spot bots are suspended until a person resolves it
        c.outside_buy(0.001)
        for _ in range(2):  # two checks in a row, as the engine makes them (one per client every 10 s)
            c.clock.advance(10)
            con.engine.holdings.run()
        suspended = {r.config.name for r in con.bots.all() if r.state is BotState.SUSPENDED}
        assert suspended == {"spot cross", "spot dca"}
        [difference] = con.holdings.differences()
        assert (difference.market, difference.holding) == (Market.SPOT, "BTC") and difference.quantity > 0
        con.holdings.assign_difference("spot", "BTC", ids[1])
        assert {r.state for r in con.bots.all()} == {BotState.RUNNING}
        c.check("the difference assigned to a bot")
        c.cycles(3, "after the difference")

        con.kill_switch(sell_spot=True)
        c.check("the last kill switch")
        cur = con.db.cursor()
        made = {m: cur.execute("SELECT count(*) FROM trades WHERE market = ? AND bot_id IS NOT NULL "
                               "AND NOT coalesce(adjustment, false)", [m]).fetchone()[0] for m in ("spot", "futures")}
        by_hand = cur.execute("SELECT count(*) FROM trades WHERE bot_id IS NULL").fetchone()[0]
        adjustments = sum(1 for i in ids for t in trades.for_bot(cur, i) if t.adjustment)
        seconds = round(time.perf_counter() - started, 1)
        save_figures("positions", {
            "bots (spot / futures, all on BTC/USDT)": "2 / 2",
            "checks (after every step)": c.checks,
            "restarts": c.restarts,
            "bot trades (spot / futures)": f"{made['spot']} / {made['futures']}",
            "manual trades": by_hand,
            "differences found after a fill outside the console": 1,
            "adjustment trades": adjustments,
            "seconds": seconds,
        })
        assert made["spot"] >= 4 and made["futures"] >= 4, "the bots must trade for the campaign to mean anything"
        assert adjustments == 1
    finally:
        c.close()
