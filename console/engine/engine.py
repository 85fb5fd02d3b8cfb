"""BotEngine: runs every bot on its own `schedule.Scheduler` in one background thread.

The engine thread only schedules; ticks run on a small worker pool so a slow or failing
bot never delays the others, and a bot whose previous tick is still running is skipped for
that cycle. Every cycle also settles every open journal entry: a running bot's in its own tick
(before it decides), the others' (manual orders, stopped, paused or halted bots) in one job on
the pool. The engine never calls Streamlit: the UI polls ``status()``.

Decisions are aligned to candle closes: the loop wakes at the next close on the engine's clock (at
most 0.2 s apart), fetches the pair's closed candle once (several pairs at once) and ticks every
bot on it at once (see ``aligned``). Those ticks are urgent: they run on the workers ahead of the
cycle's routine ones, and a bot's routine tick still queued at the close is moved ahead instead
(a bot never has two ticks queued or running). The cycle keeps checking protection, open orders
and the journal every ``cycle_seconds``, and decides too when it sees a new candle first.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

import schedule

from console.domain import BotState, Venue
from console.engine.aligned import AlignedTicks
from console.engine.clients import Clients
from console.engine.gateway import Gateway
from console.engine.holdings import HoldingsCheck
from console.engine.marketdata import MarketData, OpenOrders
from console.engine.wallet import wallet_rows
from console.engine.tick import Context, Runtime, mark_written, tick
from console.engine.workers import ROUTINE, URGENT, Workers
from console.engine.writer import Writer
from console.errors import Banned, ConsoleError, TemporaryError
from console.storage import balances, bots, events
from console.storage.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BotStatus:
    bot_id: int
    name: str
    symbol: str
    market: str
    state: BotState
    reason: str
    position: Decimal
    entry_price: Decimal | None
    last_price: Decimal | None
    last_signal: str
    last_order: str
    last_error: str
    trades_today: int
    pnl_today: Decimal
    next_run: datetime | None


class BotEngine:
    """Start, stop and supervise bots. One per process."""

    def __init__(
        self,
        db: Database,
        clients: Clients,
        *,
        clock: Callable[[], float] = time.time,
        cycle_seconds: float = 2.0,
        workers: int = 4,
        snapshot_seconds: float = 60.0,
        venues: frozenset[Venue] | None = None,
        aligned: bool = True,
    ) -> None:
        # Bots (and journal entries) of other venues are left as they are, not ticked or settled: a
        # paper bot left running while the console runs on demo trades again back on paper.
        self._venues = venues
        self._pairs_read_at = -math.inf
        self._db = db
        self._clients = clients
        self._clock = clock
        self._cycle_seconds = cycle_seconds
        self._snapshot_seconds = snapshot_seconds
        self._scheduler = schedule.Scheduler()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = Workers(workers, "bot")  # a close's decisions run ahead of the cycle's routine ticks
        self._inflight: dict[int, Future] = {}
        self._settling: Future | None = None
        self._runtime: dict[int, Runtime] = {}
        self._lock = threading.Lock()
        self.market_data = MarketData(clock)
        # Candle-aligned decisions (False: only the cycle decides, once it sees the new candle).
        self.aligned = AlignedTicks(clock) if aligned else None
        # A due pair's fetch waits on the venue, not on the interpreter: several at once.
        self._fetcher = ThreadPoolExecutor(max_workers=max(2, workers), thread_name_prefix="candles")
        self.cycles = 0
        self.reconciled = 0
        self.writer = Writer()
        self.holdings = HoldingsCheck(db, clients, self.writer, clock)
        open_orders = OpenOrders(clock)
        self.gateway = Gateway(db, clients, writer=self.writer, open_orders=open_orders, clock=clock)
        self._ctx = Context(db=db, clients=clients, market_data=self.market_data, clock=clock,
                            writer=self.writer, open_orders=open_orders, gateway=self.gateway)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        """Reconcile journaled orders with the exchange, then start ticking the running bots."""
        if self._thread is not None:
            return
        self.gateway.replay_intents()  # intents a killed process logged but had not journaled yet
        self.reconciled = self.gateway.settle(where=lambda e: self._here(e.venue))
        self.daily_check()
        self._scheduler.every(self._cycle_seconds).seconds.do(self.cycle)
        self._scheduler.every(30).seconds.do(self.daily_check)
        self._scheduler.every(self._snapshot_seconds).seconds.do(self.snapshot_balances)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="bot-engine", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop scheduling and wait for ticks in flight, so no order is left half-recorded."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        self._scheduler.clear()
        self._fetcher.shutdown(wait=True)
        self._pool.shutdown(wait=True)
        self.writer.close()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self) -> None:
        while not self._stop.wait(self._until_next()):
            try:
                self._scheduler.run_pending()
                self.run_aligned()
            except Exception:  # a job that raises is logged; the loop goes on
                log.exception("engine job failed")

    def _until_next(self) -> float:
        """Seconds to sleep: 0.2 (the scheduler's granularity), or less to wake at the next candle close."""
        if self.aligned is None:
            return 0.2
        return min(0.2, max(0.002, self.aligned.next_due() - self._clock()))

    # -- bots -------------------------------------------------------------------------------
    def start_bot(self, bot_id: int) -> None:
        with self._db.transaction() as cur:
            bots.set_state(cur, bot_id, BotState.RUNNING, "")
            events.log(cur, bot_id, "state", "started")

    def stop_bot(self, bot_id: int, reason: str = "stopped by a person") -> None:
        with self._db.transaction() as cur:
            bots.set_state(cur, bot_id, BotState.STOPPED, reason)
            events.log(cur, bot_id, "state", reason)

    def stop_all(self, reason: str = "stopped by a person (stop all)") -> list[int]:
        stopped = [b.id for b in bots.list(self._db.cursor()) if b.state is not BotState.STOPPED]
        for bot_id in stopped:
            self.stop_bot(bot_id, reason)
        return stopped

    # -- cycles -----------------------------------------------------------------------------
    def cycle(self) -> list[Future]:
        """Submit one tick of every running bot whose previous tick has finished, and one settle of
        every other open journal entry (manual orders, bots not running) unless the last one still runs."""
        self.cycles += 1
        submitted = [self._pool.submit(self.holdings.run)]  # the account against the books
        records = bots.list(self._db.cursor())
        running = frozenset(r.id for r in records if r.state is BotState.RUNNING)
        with self._lock:
            if self._settling is None or self._settling.done():
                self._settling = self._pool.submit(self._settle_others, running)
                submitted.append(self._settling)
        for record in records:
            if record.state is not BotState.RUNNING or not self._here(record.config.venue):
                continue
            with self._lock:
                busy = self._inflight.get(record.id)
                if busy is not None and not busy.done():
                    continue
                runtime = self._runtime.setdefault(record.id, Runtime())
                future = self._pool.submit(self._run, record.id, runtime, self.cycles, priority=ROUTINE)
                self._inflight[record.id] = future
            submitted.append(future)
        return submitted

    def run_cycle(self, timeout: float = 60) -> None:
        """Run one cycle, then the aligned ticks due, and wait for them, records included: for tests
        and benchmarks that drive time."""
        wait(self.cycle(), timeout=timeout)
        self.run_due(timeout)

    def run_due(self, timeout: float = 60) -> None:
        """Run the aligned ticks due on the engine's clock and wait for them, records included."""
        fetches = self.run_aligned()
        wait(fetches, timeout=timeout)
        ticks = [t for f in fetches if f.done() and f.exception() is None for t in f.result()]
        wait(ticks, timeout=timeout)
        self.writer.flush()

    def run_aligned(self) -> list[Future]:
        """Submit the candle fetch of every pair whose candle close (or retry) is due; each fetch
        then submits the ticks of the running bots on its pair (its result: their futures)."""
        if self.aligned is None:
            return []
        # The bots are read only when a pair is due, or once a cycle to pick up new pairs (a pair
        # first seen waits for its next close anyway), not at every 0.2 s wake of the loop.
        now = self._clock()
        if now < self.aligned.next_due() and now - self._pairs_read_at < self._cycle_seconds:
            return []
        self._pairs_read_at = now
        pairs: dict[tuple[str, str, str, str], list] = {}
        for record in bots.list(self._db.cursor()):
            c = record.config
            if record.state is BotState.RUNNING and self._here(c.venue):
                pairs.setdefault((c.venue.value, c.market.value, c.symbol, c.timeframe), []).append(record)
        return [self._fetcher.submit(self._aligned_pair, key, pairs[key]) for key in self.aligned.due(pairs)]

    def _aligned_pair(self, key, records) -> list[Future]:
        """Fetch the pair's just-closed candle once; when the venue has it, tick its bots at once."""
        c = records[0].config
        try:
            client = self._clients.get(c.venue, c.market, c.account)
            frame = self.aligned.fetch(key, self._ctx.market_data, client.candles, self.cycles)
        except Exception as e:  # the cycle's ticks report the venue's errors; the pair is due again
            log.warning("candle of %s not fetched: %s", "/".join(key), e)
            return []
        if frame is None:
            return []
        last = frame["ts"].iloc[-1]
        futures = []
        for record in records:
            runtime = self._runtime.get(record.id)
            if runtime is not None and runtime.last_candle is not None and runtime.last_candle >= last:
                continue  # a cycle decided on this candle already
            future = self._submit_tick(record.id)
            if future is not None:
                futures.append(future)
        return futures

    def _submit_tick(self, bot_id: int) -> Future | None:
        """Submit an urgent tick of ``bot_id`` now, or right after the one running (None then).

        A tick of the bot still queued (a cycle's) is moved ahead instead: it decides on the candle
        just fetched when it runs. A bot never has two ticks queued or running at once."""
        with self._lock:
            busy = self._inflight.get(bot_id)
            if busy is None or busy.done():
                runtime = self._runtime.setdefault(bot_id, Runtime())
                future = self._pool.submit(self._run, bot_id, runtime, self.cycles, priority=URGENT)
                self._inflight[bot_id] = future
                return future
            if self._pool.promote(busy):
                return busy
        # outside the lock: a callback on a future just done runs here at once
        busy.add_done_callback(lambda _: self._tick_after(bot_id))
        return None

    def _tick_after(self, bot_id: int) -> None:
        try:
            self._submit_tick(bot_id)
        except RuntimeError:  # the engine stopped meanwhile: the pool takes no more work
            pass

    def wait_idle(self, timeout: float = 60) -> None:
        """Wait for the ticks and the settle in flight, and for their records to be written."""
        with self._lock:
            busy = [f for f in (*self._inflight.values(), self._settling) if f is not None and not f.done()]
        wait(busy, timeout=timeout)
        self.writer.flush()

    def _settle_others(self, running: frozenset[int]) -> int:
        """Settle the open entries no running bot's tick settles: manual orders and bots not running."""
        try:
            return self.gateway.settle(
                where=lambda e: self._here(e.venue) and (e.bot_id is None or e.bot_id not in running))
        except Exception:  # a settle that fails is logged; the next cycle tries again
            log.exception("settling the journal failed")
            return 0

    def _here(self, venue: Venue) -> bool:
        """Whether this engine trades on ``venue`` (every venue when none was named)."""
        return self._venues is None or venue in self._venues

    def _run(self, bot_id: int, runtime: Runtime, cycle: int) -> None:
        try:
            self._tick(bot_id, runtime, cycle)
        finally:
            mark_written(self._ctx, runtime)  # the bot's next tick waits for its own records only

    def _tick(self, bot_id: int, runtime: Runtime, cycle: int) -> None:
        try:
            tick(self._ctx, bot_id, runtime, cycle)
            runtime.last_error = ""
        except TemporaryError as e:
            runtime.last_error = f"{e} (retrying next tick)"
            self._log(bot_id, "retry", runtime.last_error)
        except Banned as e:
            # Nothing is sent until the ban ends (the clients' ban gate); the bot stays running and
            # trades again by itself afterwards. The event is logged once per ban.
            runtime.last_error = f"{e} (the bot resumes by itself when the ban ends)"
            if runtime.banned_until != e.until:
                runtime.banned_until = e.until
                self._log(bot_id, "banned", runtime.last_error)
        except ConsoleError as e:
            runtime.last_error = str(e)
            self._halt(bot_id, str(e))
        except Exception as e:
            log.exception("bot %s tick failed", bot_id)
            runtime.last_error = f"unexpected error: {type(e).__name__}: {e}"
            self._halt(bot_id, runtime.last_error)

    def _halt(self, bot_id: int, reason: str) -> None:
        with self._db.transaction() as cur:
            bots.set_state(cur, bot_id, BotState.HALTED, reason)
            events.log(cur, bot_id, "halted", reason)

    def _log(self, bot_id: int, kind: str, message: str) -> None:
        with self._db.transaction() as cur:
            events.log(cur, bot_id, kind, message)

    def daily_check(self) -> list[int]:
        """Reset daily counters when the UTC day changed; reactivate bots a daily limit paused."""
        today = datetime.fromtimestamp(self._clock(), tz=timezone.utc).date()
        if all(b.day == today for b in bots.list(self._db.cursor())):
            return []
        with self._db.transaction() as cur:
            reactivated = bots.reset_daily(cur, today)
            for bot_id in reactivated:
                events.log(cur, bot_id, "state", f"daily limits reset for {today}; running again")
        return reactivated

    def snapshot_balances(self) -> int:
        """Store every wallet of the venue in use, valued in its quote asset, for the equity curve; return
        rows written."""
        ts = datetime.fromtimestamp(self._clock(), tz=timezone.utc)
        rows = []
        for (venue, market, _account), client in self._clients.all():
            if not self._here(venue):  # e.g. demo keys tested while on paper: no call to Binance each minute
                continue
            try:
                rows += [(venue, market, *row) for row in wallet_rows(client, market)]
            except ConsoleError as e:
                log.warning("no balance snapshot of %s %s: %s", venue.value, market.value, e)
        with self._db.transaction() as cur:
            for venue, market, asset, free, locked, value in rows:
                balances.snapshot(cur, venue, market, asset, free, locked, ts, value)
        return len(rows)

    # -- status -----------------------------------------------------------------------------
    def status(self) -> list[BotStatus]:
        """A snapshot of every bot for the UI."""
        next_run = self._scheduler.next_run if self._scheduler.jobs else None
        out = []
        for record in bots.list(self._db.cursor()):
            rt = self._runtime.get(record.id, Runtime())
            c = record.config
            out.append(BotStatus(
                bot_id=record.id, name=c.name, symbol=c.symbol, market=c.market.value,
                state=record.state, reason=record.reason if self._here(c.venue) else
                f"on the {c.venue.value} venue: it trades when the console runs there",
                position=rt.position,
                entry_price=rt.entry_price, last_price=rt.last_price, last_signal=rt.last_signal,
                last_order=rt.last_order, last_error=rt.last_error, trades_today=record.trades_today,
                pnl_today=record.pnl_today,
                next_run=next_run if record.state is BotState.RUNNING else None,
            ))
        return out
