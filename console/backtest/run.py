"""The backtest loop: a bot's config over a candle frame, with the engine's rules and the paper's fills.

The strategy's signals come from ``Strategy.signals`` over the whole frame (the code the live tick
runs on its window). The loop visits only candles where something can happen: a signal the bot
would act on, a resting exit or a liquidation price touched, a funding time while a position is
open, a DCA entry or take-profit; they are found with numpy. Money is settled in Decimal.

Timing, as the engine on the paper exchange (``tests/backtest/test_parity.py`` holds the two in
step): a signal on candle ``k``'s close is acted on at candle ``k + 1``'s open (market order at the
ask / bid there, taker fee); a resting take-profit or stop-loss fills during the candle whose range
crosses it, and when a candle crosses both the take-profit fills (the exchange matches the range
since its last match at once, legs in the order placed, take-profit first); a funding payment is
settled as the paper exchange settles it: at the price on the candle path at the funding time
(open -> low / high -> high / low -> close in thirds), after the market fill at the open of the
candle it falls in and before that candle's resting exits (console.futures_model holds the
formulas both use). A spot position holds what the bot's trades
left, so the base-asset dust of one exit is sold with the next; a spot OCO is for what its entry
received. A DCA bot, flat after its take-profit, waits out the interval since its last buy.

Differences that remain, by design:
- The engine acts when its cycle runs after a close; the backtest as if it ran at the close. A
  cycle later into the candle fills at the price there (the replay feed walks open -> low / high
  -> high / low -> close in thirds of a candle).
- The engine's strategy reads a window of its last 200 candles, the backtest the whole frame:
  recursive indicators (EMA, Wilder's RSI) differ a little while they settle; SMA and Bollinger
  do not.
- Funding and liquidation follow one model (console.futures_model) on both sides
  (``tests/backtest/test_parity_futures_risk.py``); the backtest pays funding only from the rates
  it is given, the paper exchange from its feed's series (recorded rates or the default 0.01 %).
- A futures exit already passed when the engine places it makes the engine close at market; the
  backtest leaves it resting, to fill on the entry candle.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pandas as pd

from console.backtest import fills
from console.backtest.results import Fill, Rejection, Run, Trade
from console.domain import BotConfig, Market, OrderRequest, OrderType, Side
from console.engine import risk
from console.engine.strategies import BUY_CODE, SELL_CODE, bot_params, get_strategy, upgraded
from console.errors import ConfigError, InsufficientBalance, InvalidOrder
from console.exchange.orders import plan_order
from console.exchange.precision import (
    Rounding, SymbolRules, check_notional, check_price_band, normalize_price, normalize_quantity,
    sellable,
)
from console.futures_model import (
    feed_decimal, funding_payment, liquidation_fill_price, liquidation_price, price_on_candle,
)
from console.paper.rules import leverage_brackets

ZERO = Decimal(0)
STOP_LIMIT_GAP = Decimal("0.005")  # the client's stop-limit below a spot OCO's stop
DAY_MS = 86_400_000
PROGRESS_EVERY = 4096  # candles between two progress reports
CCXT_TYPES = {t: t.value for t in OrderType}
MARKET_FILL, FUNDING, RESTING = 0, 1, 2  # what happens first within one candle


def run_backtest(config: BotConfig, candles: pd.DataFrame, rules: SymbolRules, *,
                 starting_balance: Decimal = Decimal("10000"), funding: pd.DataFrame | None = None,
                 warmup: int = 0, progress: Callable[[float], None] | None = None,
                 cancel: Callable[[], bool] | None = None) -> Run:
    """Run ``config`` over ``candles`` (ts, open, high, low, close; closed candles, oldest first).

    ``funding`` (ts, rate) is the USD-M funding-rate history; without it a futures run pays none.
    The first ``warmup`` candles are history only: the strategy reads them, no signal on them is acted on.
    ``progress`` is told the fraction of candles passed, at most every ``PROGRESS_EVERY`` candles;
    when ``cancel`` (asked as often) returns True the run stops with ``Cancelled``.
    """
    config = upgraded(config)  # a DCA saved with its own take-profit parameter
    if config.strategy == "dca" and config.stop_loss_pct:
        raise ConfigError("a DCA backtest exits at the bot's take profit only; clear the bot's stop_loss_pct")
    return _Loop(config, candles, rules, starting_balance, funding, warmup).run(progress, cancel)


class Cancelled(Exception):
    """A backtest stopped by its cancel check before its last candle."""


def _report(progress: Callable[[float], None] | None, cancel: Callable[[], bool] | None, fraction: float) -> None:
    if cancel is not None and cancel():
        raise Cancelled(f"cancelled at {fraction:.0%} of the candles")
    if progress is not None:
        progress(fraction)


def _ms(column: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[ms]").astype(np.int64)
    return column.to_numpy().astype(np.int64)


class _Loop:
    def __init__(self, config: BotConfig, candles: pd.DataFrame, rules: SymbolRules, balance: Decimal,
                 funding: pd.DataFrame | None, warmup: int = 0) -> None:
        self.config, self.rules, self.start = config, rules, balance
        self._last_signal = warmup - 1
        self.futures = config.market is Market.FUTURES
        self.strategy = get_strategy(config.strategy)
        self.params = bot_params(config)
        self.ts = _ms(candles["ts"])
        self.open = candles["open"].to_numpy(dtype=np.float64)
        self.high = candles["high"].to_numpy(dtype=np.float64)
        self.low = candles["low"].to_numpy(dtype=np.float64)
        self.close = candles["close"].to_numpy(dtype=np.float64)
        self.n = len(self.ts)
        step = int(np.median(np.diff(self.ts))) if self.n > 1 else 60_000
        self.close_ts = self.ts + step
        codes = self.strategy.signals(candles, self.params)
        self.buys = np.flatnonzero(codes == BUY_CODE)
        self.sells = np.flatnonzero(codes == SELL_CODE)
        self.tick = rules.tick_size
        self.funding_idx, self.funding_rate, self.funding_mark = self._funding(funding, step)
        self.funding_done = 0  # funding events settled or passed
        # state
        self.quote = balance  # spot: free quote; futures: wallet balance
        self.base = ZERO  # spot base held (dust included)
        self.qty = ZERO  # the bot's signed position
        self.entry = ZERO
        self.margin = ZERO
        self.exits: tuple[Decimal | None, Decimal | None, Decimal | None] = (None, None, None)  # tp, stop, liq
        self.exit_floats = (np.inf, -np.inf, -np.inf)
        self.exit_qty = ZERO
        self.entries = 0
        self.last_entry_ts: int | None = None
        self.trade_open: dict = {}
        self.day, self.trades_today, self.pnl_today = -1, 0, ZERO
        self.paused_until = -1
        self.out = Run(config=config, starting_balance=balance, ts=self.ts, close=self.close,
                       equity=np.empty(0), exposed=np.empty(0, dtype=bool))
        self.marks: list[tuple[int, Decimal, Decimal, Decimal, Decimal]] = []  # index, quote, base, qty, entry

    def _funding(self, funding: pd.DataFrame | None, step: int) -> tuple[np.ndarray, list[Decimal], list[Decimal]]:
        """Each funding time as (the candle it is settled in, its rate, the mark price then).

        The paper exchange settles the funding times since its last match at the next one: a time
        within candle ``k`` (or at the close of ``k``, the next open) after ``k``'s market fill and
        before ``k``'s resting exits, at the price on the feed's path at that time.
        """
        if not self.futures or funding is None or funding.empty or not self.n:
            return np.empty(0, dtype=np.int64), [], []
        at = _ms(funding["ts"])
        rates = funding["rate"].to_numpy()
        within = np.searchsorted(self.ts, at, side="right") - 1  # the candle open at the funding time
        events, kept, marks = [], [], []
        for t, k, rate in zip(at.tolist(), within.tolist(), rates.tolist()):
            if k < 0 or t >= self.ts[-1] + step:
                continue
            event = k - 1 if t == self.ts[k] else k
            if event < 0:
                continue
            price = feed_decimal(price_on_candle(self.open[k], self.high[k], self.low[k], self.close[k],
                                                 (t - int(self.ts[k])) / step))
            events.append(event)
            kept.append(Decimal(str(rate)))
            marks.append(fills.floor_step(price, self.tick) if self.tick else price)
        return np.array(events, dtype=np.int64), kept, marks

    # the scan -------------------------------------------------------------------------------
    def run(self, progress: Callable[[float], None] | None = None, cancel: Callable[[], bool] | None = None) -> Run:
        report_at = PROGRESS_EVERY if progress or cancel else self.n + 1
        while True:
            event = self._next_event()
            if event is None:
                break
            index, phase, what = event
            if index >= report_at:
                report_at = index + PROGRESS_EVERY
                _report(progress, cancel, index / self.n)
            self.key = (index, phase)
            if phase == FUNDING:
                self._pay_funding(what)
            elif phase == MARKET_FILL:
                self._on_signal(index - 1, what)
            else:
                self._on_exit(index)
            self._mark(index)
        return self._finish()

    key = (0, -1)  # the (candle, phase) last settled: every later event comes after it
    touch_from = 0

    def _first_signal_candle(self) -> int:
        """The first candle whose signal fills after ``key`` (its order fills at the next open)."""
        index, phase = self.key
        return max(0, index - 1 if phase < MARKET_FILL else index, self._last_signal + 1)

    def _next_event(self):
        candidates = []
        index, phase = self.key
        if self.qty != 0 and len(self.funding_idx):
            k = max(self.funding_done, int(np.searchsorted(self.funding_idx, index + (1 if phase > FUNDING else 0))))
            if k < len(self.funding_idx):
                candidates.append((int(self.funding_idx[k]), FUNDING, k))
        signal = self._next_signal()
        if signal is not None:
            candidates.append(signal)
        limit = min([c[0] for c in candidates], default=self.n - 1)
        touch = self._next_touch(limit)
        if touch is not None:
            candidates.append(touch)
        return min(candidates, default=None, key=lambda c: (c[0], c[1]))

    def _after(self, indices: np.ndarray) -> int | None:
        """The first signal candle in ``indices`` acted on after ``key``, not while the bot is paused."""
        k = int(np.searchsorted(indices, self._first_signal_candle()))
        while k < len(indices):
            i = int(indices[k])
            if i + 1 >= self.n:
                return None
            if self.ts[i + 1] >= self.paused_until:
                return i
            k = int(np.searchsorted(indices, int(np.searchsorted(self.ts, self.paused_until)) - 1))
        return None

    _last_signal = -1

    def _next_signal(self):
        if self.config.strategy == "dca":
            return self._next_dca()
        long, short = self.qty > 0, self.qty < 0
        options = []
        if not long:
            options.append((self.buys, "buy"))
        if long or (not short and self.futures and self.config.allow_short and not self.strategy.sell_closes_only):
            options.append((self.sells, "sell"))
        found = [(i, action) for indices, action in options if (i := self._after(indices)) is not None]
        if not found:
            return None
        i, action = min(found)
        return (i + 1, MARKET_FILL, action)

    def _next_dca(self):
        start = max(self._first_signal_candle(), int(np.searchsorted(self.ts, self.paused_until)) - 1)
        best = None
        take_profit = self.params.get("take_profit_pct")
        if self.qty > 0 and take_profit is not None:
            target = float(self.entry * (1 + Decimal(str(take_profit)) / 100))
            j = _first(lambda a, b: self.close[a:b] >= target * (1 - 1e-12), start, self.n - 1)
            if j is not None:
                best = (j + 1, MARKET_FILL, "dca-tp")
        if self.entries < int(self.params["max_entries"]) or self.qty <= 0:
            if self.last_entry_ts is None:  # flat after a take profit, the interval still runs from the last buy
                i = start
            else:
                due = self.last_entry_ts + int(float(self.params["interval_hours"]) * 3_600_000)
                i = max(start, int(np.searchsorted(self.close_ts, due)))
            if i < self.n - 1 and (best is None or i + 1 < best[0]):
                best = (i + 1, MARKET_FILL, "dca-buy")
        return best

    def _next_touch(self, limit: int):
        if self.qty == 0:
            return None
        index, phase = self.key
        cursor = max(self.touch_from, index if phase < RESTING else index + 1)
        up, down_stop, down_liq = self.exit_floats  # long: tp above, stop and liquidation below
        spread = 0.0 if self.futures else float(fills.HALF_SPREAD)  # a spot take-profit rests as a limit
        if self.qty > 0:
            def hit(a, b):
                return (self.high[a:b] * (1 - spread) >= up * (1 - 1e-12)) | \
                       (self.low[a:b] <= max(down_stop, down_liq) * (1 + 1e-12))
        else:
            def hit(a, b):
                return (self.low[a:b] <= up * (1 + 1e-12)) | \
                       (self.high[a:b] >= min(down_stop, down_liq) * (1 - 1e-12))
        j = _first(hit, cursor, limit + 1)
        return None if j is None else (j, RESTING, "exit")

    # settling -------------------------------------------------------------------------------
    def _on_signal(self, k: int, action: str) -> None:
        self._last_signal = k
        f = k + 1
        if action == "dca-tp":
            self._close(f, "take profit")
        elif action == "dca-buy":
            self._enter(k, f, Side.BUY)
        elif action == "buy":
            self._close(f, "signal") if self.qty < 0 else self._enter(k, f, Side.BUY)
        else:
            self._close(f, "signal") if self.qty > 0 else self._enter(k, f, Side.SELL)

    def _day(self, f: int) -> None:
        day = int(self.ts[f]) // DAY_MS
        if day != self.day:
            self.day, self.trades_today, self.pnl_today = day, 0, ZERO

    def _reject(self, index: int, reason: str) -> None:
        self.out.rejections.append(Rejection(index=index, ts=int(self.ts[index]), reason=reason))

    def _enter(self, k: int, f: int, side: Side) -> None:
        config, rules = self.config, self.rules
        self._day(f)
        reason = risk.daily_limit_reason(config, trades_today=self.trades_today, pnl_today=self.pnl_today)
        if reason:
            self.paused_until = (int(self.ts[f]) // DAY_MS + 1) * DAY_MS
            self._reject(f, f"paused: {reason}")
            return
        signal_price = Decimal(repr(float(self.close[k])))
        feed = Decimal(repr(float(self.open[f])))
        free = self.quote - self.margin if self.futures else self.quote
        notional = risk.entry_notional(config, free_quote=free, exposure=abs(self.qty) * signal_price)
        if notional <= 0:
            self._reject(f, f"position limit {config.max_position_quote} {rules.quote} reached")
            return
        try:
            if self.futures:
                request = OrderRequest(symbol=config.symbol, market=config.market, side=side,
                                       quantity=notional / signal_price)
            else:
                request = OrderRequest(symbol=config.symbol, market=config.market, side=side, quote_quantity=notional)
            plan = plan_order(request, rules, feed, CCXT_TYPES)
        except (InvalidOrder, InsufficientBalance) as e:
            self._reject(f, str(e))
            return
        price = fills.ask(feed, self.tick) if side is Side.BUY else fills.bid(feed, self.tick)
        if self.futures:
            qty = plan.preview.quantity
            fee = fills.round8(qty * price * fills.FUTURES_TAKER)
            margin = qty * price / config.leverage
            if margin + fee > self.quote - self.margin:
                self._reject(f, f"insufficient margin: {margin + fee:.8f} {rules.quote} needed, "
                                f"{self.quote - self.margin:.8f} free; trade less")
                return
            self.quote -= fee
            signed = qty if side is Side.BUY else -qty
            self.entry = (self.entry * abs(self.qty) + price * qty) / (abs(self.qty) + qty)
            self.qty += signed
            self.margin += margin
            self._record(f, side, qty, price, fee, rules.quote, "entry", fee)
        else:
            qty = fills.floor_step(notional / price, rules.step_size or rules.market_step_size)
            if qty < rules.min_qty or qty <= 0:
                self._reject(f, f"quantity {qty} {rules.base} is below the minimum {rules.min_qty}; raise the amount")
                return
            if qty * price > self.quote:
                self._reject(f, f"insufficient balance: {qty * price:.8f} {rules.quote} needed, {self.quote:.8f} free")
                return
            fee = fills.round8(qty * fills.SPOT_FEE)
            self.quote -= qty * price
            self.base += qty - fee
            received = qty - fee
            # the entry price is the cost over what is held, as the engine's FIFO lots have it: the fee
            # paid in the base asset raises it
            self.entry = (self.entry * self.qty + price * qty) / self.base
            self.qty = self.base  # the bot's own base: dust left by earlier exits counts in
            self._record(f, side, qty, price, fee, rules.base, "entry", fee * price)
        self.entries += 1
        self.last_entry_ts = int(self.ts[f])
        self.trades_today += 1
        self.touch_from = f
        self._place_exits(f, price, feed, received=ZERO if self.futures else received)

    def _place_exits(self, f: int, fill_price: Decimal, feed: Decimal, *, received: Decimal) -> None:
        config, rules = self.config, self.rules
        long = self.qty > 0
        tp, sl = risk.exit_prices(config, fill_price, long=long)
        liq = self._liquidation_price() if self.futures else None
        if not self.futures and tp is not None and sl is not None:
            try:
                qty = normalize_quantity(rules, received, market_order=False, verb="sell")
                tp = normalize_price(rules, tp, Rounding.UP, "take-profit price")
                sl = normalize_price(rules, sl, Rounding.UP, "stop price")
                limit = normalize_price(rules, sl * (1 - STOP_LIMIT_GAP), Rounding.DOWN, "stop-limit price")
                if not tp > feed > sl >= limit:
                    raise InvalidOrder(f"an OCO sell needs take-profit > current price > stop >= stop-limit; got "
                                       f"{tp} > {feed} > {sl} >= {limit}; move the prices")
                for leg, what in ((tp, "take-profit price"), (limit, "stop-limit price")):
                    check_price_band(rules, leg, feed, buy=False, what=what)
                    check_notional(rules, qty, leg, market_order=False, verb="sell")
            except InvalidOrder as e:
                self._reject(f, f"OCO not placed: {e}")
                tp = sl = None
            else:
                self.exit_qty = qty
        elif not self.futures:
            tp = sl = None
        elif self.futures:
            # the client's rounding of a trigger: never exit worse than asked (up for a sell, down for a buy)
            toward = Rounding.UP if long else Rounding.DOWN
            tp = normalize_price(rules, tp, toward, "take-profit price") if tp is not None else None
            sl = normalize_price(rules, sl, toward, "stop price") if sl is not None else None
            self.exit_qty = abs(self.qty)
        self.exits = (tp, sl, liq)
        inf = np.inf if long else -np.inf
        self.exit_floats = (float(tp) if tp is not None else inf,
                            float(sl) if sl is not None else -inf,
                            float(liq) if liq is not None and liq > 0 else -inf)

    def _liquidation_price(self) -> Decimal:
        """Binance's isolated one-way liquidation price for the position and its margin (console.futures_model)."""
        return liquidation_price(self.qty, self.entry, self.margin, leverage_brackets(self.rules.symbol.replace("/", "")))

    def _on_exit(self, j: int) -> None:
        tp, sl, liq = self.exits
        lo, hi = Decimal(repr(float(self.low[j]))), Decimal(repr(float(self.high[j])))
        # The exchange matches a candle's whole range at once, the take-profit (placed first) before the stop.
        if self.qty > 0:
            if liq is not None and liq > 0 and lo <= liq and (sl is None or liq >= sl):
                return self._liquidate(j, liq)
            if tp is not None and self.futures and hi >= tp:  # TAKE_PROFIT_MARKET: a market sell at the trigger
                return self._close(j, "take-profit", price=fills.bid(tp, self.tick), qty=self.exit_qty)
            if tp is not None and not self.futures and fills.bid(hi, self.tick) >= tp:  # the OCO's LIMIT_MAKER
                return self._close(j, "take-profit", price=tp, qty=self.exit_qty, maker=True)
            if sl is not None and lo <= sl:
                return self._close(j, "stop-loss", price=fills.bid(sl, self.tick), qty=self.exit_qty)
        else:
            if liq is not None and liq > 0 and hi >= liq and (sl is None or liq <= sl):
                return self._liquidate(j, liq)
            if tp is not None and lo <= tp:
                return self._close(j, "take-profit", price=fills.ask(tp, self.tick), qty=self.exit_qty)
            if sl is not None and hi >= sl:
                return self._close(j, "stop-loss", price=fills.ask(sl, self.tick), qty=self.exit_qty)
        self.touch_from = j + 1  # a near miss in floats: look on from the next candle

    def _close(self, f: int, reason: str, *, price: Decimal | None = None, qty: Decimal | None = None,
               maker: bool = False) -> None:
        rules = self.rules
        self._day(f)
        feed = Decimal(repr(float(self.open[f])))
        long = self.qty > 0
        if price is None:
            price = fills.bid(feed, self.tick) if long else fills.ask(feed, self.tick)
        if qty is None:
            if not self.futures and not sellable(rules, self.qty, price):
                self._reset_position()  # dust: flat
                return
            qty = fills.floor_step(abs(self.qty), rules.quantity_step(True))
        if self.futures:
            fee = fills.round8(qty * price * fills.FUTURES_TAKER)
            gross = (price - self.entry) * (qty if long else -qty)
            self.quote += gross - fee
            pnl_fee = fee
            self._record(f, Side.SELL if long else Side.BUY, qty, price, fee, rules.quote, reason, fee)
        else:
            fee = fills.round8(qty * price * fills.SPOT_FEE)
            self.base -= qty
            self.quote += qty * price - fee
            gross = (price - self.entry) * qty
            pnl_fee = fee
            self._record(f, Side.SELL, qty, price, fee, rules.quote, reason, fee)
        self.trades_today += 1
        self.pnl_today += gross - pnl_fee
        self._finish_trade(f, price, reason)

    def _liquidate(self, j: int, liq: Decimal) -> None:
        """Close at the liquidation price on the tick, without fee, losing the position's isolated margin."""
        q = abs(self.qty)
        self._day(j)
        price = liquidation_fill_price(liq, self.tick, self.qty > 0)
        loss = self.margin
        self.quote -= loss
        self.pnl_today -= loss
        self._record(j, Side.SELL if self.qty > 0 else Side.BUY, q, price, ZERO, self.rules.quote, "liquidation", ZERO)
        self._finish_trade(j, price, "liquidation")

    def _pay_funding(self, k: int) -> None:
        self.funding_done = k + 1
        paid = funding_payment(self.qty, self.funding_mark[k], self.funding_rate[k])  # a long pays a positive rate
        self.quote -= paid
        self.margin -= paid
        self.out.funding_paid += paid
        self.trade_open["funding"] = self.trade_open.get("funding", ZERO) + paid
        tp, sl, _ = self.exits
        liq = self._liquidation_price()
        self.exits = (tp, sl, liq)
        inf = np.inf if self.qty > 0 else -np.inf
        self.exit_floats = (self.exit_floats[0], self.exit_floats[1], float(liq) if liq > 0 else -inf)

    def _record(self, index: int, side: Side, qty: Decimal, price: Decimal, fee: Decimal, asset: str,
                reason: str, fee_quote: Decimal) -> None:
        self.out.fills.append(Fill(index=index, ts=int(self.ts[index]), side=side.value, quantity=qty, price=price,
                                   fee=fee, fee_asset=asset, reason=reason))
        self.out.fees_paid += fee_quote
        opened = self.trade_open
        if reason == "entry":
            opened.setdefault("index", index)
            opened["qty"] = opened.get("qty", ZERO) + qty
            opened["fees"] = opened.get("fees", ZERO) + fee_quote
            opened["cost"] = opened.get("cost", ZERO) + qty * price
        else:
            opened["fees"] = opened.get("fees", ZERO) + fee_quote

    def _finish_trade(self, index: int, price: Decimal, reason: str) -> None:
        opened = self.trade_open
        qty = opened.get("qty", ZERO)
        long = self.qty > 0
        entry_price = opened["cost"] / qty if qty else self.entry
        funding = opened.get("funding", ZERO)
        if reason == "liquidation":  # the margin left is lost; the entry fee and funding were paid already
            pnl = -self.margin - opened["fees"] - funding
        else:
            gross = (price - entry_price) * qty * (1 if long else -1)
            pnl = gross - opened["fees"] - funding
        self.out.trades.append(Trade(
            direction="long" if long else "short", entry_index=opened["index"], exit_index=index,
            entry_ts=int(self.ts[opened["index"]]), exit_ts=int(self.ts[index]), quantity=qty,
            entry_price=entry_price, exit_price=price, fees=opened["fees"], funding=funding, pnl=pnl,
            exit_reason=reason))
        self._reset_position()

    def _reset_position(self) -> None:
        self.qty = self.entry = self.margin = self.exit_qty = ZERO
        self.entries = 0
        self.exits, self.exit_floats = (None, None, None), (np.inf, -np.inf, -np.inf)
        self.trade_open = {}

    def _mark(self, index: int) -> None:
        self.marks.append((index, self.quote, self.base, self.qty, self.entry))

    def _finish(self) -> Run:
        out = self.out
        n = self.n
        idx = np.array([m[0] for m in self.marks], dtype=np.int64)
        quote = np.array([float(m[1]) for m in self.marks] or [0.0])
        base = np.array([float(m[2]) for m in self.marks] or [0.0])
        qty = np.array([float(m[3]) for m in self.marks] or [0.0])
        entry = np.array([float(m[4]) for m in self.marks] or [0.0])
        at = np.searchsorted(idx, np.arange(n), side="right") - 1
        has = at >= 0
        pick = np.where(has, at, 0)
        start = float(self.start)
        if self.futures:
            eq = np.where(has, quote[pick] + qty[pick] * (self.close - entry[pick]), start)
        else:
            eq = np.where(has, quote[pick] + base[pick] * self.close, start)
        out.equity = eq
        out.exposed = np.where(has, qty[pick] != 0, False)
        last_close = Decimal(repr(float(self.close[-1]))) if n else ZERO
        out.final_equity = (self.quote + self.qty * (last_close - self.entry)) if self.futures else \
            (self.quote + self.base * last_close)
        return out


def _first(predicate, start: int, end: int) -> int | None:
    """The first index in [start, end) where ``predicate(a, b)`` (a boolean array over a..b) holds."""
    size = 256
    while start < end:
        stop = min(end, start + size)
        hit = predicate(start, stop)
        k = int(hit.argmax()) if len(hit) else 0
        if len(hit) and hit[k]:
            return start + k
        start, size = stop, size * 4
    return None
