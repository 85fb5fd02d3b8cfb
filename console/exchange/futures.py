"""FuturesClient: Binance USD-M futures through ccxt: leverage and margin set-up, positions,
reduce-only close, and the conditional (algo) orders that keep take-profit and stop-loss resting
on the exchange."""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from console.domain import (
    AccountTrade,
    Market,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Side,
    Venue,
    WorkingType,
)
from console.errors import ConsoleError, InvalidOrder, OrderNotFound, OrderRejected
from console.exchange.client import ZERO, BinanceClient, OrderJournal
from console.exchange.orders import Plan, check_margin
from console.exchange.parse import dec, dec0, parse_order, parse_position, utc_ms
from console.exchange.precision import Rounding, normalize_price, normalize_quantity, plain
from console.exchange.retry import Unresolved

# Binance moved USD-M conditional orders to its algo order service in Dec 2025. They are sent
# through ccxt's implicit methods with exactly the parameters of Binance's spec (the official SDK's
# new_algo_order / query_algo_order / cancel_algo_order / current_all_algo_open_orders): Binance
# answers an unknown parameter with -1104.
ALGO_TYPES = {OrderType.STOP_MARKET: "STOP_MARKET", OrderType.TAKE_PROFIT_MARKET: "TAKE_PROFIT_MARKET",
              OrderType.STOP: "STOP", OrderType.TAKE_PROFIT: "TAKE_PROFIT"}
ALGO_KINDS = {name: kind for kind, name in ALGO_TYPES.items()}
LIMIT_ALGOS = (OrderType.STOP, OrderType.TAKE_PROFIT)  # placed as a limit order at ``price`` when triggered
WORKING_TYPES = {WorkingType.MARK_PRICE: "MARK_PRICE", WorkingType.CONTRACT_PRICE: "CONTRACT_PRICE"}
# Until the triggered order is known the algo status alone tells; FINISHED without one executed nothing.
ALGO_STATUSES = {
    "NEW": OrderStatus.OPEN, "TRIGGERING": OrderStatus.OPEN, "TRIGGERED": OrderStatus.OPEN,
    "FINISHED": OrderStatus.EXPIRED, "CANCELED": OrderStatus.CANCELLED, "EXPIRED": OrderStatus.EXPIRED,
    "REJECTED": OrderStatus.REJECTED,
}
OPEN_ALGOS_ALL_WEIGHT = 40  # openAlgoOrders without a symbol; 1 with one


