"""ExchangeClient: Binance spot or USD-M futures through ccxt, for one venue and market.

Orders are never duplicated and never lost: each gets a client order id and is journaled as
pending before it is sent (every order method takes the journal; there is no way to send one
without). A timeout, 5xx, dropped connection or 429 on the order request is
resolved by looking the order up by that id after a backoff; it is sent again, with the same id,
only when the exchange answers that no such order exists. Reads retry temporary errors.
"""
from __future__ import annotations

import difflib
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

import pandas as pd

from console.domain import (
    AccountTrade,
    Balance,
    Market,
    OcoOrder,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Ticker,
    Venue,
    WorkingType,
)
from console.errors import (
    ConsoleError,
    InsufficientBalance,
    InvalidOrder,
    OrderNotFound,
    OrderRejected,
    TemporaryError,
    TooManyOrders,
    UnknownSymbol,
)
from console.exchange import futures, spot
from console.exchange.connect import make_ccxt
from console.exchange.limiter import WeightLimiter, shared_limiter
from console.exchange.orders import (
    OrderPreview,
    Plan,
    balances_after,
    check_balance,
    check_client_order_id,
    new_client_order_id,
    plan_order,
)
from console.exchange.parse import (
    BINANCE_TYPES,
    candles_frame,
    commissions_of,
    fills_of,
    parse_balances,
    parse_order,
    parse_ticker,
    parse_trade,
)
from console.exchange.precision import SymbolRules, rules_from_ccxt_market
from console.exchange.retry import BanGate, RetryPolicy, Unresolved, shared_gate, utc
from console.exchange.transport import Transport

__all__ = ["ExchangeClient", "OrderJournal", "OrderPreview"]
ZERO = Decimal(0)
ORDER_RECV_WINDOW_MS = 5_000


class OrderJournal(Protocol):
    """Durable record of orders, implemented by the caller; the client calls it around every order."""

    def pending(self, client_order_id: str, request: OrderRequest) -> None: ...

    def pending_list(self, list_client_order_id: str, legs: Sequence[tuple[str, OrderRequest]]) -> None:
        """Journal an order list (an OCO) and every leg as pending, together."""

    def resolved(self, order: Order) -> Any: ...

    def failed(self, client_order_id: str, error: ConsoleError) -> None: ...


