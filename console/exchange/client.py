"""BinanceClient: what Binance spot and USD-M futures share, for one venue and market, through ccxt.

``SpotClient`` (console/exchange/spot.py) and ``FuturesClient`` (console/exchange/futures.py)
override only what differs; build one with ``client_for`` (console/exchange/factory.py).

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
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Protocol

import pandas as pd

from console.domain import AccountTrade, Balance, Market, Order, OrderRequest, OrderStatus, Ticker, Venue
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
from console.exchange.connect import make_ccxt
from console.exchange.limiter import WeightLimiter, shared_limiter
from console.exchange.orders import OrderPreview, Plan, check_client_order_id, new_client_order_id, plan_order
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
from console.exchange.rules import SymbolRules, rules_from_ccxt_market
from console.exchange.retry import BanGate, RetryPolicy, Unresolved, shared_gate, utc
from console.exchange.transport import Transport

__all__ = ["BinanceClient", "OrderJournal", "OrderPreview"]
ZERO = Decimal(0)
ORDER_RECV_WINDOW_MS = 5_000


class OrderJournal(Protocol):
    """Durable record of orders, implemented by the caller; the client calls it around every order."""

    def pending(self, client_order_id: str, request: OrderRequest) -> None: ...

    def pending_list(self, list_client_order_id: str, legs: Sequence[tuple[str, OrderRequest]]) -> None:
        """Journal an order list (an OCO) and every leg as pending, together."""

    def resolved(self, order: Order) -> Any: ...

    def failed(self, client_order_id: str, error: ConsoleError) -> None: ...


class BinanceClient(ABC):
    """Talk to one venue's spot or USD-M market; every answer is a domain object.

    Holds what both markets share: markets and rules, tickers, the balances cache, candles,
    trades, order lookups and listings, placing (the never-duplicate send and resolve) and
    cancelling orders, fills. A subclass names its ``market`` and implements ``_check_balance``,
    ``_trades_here`` and ``_fetch_account``; it may override ``ccxt_symbol``, ``preview``,
    ``_realized_pnl`` and ``_apply_to_balances``.
    """

    market: ClassVar[Market]
    MARKETS_MAX_AGE = 3600.0
    BALANCES_MAX_AGE = 5.0
    PRICE_MAX_AGE = 2.0

    def __init__(self, venue: Venue, *, base_url: str | None, api_key: str, api_secret: str,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, rng: Callable[[], float] = random.random,
                 timeout_ms: int = 10_000, limiter: WeightLimiter | None = None,
                 retry: RetryPolicy = RetryPolicy(), ban_gate: BanGate | None = None) -> None:
        self.venue = Venue(venue)
        self.clock = clock
        # An order request must reach the exchange within this window or be refused, and the client
        # waits at least this long for an answer: after a timeout, "no such order" is then final.
        self.order_window_ms = min(ORDER_RECV_WINDOW_MS, timeout_ms)
        self.exchange = make_ccxt(self.market, base_url=base_url, api_key=api_key, api_secret=api_secret,
                                  demo=self.venue is Venue.DEMO, timeout_ms=timeout_ms)
        self.exchange.options["warnOnFetchOpenOrdersWithoutSymbol"] = False
        address = f"{self.venue.value}:{base_url or ''}"
        limiter = limiter or shared_limiter(address, self.market, clock=clock, sleep=sleep)
        self.transport = Transport(
            self.exchange, market=self.market, venue_name=f"Binance {self.venue.value} {self.market.value}",
            limiter=limiter, gate=ban_gate or shared_gate(address, self.market.value),
            policy=retry, clock=clock, sleep=sleep, rng=rng)
        self._lock = threading.RLock()
        self._markets_at: float | None = None
        self._rules: dict[str, SymbolRules] = {}
        self._balances: dict[str, Balance] | None = None
        self._balances_at = 0.0
        self._prices: dict[str, tuple[float, Decimal]] = {}

    # --- what each market fills in -------------------------------------------------------------

    @abstractmethod
    def _check_balance(self, plan: Plan) -> None:
        """Refuse an order the free balance (or margin) can't cover (see ``_covered``)."""

    @abstractmethod
    def _trades_here(self, market: dict) -> bool:
        """Whether a ccxt market entry belongs to this client's market."""

    @abstractmethod
    def _fetch_account(self) -> dict:
        """The raw account endpoint's answer (canTrade, canWithdraw, canDeposit ...)."""

    def _realized_pnl(self, trades: list[AccountTrade]) -> Decimal | None:
        """The PnL an order's trades realised; None where the market realises none per trade."""
        return None

    def _apply_to_balances(self, order: Order) -> None:
        """Account for an executed order in the cached balances: here, make the next check refetch."""
        self.forget_balances()

    # --- markets and rules ---------------------------------------------------------------

    def ccxt_symbol(self, symbol: str) -> str:
        """The symbol as ccxt names it on this market (spot form here)."""
        return symbol

    def market_id(self, symbol: str) -> str:
        """Binance's own name of ``symbol`` (BTCUSDT)."""
        return self.exchange.market(self.ccxt_symbol(symbol))["id"]

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
        return sorted({m["symbol"].split(":")[0] for m in markets.values()
                       if m.get("active", True) and self._trades_here(m)})

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

    def forget_balances(self) -> None:
        """Make the next balance read go to the exchange."""
        with self._lock:
            self._balances = None

    def _covered(self, check: Callable[[dict[str, Balance]], None]) -> None:
        """Run a balance ``check`` on the cached balances; a shortfall there is checked afresh."""
        try:
            check(self.balances())
        except (InsufficientBalance, InvalidOrder):
            check(self.balances(fresh=True))

    def permissions(self) -> dict[str, bool]:
        """What these keys may do on this market: trade, withdraw, deposit (from the account endpoint)."""
        raw = self._fetch_account()
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
        """Normalise ``request`` and estimate its fee without sending it; raise InvalidOrder with the fix."""
        return self._plan(request).preview

    def _client_id(self, client_order_id: str | None) -> str:
        """The caller's client order id, checked, or a new one."""
        return check_client_order_id(client_order_id or new_client_order_id())

    def _check_gate(self) -> None:
        """Refuse to send while the venue's ban lasts."""
        self.transport.gate.check(utc(self.clock), self.transport.venue_name)

    def place_order(self, request: OrderRequest, *, journal: OrderJournal) -> Order:
        """Normalise, check the balance, journal, send and resolve one order; return the exchange's answer."""
        plan = self._plan(request)
        self._check_balance(plan)
        cid = self._client_id(request.client_order_id)
        self._check_gate()
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
        with self._lock:
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
        """``order`` with its fills, commissions (and realised PnL) from the account's trades."""
        if order.filled <= 0 or order.fills:
            return order
        try:
            trades = self.trades(order.symbol, order_id=order.exchange_order_id)
        except TemporaryError:
            return order
        fills = fills_of(t for t in trades if t.exchange_order_id == order.exchange_order_id)
        if not fills:
            return order
        realized = self._realized_pnl(trades)
        return replace(order, fills=fills, commissions=commissions_of(fills),
                       realized_pnl=order.realized_pnl if order.realized_pnl is not None else realized)

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