class FuturesClient(BinanceClient):
    """Binance USD-M futures (``ccxt.binanceusdm``, ``/fapi``), one-way positions, isolated margin.

    Overrides: ``ccxt_symbol`` (BTC/USDT -> BTC/USDT:USDT), ``_check_balance`` (the margin at the
    symbol's leverage plus the fee; reduce-only orders need none), ``_realized_pnl`` (summed from
    the order's trades), ``_trades_here`` and ``_fetch_account``; the cached balances are
    forgotten after every order (the base's ``_apply_to_balances``). Adds leverage and margin
    set-up (``prepare_futures``, ``max_leverage``, ``symbol_config``), ``positions``,
    ``close_position`` and the algo orders (``place_algo``, ``fetch_algo``, ``cancel_algo``,
    ``open_algos``).
    """

    market = Market.FUTURES

    def __init__(self, venue: Venue, **options: Any) -> None:
        super().__init__(venue, **options)
        self._leverage: dict[str, int] = {}  # set by this client
        self._symbol_configs: dict[str, tuple[int, bool]] = {}  # as the exchange had them
        self._brackets: dict[str, list[tuple[Decimal, Decimal, Decimal, int]]] = {}  # cap, ratio, amount, leverage

    def ccxt_symbol(self, symbol: str) -> str:
        """The linear perpetual of ``symbol`` as ccxt names it (BTC/USDT:USDT)."""
        return symbol if ":" in symbol else f"{symbol}:{symbol.split('/')[-1]}"

    def _trades_here(self, market: dict) -> bool:
        return bool(market.get("linear") and market.get("swap"))

    def _fetch_account(self) -> dict:
        return self.transport.read("fetch_account", self.exchange.fapiPrivateV2GetAccount)

    def _check_balance(self, plan: Plan) -> None:
        if plan.request.reduce_only:
            return
        rules = self.rules(plan.request.symbol)
        leverage = self.symbol_config(rules.symbol)[0]
        self._covered(lambda held: check_margin(plan.preview, rules, held, leverage))

    def _realized_pnl(self, trades: list[AccountTrade]) -> Decimal | None:
        return sum((t.realized_pnl or ZERO for t in trades), ZERO)

    # --- leverage, margin, positions -----------------------------------------------------------

    def max_leverage(self, symbol: str) -> int:
        """The highest leverage the symbol's first notional bracket allows."""
        return max(b[3] for b in self._bracket_table(symbol))

    def maintenance(self, symbol: str, notional: Decimal) -> tuple[Decimal, Decimal]:
        """(maintenance margin ratio, maintenance amount) of the leverage bracket that holds ``notional``.

        The brackets are asked once per symbol; a notional beyond the last cap gets the last bracket.
        """
        table = self._bracket_table(symbol)
        _, ratio, amount, _ = next((b for b in table if notional <= b[0]), table[-1])
        return ratio, amount

    def max_position(self, symbol: str, leverage: int) -> Decimal:
        """The largest position notional the symbol's brackets allow at ``leverage`` (Binance refuses
        more with -2027); 0 when no bracket allows that leverage."""
        return max((b[0] for b in self._bracket_table(symbol) if b[3] >= leverage), default=ZERO)

    def _bracket_table(self, symbol: str) -> list[tuple[Decimal, Decimal, Decimal, int]]:
        if symbol not in self._brackets:
            self.rules(symbol)
            market_id = self.market_id(symbol)
            raw = self.transport.read("fetch_leverage_tiers", self.exchange.fapiPrivateGetLeverageBracket,
                                      {"symbol": market_id})
            rows = raw if isinstance(raw, list) else [raw]
            brackets = next((r.get("brackets") or [] for r in rows if r.get("symbol") == market_id), [])
            if not brackets:
                raise InvalidOrder(f"the exchange gave no leverage brackets for {symbol}; try again later")
            self._brackets[symbol] = sorted(
                ((dec0(b.get("notionalCap")), dec0(b.get("maintMarginRatio")), dec0(b.get("cum")),
                  int(b.get("initialLeverage") or 1)) for b in brackets), key=lambda b: b[0])
        return self._brackets[symbol]

    def prepare_futures(self, symbol: str, leverage: int) -> None:
        """Check ``leverage`` against the symbol's bracket, then set it and isolated margin (once per symbol)."""
        self.rules(symbol)
        if self._leverage.get(symbol) == leverage:
            return
        highest = self.max_leverage(symbol)
        if not 1 <= leverage <= highest:
            raise InvalidOrder(f"leverage {leverage} is outside the allowed range 1-{highest} for {symbol}; "
                               f"pick a leverage from 1 to {highest}")
        ccxt_symbol = self.ccxt_symbol(symbol)
        try:
            self.transport.read("set_margin_mode", self.exchange.set_margin_mode, "isolated", ccxt_symbol)
        except OrderRejected as e:
            if "No need to change margin type" not in str(e):
                raise
        self.transport.read("set_leverage", self.exchange.set_leverage, leverage, ccxt_symbol)
        self._leverage[symbol] = leverage

    def symbol_config(self, symbol: str) -> tuple[int, bool]:
        """(leverage, isolated) as the exchange has them for ``symbol``, asked once per client."""
        if symbol in self._leverage:
            return self._leverage[symbol], True
        if symbol not in self._symbol_configs:
            market_id = self.market_id(symbol)
            rows = self.transport.read("fetch_symbol_config", self.exchange.fapiPrivateGetSymbolConfig,
                                       {"symbol": market_id}, weight=5)
            row = next((r for r in rows if r.get("symbol") == market_id), {})
            self._symbol_configs[symbol] = (int(row.get("leverage") or 1),
                                            str(row.get("marginType", "")).upper() == "ISOLATED")
        return self._symbol_configs[symbol]

    def positions(self) -> list[Position]:
        """Open positions (non-zero quantity), one per symbol."""
        self.load_markets()
        raw = self.transport.read("fetch_positions", self.exchange.fetch_positions)
        result = []
        for row in raw:
            info = row.get("info") or row
            if dec0(info.get("positionAmt")) == 0:
                continue
            symbol = str(row.get("symbol") or "").split(":")[0]
            leverage, isolated = (None, None) if "leverage" in info else self.symbol_config(symbol)
            result.append(parse_position(row, symbol, leverage=leverage, isolated=isolated))
        return result

    def close_position(self, symbol: str, *, journal: OrderJournal) -> Order:
        """Close the whole position on ``symbol`` with a reduce-only market order."""
        held = next((p for p in self.positions() if p.symbol == symbol), None)
        if held is None or held.quantity == 0:
            raise InvalidOrder(f"there is no open {symbol} position to close; check the positions table")
        side = Side.SELL if held.quantity > 0 else Side.BUY
        return self.place_order(OrderRequest(symbol=symbol, market=Market.FUTURES, side=side,
                                             quantity=abs(held.quantity), reduce_only=True), journal=journal)

    # --- conditional (algo) orders -------------------------------------------------------------

    def place_algo(self, request: OrderRequest, working_type: WorkingType = WorkingType.MARK_PRICE, *,
                   journal: OrderJournal) -> Order:
        """Rest a STOP_MARKET or TAKE_PROFIT_MARKET order (or STOP / TAKE_PROFIT, a limit order at
        ``request.price`` once triggered) in the algo order service; return it (open).

        ``request.stop_price`` is the trigger; ``request.reduce_only`` makes it reduce-only. The
        trigger goes to the tick on the side that never exits worse than asked: up for a sell, down
        for a buy; a stop's limit price fills at least as easily as asked, a take-profit's never
        below (a sell) or above (a buy) it. The order is journaled pending by its client algo id before it is sent; a lost
        answer is resolved by looking it up by that id (see BinanceClient.place_order).
        """
        if not request.type.is_conditional or request.quantity is None or request.stop_price is None:
            raise InvalidOrder("a conditional order is a stop_market or take_profit_market with a quantity and a "
                               "trigger (stop) price; set all three")
        limit_kind = request.type in LIMIT_ALGOS
        if limit_kind and request.price is None:
            raise InvalidOrder(f"a {request.type.value.replace('_', '-')} limit order needs a limit price; set it")
        rules = self.rules(request.symbol)
        verb = request.side.value
        sell = request.side is Side.SELL
        qty = normalize_quantity(rules, request.quantity, market_order=not limit_kind, verb=verb)
        stop_kind = request.type in (OrderType.STOP_MARKET, OrderType.STOP)
        label = "stop price" if stop_kind else "take-profit price"
        trigger = normalize_price(rules, request.stop_price, Rounding.UP if sell else Rounding.DOWN, label)
        limit = None
        if limit_kind:
            assert request.price is not None
            limit = normalize_price(rules, request.price,
                                    Rounding.DOWN if sell == stop_kind else Rounding.UP, "limit price")
        price = self.reference_price(request.symbol)
        if _fires(request.type, request.side, trigger, price):
            raise InvalidOrder(f"the {label} {plain(trigger)} on {request.symbol} is already passed (price "
                               f"{plain(price)}): it would trigger at once; close the position at market instead")
        cid = self._client_id(request.client_order_id)
        self._check_gate()
        request = replace(request, quantity=qty, stop_price=trigger, price=limit, client_order_id=cid)
        journal.pending(cid, request)
        params = {"algoType": "CONDITIONAL", "symbol": self.market_id(request.symbol),
                  "side": request.side.value.upper(), "type": ALGO_TYPES[request.type], "quantity": plain(qty),
                  "triggerPrice": plain(trigger), "workingType": WORKING_TYPES[working_type],
                  "clientAlgoId": cid, "recvWindow": self.order_window_ms}
        if limit is not None:
            params.update(price=plain(limit), timeInForce="GTC")
        if request.reduce_only:
            params["reduceOnly"] = "true"

        def send() -> Order:
            raw = self.transport.once("create_algo", self.exchange.fapiPrivatePostAlgoOrder, params, weight=0,
                                      orders=1)
            return self._resolve_algo(raw, request.symbol)

        def find() -> Order:
            raw = self.transport.once("fetch_algo", self.exchange.fapiPrivateGetAlgoOrder, {"clientAlgoId": cid},
                                      weight=1)
            return self._resolve_algo(raw, request.symbol)

        try:
            order = self.transport.send_order(send, find, f"{label.split()[0]} order {cid} on {request.symbol}")
        except Unresolved as e:
            raise e.error from e.__cause__
        except ConsoleError as e:
            journal.failed(cid, e)
            raise
        journal.resolved(order)
        return order

    def fetch_algo(self, symbol: str, client_algo_id: str) -> Order:
        """The conditional order with this client algo id; OrderNotFound if the exchange has none.

        Once it has triggered, the answer is the order it placed (its fills, fees and realised PnL),
        under the client algo id; before that it carries the algo id as its exchange order id.
        """
        self.rules(symbol)
        raw = self.transport.read("fetch_algo", self.exchange.fapiPrivateGetAlgoOrder,
                                  {"clientAlgoId": client_algo_id}, weight=1)
        return self._resolve_algo(raw, symbol)

    def cancel_algo(self, symbol: str, client_algo_id: str, *, journal: OrderJournal) -> Order:
        """Cancel a resting conditional order; journal and return it as the exchange then reports it.

        That is cancelled, or filled when it fired first (its fill is then in the answer and the
        journal records it). OrderNotFound if the exchange never had it.
        """
        self.rules(symbol)
        try:
            self.transport.read("cancel_algo", self.exchange.fapiPrivateDeleteAlgoOrder,
                                {"clientAlgoId": client_algo_id}, weight=1)
        except OrderNotFound:
            pass  # triggered, cancelled already, or never placed: the lookup tells which
        order = self.fetch_algo(symbol, client_algo_id)
        journal.resolved(order)
        return order

    def open_algos(self, symbol: str | None = None) -> list[Order]:
        """Conditional orders resting on ``symbol`` (or on every symbol: request weight 40)."""
        params: dict[str, str] = {}
        if symbol is not None:
            self.rules(symbol)
            params["symbol"] = self.market_id(symbol)
        else:
            self.load_markets()
        rows = self.transport.read("fetch_open_algos", self.exchange.fapiPrivateGetOpenAlgoOrders, params,
                                   weight=1 if symbol else OPEN_ALGOS_ALL_WEIGHT)
        return [parse_algo(row, self._unified(str(row.get("symbol")))) for row in rows]

    def _unified(self, market_id: str) -> str:
        """BTCUSDT -> BTC/USDT."""
        listed = (self.exchange.markets_by_id or {}).get(market_id) or [{"symbol": market_id}]
        return str(listed[0]["symbol"]).split(":")[0]

    def _resolve_algo(self, raw: dict, symbol: str) -> Order:
        """The algo order as answered; once triggered, the order it placed, under the client algo id."""
        algo = parse_algo(raw, symbol)
        actual = str(raw.get("actualOrderId") or "")
        if not actual:
            return algo
        placed = self.transport.read("fetch_order", self.exchange.fapiPrivateGetOrder,
                                     {"symbol": self.market_id(symbol), "orderId": actual})
        order = self._with_fills(parse_order(placed, symbol, Market.FUTURES))
        return replace(order, client_order_id=algo.client_order_id, type=algo.type, stop_price=algo.stop_price,
                       reduce_only=algo.reduce_only)

    # --- liquidations --------------------------------------------------------------------------

    def forced_orders(self, symbol: str, since_ms: int | None = None) -> list[Order]:
        """The liquidation engine's orders on ``symbol`` (GET /fapi/v1/forceOrders, weight 20), oldest first.

        Binance lists them without fills or realised PnL (``fetch_order`` by their client id adds
        those) and, without a start time, for the last 7 days only.
        """
        self.rules(symbol)
        params: dict[str, Any] = {"symbol": self.market_id(symbol), "autoCloseType": "LIQUIDATION", "limit": 100}
        if since_ms is not None:
            params["startTime"] = since_ms
        rows = self.transport.read("fetch_force_orders", self.exchange.fapiPrivateGetForceOrders, params, weight=20)
        orders = [parse_order(row, symbol, Market.FUTURES) for row in rows]
        return sorted(orders, key=lambda o: (o.timestamp is None, o.timestamp, o.exchange_order_id))

    def insurance_clear(self, symbol: str, start_ms: int, end_ms: int) -> Decimal:
        """What the account's INSURANCE_CLEAR income on ``symbol`` took between two times (positive)."""
        self.rules(symbol)
        rows = self.transport.read("fetch_income", self.exchange.fapiPrivateGetIncome,
                                   {"symbol": self.market_id(symbol), "incomeType": "INSURANCE_CLEAR",
                                    "startTime": start_ms, "endTime": end_ms}, weight=30)
        return -sum((dec0(r.get("income")) for r in rows), ZERO)