class ExchangeClient:
    """Talk to one venue's spot or USD-M market; every answer is a domain object."""

    MARKETS_MAX_AGE = 3600.0
    BALANCES_MAX_AGE = 5.0
    PRICE_MAX_AGE = 2.0

    def __init__(self, venue: Venue, market: Market, *, base_url: str | None, api_key: str, api_secret: str,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, rng: Callable[[], float] = random.random,
                 timeout_ms: int = 10_000, limiter: WeightLimiter | None = None,
                 retry: RetryPolicy = RetryPolicy(), ban_gate: BanGate | None = None) -> None:
        self.venue, self.market = Venue(venue), Market(market)
        self.clock = clock
        # An order request must reach the exchange within this window or be refused, and the client
        # waits at least this long for an answer: after a timeout, "no such order" is then final.
        self.order_window_ms = min(ORDER_RECV_WINDOW_MS, timeout_ms)
        self.exchange = make_ccxt(self.market, base_url=base_url, api_key=api_key, api_secret=api_secret,
                                  demo=self.venue is Venue.DEMO, timeout_ms=timeout_ms)
        self.exchange.options["warnOnFetchOpenOrdersWithoutSymbol"] = False
        address = f"{self.venue.value}:{base_url or ''}"
        self.transport = Transport(
            self.exchange, market=self.market, venue_name=f"Binance {self.venue.value} {self.market.value}",
            limiter=limiter or shared_limiter(address, self.market), gate=ban_gate or shared_gate(address, self.market.value),
            policy=retry, clock=clock, sleep=sleep, rng=rng)
        self._lock = threading.RLock()
        self._markets_at: float | None = None
        self._rules: dict[str, SymbolRules] = {}
        self._balances: dict[str, Balance] | None = None
        self._balances_at = 0.0
        self._prices: dict[str, tuple[float, Decimal]] = {}
        self.leverage: dict[str, int] = {}
        self.leverage_caps: dict[str, int] = {}
        self.symbol_configs: dict[str, tuple[int, bool]] = {}

    # --- markets and rules ---------------------------------------------------------------

    def ccxt_symbol(self, symbol: str) -> str:
        if self.market is Market.FUTURES and ":" not in symbol:
            return f"{symbol}:{symbol.split('/')[-1]}"
        return symbol

    def load_markets(self, force: bool = False) -> dict:
        """ccxt's markets, loaded once and again after an hour (or a filter rejection)."""
        with self._lock:
            now = self.clock()
            if force or self._markets_at is None or now - self._markets_at > self.MARKETS_MAX_AGE:
                self.transport.read("load_markets", self.exchange.load_markets, True)
                self._markets_at, self._rules = now, {}
            return self.exchange.markets

    def rules(self, symbol: str) -> SymbolRules:
        """The symbol's trading rules (markets are loaded once, refreshed hourly or after a filter rejection)."""
        with self._lock:
            markets = self.load_markets()
            if symbol not in self._rules:
                raw = markets.get(self.ccxt_symbol(symbol))
                if raw is None or not raw.get("active", True):
                    raise UnknownSymbol(self._not_traded(symbol, raw))
                self._rules[symbol] = rules_from_ccxt_market(raw, self.market)
            return self._rules[symbol]

    def _not_traded(self, symbol: str, raw: dict | None) -> str:
        """Say that ``symbol`` does not trade here and suggest symbols that do, the closest first."""
        trading = self.symbols()
        close = difflib.get_close_matches(symbol.upper(), trading, n=8, cutoff=0.5)
        listed = ", ".join((close + [s for s in trading if s not in close])[:8])
        status = str((raw.get("info") or {}).get("status") or "not trading") if raw is not None else ""
        why = f" (listed, but {status})" if status else ""
        return (f"{symbol} is not traded on Binance {self.market.value} ({self.venue.value}){why}; "
                f"pick a listed symbol such as {listed}")

    def symbols(self) -> list[str]:
        """Every symbol trading on this market, in the unified spot form (BTC/USDT), sorted."""
        markets = self.load_markets()
        return sorted({m["symbol"].split(":")[0] for m in markets.values() if m.get("active", True)
                       and (m.get("spot") if self.market is Market.SPOT else m.get("linear") and m.get("swap"))})

    # --- reads -----------------------------------------------------------------------------

    def ticker(self, symbol: str) -> Ticker:
        """The last price (and best bid/ask where the venue gives them)."""
        self.rules(symbol)
        raw = self.transport.read("fetch_ticker", self.exchange.fetch_ticker, self.ccxt_symbol(symbol))
        ticker = parse_ticker(raw, symbol)
        self._prices[symbol] = (self.clock(), ticker.last)
        return ticker

    def reference_price(self, symbol: str) -> Decimal:
        """The last price, at most PRICE_MAX_AGE seconds old: what order checks use."""
        seen = self._prices.get(symbol)
        if seen is not None and self.clock() - seen[0] <= self.PRICE_MAX_AGE:
            return seen[1]
        return self.ticker(symbol).last

    def balances(self, *, fresh: bool = False) -> dict[str, Balance]:
        """Free and locked per asset (futures: free is the available margin); cached a few seconds."""
        with self._lock:
            if fresh or self._balances is None or self.clock() - self._balances_at > self.BALANCES_MAX_AGE:
                raw = self.transport.read("fetch_balance", self.exchange.fetch_balance)
                self._balances, self._balances_at = parse_balances(raw, self.market), self.clock()
            return dict(self._balances)

    def permissions(self) -> dict[str, bool]:
        """What these keys may do on this market: trade, withdraw, deposit (from the account endpoint)."""
        call = (self.exchange.fapiPrivateV2GetAccount if self.market is Market.FUTURES
                else self.exchange.privateGetAccount)
        raw = self.transport.read("fetch_account", call)
        return {name: bool(raw.get(key)) for name, key in
                (("trade", "canTrade"), ("withdraw", "canWithdraw"), ("deposit", "canDeposit"))}

    def candles(self, symbol: str, timeframe: str, limit: int = 200) -> pd.DataFrame:
        """The last ``limit`` closed candles: ts (UTC), open, high, low, close, volume as floats."""
        self.rules(symbol)
        rows = self.transport.read("fetch_ohlcv", self.exchange.fetch_ohlcv, self.ccxt_symbol(symbol),
                                   timeframe, None, min(limit + 1, 1000))
        return candles_frame(rows, timeframe, int(self.clock() * 1000)).tail(limit).reset_index(drop=True)

    def trades(self, symbol: str, since: datetime | None = None, *, order_id: str | None = None) -> list[AccountTrade]:
        """The account's executions on ``symbol`` (optionally since a time, or of one order)."""
        self.rules(symbol)
        since_ms = int(since.timestamp() * 1000) if since else None
        params = {"orderId": order_id} if order_id else {}
        raw = self.transport.read("fetch_my_trades", self.exchange.fetch_my_trades, self.ccxt_symbol(symbol),
                                  since_ms, None, params)
        return [parse_trade(t, symbol, self.market) for t in raw]

    def fetch_order(self, symbol: str, client_order_id: str) -> Order:
        """The order with this client id, with its fills; OrderNotFound if the exchange has none."""
        self.rules(symbol)
        raw = self.transport.read("fetch_order", self.exchange.fetch_order, None, self.ccxt_symbol(symbol),
                                  {"origClientOrderId": client_order_id})
        return self._with_fills(parse_order(raw, symbol, self.market))

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Open orders on ``symbol``, or on every symbol."""
        if symbol is not None:
            self.rules(symbol)
        else:
            self.load_markets()
        action = "fetch_open_orders" if symbol else "fetch_open_orders_all"
        raw = self.transport.read(action, self.exchange.fetch_open_orders,
                                  self.ccxt_symbol(symbol) if symbol else None)
        return [parse_order(o, o["symbol"].split(":")[0], self.market) for o in raw]

    def positions(self) -> list[Position]:
        """Open USD-M positions (futures only)."""
        return futures.positions(self)

    @property
    def banned_until(self) -> datetime | None:
        """When the venue's 418 ban ends (UTC), or None when requests may be sent."""
        return self.transport.gate.until(utc(self.clock))

    # --- orders ----------------------------------------------------------------------------

    def _plan(self, request: OrderRequest) -> Plan:
        if request.market is not self.market:
            raise InvalidOrder(f"this is the {self.market.value} client; send {request.market.value} orders "
                               f"through the {request.market.value} client")
        rules = self.rules(request.symbol)
        # a market order is valued at the current price, a limit price must lie in a band around it
        return plan_order(request, rules, self.reference_price(request.symbol), BINANCE_TYPES)

    def preview(self, request: OrderRequest) -> OrderPreview:
        """Normalise ``request`` and estimate its fee without sending it; raise InvalidOrder with the fix.

        A spot sell that would leave unsellable dust carries a warning saying so.
        """
        preview = self._plan(request).preview
        return replace(preview, warnings=spot.dust_warnings(self, preview))

    def _check_balance(self, plan: Plan) -> None:
        """Refuse an order the free balance (or margin) can't cover; a cached shortfall is checked afresh."""
        if plan.request.reduce_only:
            return
        rules = self.rules(plan.request.symbol)
        leverage = futures.symbol_config(self, rules.symbol)[0] if self.market is Market.FUTURES else 1
        keep = plan.request.keep_remainder
        try:
            check_balance(plan.preview, rules, self.balances(), leverage, keep_remainder=keep)
        except (InsufficientBalance, InvalidOrder):
            check_balance(plan.preview, rules, self.balances(fresh=True), leverage, keep_remainder=keep)

    def place_order(self, request: OrderRequest, *, journal: OrderJournal) -> Order:
        """Normalise, check the balance, journal, send and resolve one order; return the exchange's answer."""
        plan = self._plan(request)
        self._check_balance(plan)
        cid = check_client_order_id(request.client_order_id or new_client_order_id())
        self.transport.gate.check(utc(self.clock), self.transport.venue_name)
        journal.pending(cid, request)
        try:
            order = self._submit(plan, cid)
        except Unresolved as e:
            raise e.error from e.__cause__
        except TooManyOrders as e:
            journal.failed(cid, error := e.on(request.symbol))
            raise error from e
        except ConsoleError as e:
            journal.failed(cid, e)
            if isinstance(e, OrderRejected):
                self._markets_at = None  # a filter may have changed: reload the rules on next use
            raise
        order = self._with_fills(order)
        self._apply_to_balances(order)
        journal.resolved(order)
        return order

    def _submit(self, plan: Plan, cid: str) -> Order:
        symbol, ccxt_symbol = plan.request.symbol, self.ccxt_symbol(plan.request.symbol)

        def send() -> Order:
            raw = self.transport.once("create_order", self.exchange.create_order, ccxt_symbol, plan.ccxt_type,
                                      plan.request.side.value, plan.amount, plan.price,
                                      {**plan.params, "newClientOrderId": cid,
                                       "recvWindow": self.order_window_ms}, orders=1)
            return parse_order(raw, symbol, self.market)

        def find() -> Order:
            raw = self.transport.once("fetch_order", self.exchange.fetch_order, None, ccxt_symbol,
                                      {"origClientOrderId": cid})
            return parse_order(raw, symbol, self.market)

        return self.transport.send_order(send, find, f"order {cid} on {symbol}")

    def _with_fills(self, order: Order) -> Order:
        if order.filled <= 0 or order.fills:
            return order
        try:
            trades = self.trades(order.symbol, order_id=order.exchange_order_id)
        except TemporaryError:
            return order
        fills = fills_of(t for t in trades if t.exchange_order_id == order.exchange_order_id)
        if not fills:
            return order
        realized = sum((t.realized_pnl or ZERO for t in trades), ZERO) if self.market is Market.FUTURES else None
        return replace(order, fills=fills, commissions=commissions_of(fills),
                       realized_pnl=order.realized_pnl if order.realized_pnl is not None else realized)

    def forget_balances(self) -> None:
        """Make the next balance read go to the exchange."""
        with self._lock:
            self._balances = None

    def _apply_to_balances(self, order: Order) -> None:
        """Move the cached balances by a spot market fill; anything else makes the next check refetch."""
        with self._lock:
            if self._balances is None or self.market is Market.FUTURES or order.type is not OrderType.MARKET:
                self._balances = None
            else:
                self._balances = balances_after(self._balances, order, self.rules(order.symbol))

    def cancel_order(self, symbol: str, *, client_order_id: str | None = None,
                     exchange_order_id: str | None = None) -> Order:
        """Cancel one open order by either id; return it as the exchange reports it."""
        if not client_order_id and not exchange_order_id:
            raise InvalidOrder("name the order to cancel by client_order_id or exchange_order_id")
        self.rules(symbol)
        params = {"origClientOrderId": client_order_id} if client_order_id else {}
        tries = 0

        def cancel(*args: Any) -> dict:
            nonlocal tries
            tries += 1
            return self.exchange.cancel_order(*args)

        self.forget_balances()
        try:
            raw = self.transport.read("cancel_order", cancel, exchange_order_id, self.ccxt_symbol(symbol), params)
        except OrderNotFound:
            if tries < 2 or not client_order_id:
                raise
            order = self.fetch_order(symbol, client_order_id)  # an earlier try may have cancelled it
            if order.status is not OrderStatus.CANCELLED:
                raise
            return order
        return parse_order(raw, symbol, self.market)

    def place_oco_sell(self, symbol: str, quantity: Decimal, take_profit_price: Decimal, stop_price: Decimal,
                       stop_limit_price: Decimal | None = None, client_order_id: str | None = None,
                       *, journal: OrderJournal) -> OcoOrder:
        """Protect a spot holding: take-profit LIMIT_MAKER above, STOP_LOSS_LIMIT below (spot only).

        The list and both legs are journaled pending before the list is sent.
        """
        return spot.place_oco(self, symbol, quantity, take_profit_price, stop_price, stop_limit_price,
                              client_order_id, journal)

    def cancel_oco(self, symbol: str, list_id: str | None = None, *,
                   list_client_order_id: str | None = None) -> list[Order]:
        """Cancel an OCO as a list (by its exchange or client list id); return both legs as cancelled.

        OrderNotFound when the list is no longer working (a leg filled, or it was cancelled).
        """
        return spot.cancel_oco(self, symbol, list_id, list_client_order_id)

    def prepare_futures(self, symbol: str, leverage: int) -> None:
        """Check ``leverage`` against the symbol's bracket, then set it and isolated margin (once per symbol)."""
        futures.prepare(self, symbol, leverage)

    def place_algo(self, request: OrderRequest, working_type: WorkingType = WorkingType.MARK_PRICE, *,
                   journal: OrderJournal) -> Order:
        """Rest a USD-M STOP_MARKET / TAKE_PROFIT_MARKET order (trigger in ``stop_price``) in the algo service."""
        return futures.place_algo(self, request, working_type, journal)

    def fetch_algo(self, symbol: str, client_algo_id: str) -> Order:
        """The USD-M conditional order with this client algo id (once triggered: the order it placed)."""
        return futures.fetch_algo(self, symbol, client_algo_id)

    def cancel_algo(self, symbol: str, client_algo_id: str, *, journal: OrderJournal) -> Order:
        """Cancel a USD-M conditional order by client algo id; journal and return what the exchange then reports."""
        return futures.cancel_algo(self, symbol, client_algo_id, journal)

    def open_algos(self, symbol: str | None = None) -> list[Order]:
        """USD-M conditional orders resting on ``symbol``, or on every symbol."""
        return futures.open_algos(self, symbol)

    def close_position(self, symbol: str, *, journal: OrderJournal) -> Order:
        """Close the whole position with a reduce-only market order (spot: sell all)."""
        if self.market is Market.SPOT:
            return self.sell_all(symbol, journal=journal)
        return futures.close(self, symbol, journal)

    def sell_all(self, symbol: str, *, journal: OrderJournal) -> Order:
        """Sell the whole free base balance (floored to the step); dust that can't be sold is refused.

        On futures, close the position.
        """
        if self.market is Market.FUTURES:
            return futures.close(self, symbol, journal)
        return spot.sell_all(self, symbol, journal)