def parse_algo(raw: dict, symbol: str) -> Order:
    """An algo order answer as an Order: the client algo id, the algo id, the trigger as stop price.

    Trailing kinds (placed elsewhere) are reported as the market kind of their family.
    """
    kind = str(raw.get("orderType") or raw.get("type") or "").upper()
    family = OrderType.TAKE_PROFIT_MARKET if kind.startswith("TAKE_PROFIT") else OrderType.STOP_MARKET
    return Order(
        client_order_id=str(raw.get("clientAlgoId") or ""),
        exchange_order_id=str(raw.get("algoId") or ""),
        symbol=symbol,
        market=Market.FUTURES,
        side=Side(str(raw.get("side")).lower()),
        type=ALGO_KINDS.get(kind, family),
        price=_positive_price(raw.get("price")) if kind in ("STOP", "TAKE_PROFIT") else None,
        status=ALGO_STATUSES.get(str(raw.get("algoStatus", "")).upper(), OrderStatus.UNKNOWN),
        quantity=dec0(raw.get("quantity")),
        stop_price=dec(raw.get("triggerPrice")),
        reduce_only=str(raw.get("reduceOnly", "false")).lower() == "true",
        timestamp=utc_ms(raw.get("updateTime") or raw.get("createTime")),
    )


def _positive_price(raw: Any) -> Decimal | None:
    found = dec(raw)
    return found if found is not None and found > 0 else None


def _fires(kind: OrderType, side: Side, trigger: Decimal, price: Decimal) -> bool:
    """Whether a conditional order would trigger at ``price`` (a buy stop above, a sell stop below)."""
    rising = (kind in (OrderType.STOP_MARKET, OrderType.STOP)) == (side is Side.BUY)
    return price >= trigger if rising else price <= trigger
