"""The manual order ticket: check (preview), place, OCO, leverage, close, cancel, what is open, history.

Everything goes through the engine's order gateway, like the bots' orders: journaled pending
before it is sent, resolved by client id when an answer is lost, settled every engine cycle.

A ticket is checked before it is confirmed the way the exchange would check it: the quantity and
prices normalised to the step and tick, the filters, the trigger side of a stop, the free balance
or margin, what a reduce-only order can close. A refusal is raised then, in words with the fix;
placing checks again (prices move) and reports what happened in words.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pandas as pd

from console import fmt
from console.config import parse_decimal
from console.domain import Market, OcoOrder, Order, OrderRequest, OrderStatus, OrderType, Position, Side
from console.engine import positions as books
from console.engine.gateway import Closed, Gateway
from console.errors import ConsoleError, InsufficientBalance, InvalidInput, InvalidOrder, TooManyOrders
from console.exchange.futures import FuturesClient
from console.exchange.orders import OrderPreview, check_margin, check_spot_balance
from console.exchange.precision import (
    Rounding,
    check_notional,
    check_price_band,
    normalize_price,
    normalize_quantity,
)
from console.exchange.rules import SymbolRules
from console.exchange.spot import STOP_LIMIT_GAP
from console.service.access import VenueAccess
from console.service.ticket import (
    KINDS,
    LIMITED,
    NAMES,
    TYPES,
    check_stop_side,
    close_quantity,
    conditional_preview,
    fee_text,
    in_words,
    liquidation,
    money_text,
    oco_sides,
    oco_values,
    order_rows,
    owned,
    positive,
    price_text,
    rate_text,
)
from console.storage import bots, journal
from console.storage.db import Database
from console.service.limits import check_leverage

ZERO = Decimal(0)
_DONE = {OrderStatus.FILLED: "Filled", OrderStatus.OPEN: "Placed", OrderStatus.PARTIALLY_FILLED: "Partly filled",
         OrderStatus.CANCELLED: "Cancelled", OrderStatus.EXPIRED: "Expired", OrderStatus.REJECTED: "Rejected",
         OrderStatus.PENDING: "Sent", OrderStatus.UNKNOWN: "Sent (its outcome is being looked up)"}


@dataclass(frozen=True, kw_only=True)
class TicketCheck:
    """What a ticket will send, every check the exchange makes already passed. Nothing is sent.

    ``rows`` are (label, value) as a person reads them; ``title`` names the action for its button.
    """

    title: str
    rows: tuple[tuple[str, str], ...]
    warnings: tuple[str, ...] = ()
    order: OrderPreview | None = None


@dataclass(frozen=True)
class Done:
    """What an action did, in words, and the orders it touched."""

    text: str
    orders: tuple[Order, ...] = ()


@dataclass(frozen=True, kw_only=True)
class _Prepared:
    check: TicketCheck
    request: OrderRequest
    exits: tuple[OrderRequest, ...] = ()


class Orders:
    """Orders by hand, on the console's venue and default account; composed as ``con.orders``."""

    def __init__(self, access: VenueAccess, gateway: Gateway, db: Database | None = None) -> None:
        self._access = access
        self._gateway = gateway
        self._db = db

    # -- building and checking a ticket -----------------------------------------------------------
    def kinds(self, market: str | Market) -> dict[str, str]:
        """The order types the ticket offers on ``market``: kind -> label."""
        return dict(KINDS[Market(market)])

    def request(self, *, market: str | Market, symbol: str, side: str | Side, amount: object,
                amount_in: str = "base", reduce_only: bool = False, price: object = None,
                kind: str | None = None, stop_price: object = None, **_exits: Any) -> OrderRequest:
        """Build an order request from ticket values (``kind`` market, limit at ``price``, stop_limit at
        ``price`` once ``stop_price`` trades, stop_market / take_profit_market at ``stop_price``); raise
        InvalidOrder with the fix."""
        market, side = Market(market), Side(side)
        kind = kind or ("limit" if price not in (None, "") else "market")
        if kind not in KINDS[market]:
            offered = ", ".join(KINDS[market].values())
            raise InvalidOrder(f"a {kind.replace('_', ' ')} order is not offered on {market.value}; pick one of "
                               f"{offered}")
        value = parse_decimal(amount, "amount")
        if value <= 0:
            raise InvalidOrder(f"amount {fmt.plain(value)} must be above zero; enter how much to {side.value}")
        symbol = str(symbol).strip().upper()
        order_type = TYPES[market][kind]
        limit = positive(price, "limit price", side) if kind in LIMITED else None
        stop = positive(stop_price, "stop price", side) if kind not in ("market", "limit") else None
        at = limit or stop
        if at is not None:
            quantity = value / at if amount_in == "quote" else value
            return OrderRequest(symbol=symbol, market=market, side=side, type=order_type, quantity=quantity,
                                price=limit, stop_price=stop, reduce_only=reduce_only)
        if amount_in == "quote":
            if market is Market.FUTURES:
                last = self._access.client(market).ticker(symbol).last
                return OrderRequest(symbol=symbol, market=market, side=side, quantity=value / last,
                                    reduce_only=reduce_only)
            return OrderRequest(symbol=symbol, market=market, side=side, quote_quantity=value)
        return OrderRequest(symbol=symbol, market=market, side=side, quantity=value, reduce_only=reduce_only)

    def preview(self, **ticket: Any) -> OrderPreview:
        """The normalised order and its fee (``ticket`` as for ``request``); the whole check is ``check``."""
        return self._worded(lambda: self._prepare(ticket).check.order)

    def check(self, **ticket: Any) -> TicketCheck:
        """Check a ticket as the exchange would, without sending it: the normalised quantity and price,
        notional, fee with its asset, on futures the leverage, margin and an estimated liquidation price,
        what a reduce-only order closes, the balance, and the take-profit / stop-loss (``take_profit``,
        ``stop_loss``) of a futures market entry. Raise the refusal, in words with the fix."""
        return self._worded(lambda: self._prepare(ticket).check)

    def _prepare(self, ticket: dict[str, Any]) -> _Prepared:
        request = self.request(**ticket)
        client = self._access.client(request.market)
        rules = client.rules(request.symbol)
        price = client.reference_price(request.symbol)
        rows: list[tuple[str, str]] = []
        warnings: list[str] = []
        held = self._position(request.symbol) if request.market is Market.FUTURES else None
        if request.reduce_only:
            request = self._reduce(request, held, rules, warnings)
        if request.type.is_conditional:
            preview = conditional_preview(request, rules, price)
            if not request.reduce_only:
                warnings.append("it opens or adds to the position when it triggers; tick Reduce only to only "
                                "close one")
        else:
            preview = client.preview(request)
            warnings += preview.warnings
            if request.type in (OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT):
                check_stop_side(request.type, request.side, preview.stop_price, price, rules)
        request = replace(request, quantity=preview.quantity if preview.quote_quantity is None else None,
                          price=preview.price if request.price is not None else None,
                          stop_price=preview.stop_price or request.stop_price)
        rows += order_rows(preview, rules, price)
        if request.market is Market.FUTURES:
            rows += self._futures_rows(request, preview, rules, held)
        rows.append(("balance", self._balance(preview, rules, request)))
        exits = self._exits(request, preview, rules, price, ticket, rows)
        title = f"{NAMES[request.type]} {request.side.value} {fmt.qty(preview.quantity, rules)} {rules.base}"
        check = TicketCheck(title=title, rows=tuple(rows), warnings=tuple(warnings), order=preview)
        return _Prepared(check=check, request=request, exits=exits)

    def _reduce(self, request: OrderRequest, held: Position | None, rules: SymbolRules,
                warnings: list[str]) -> OrderRequest:
        """What a reduce-only order will close: at most the position, on its opposite side."""
        verb = request.side.value
        if held is None or held.quantity == 0:
            if request.type.is_conditional:
                warnings.append(f"there is no {request.symbol} position now: a reduce-only order that triggers "
                                "with nothing to reduce is rejected then")
                return request
            raise InvalidOrder(f"a reduce-only {verb} on {request.symbol} has no position to reduce, so Binance "
                               "would refuse it; untick Reduce only to open a position")
        long = held.quantity > 0
        if long == (request.side is Side.BUY):
            raise InvalidOrder(f"a reduce-only {verb} cannot reduce the {request.symbol} "
                               f"{'long' if long else 'short'}; {'sell' if long else 'buy'} to reduce it, or untick "
                               "Reduce only to add to it")
        size = abs(held.quantity)
        if request.quantity is not None and request.quantity > size:
            warnings.append(f"reduce-only closes only the {fmt.qty(size, rules)} {rules.base} held, not "
                            f"{fmt.plain(request.quantity)}")
            return replace(request, quantity=size)
        return request

    def _futures_rows(self, request: OrderRequest, preview: OrderPreview, rules: SymbolRules,
                      held: Position | None) -> list[tuple[str, str]]:
        client = self._access.futures()
        leverage = client.symbol_config(request.symbol)[0]
        rows = [("leverage", f"{leverage}x (isolated)")]
        if request.reduce_only:
            if held is not None and held.quantity:
                side = "long" if held.quantity > 0 else "short"
                rows.append(("reduces", f"{fmt.qty(preview.quantity, rules)} of the {fmt.qty(abs(held.quantity), rules)}"
                                        f" {rules.base} {side}; needs no margin"))
            return rows
        rows.append(("margin", money_text(preview.notional / leverage, rules.quote)))
        quantity, entry = preview.quantity, preview.price
        opening = held is None or held.quantity == 0 or (held.quantity > 0) == (request.side is Side.BUY)
        if opening and held is not None and held.quantity:
            size = abs(held.quantity)
            entry = (size * held.entry_price + quantity * entry) / (size + quantity)
            quantity += size
        if opening:
            most = client.max_position(request.symbol, leverage)
            if quantity * entry > most:
                raise InvalidOrder(
                    f"a {request.symbol} position of {money_text(quantity * entry, rules.quote)} is more than the "
                    f"{money_text(most, rules.quote)} Binance allows at {leverage}x, so it would refuse it (-2027); "
                    "trade less or lower the leverage")
            ratio, amount = client.maintenance(request.symbol, quantity * entry)
            liq = liquidation(request.side, quantity, entry, quantity * entry / leverage, ratio, amount)
            rows.append(("liquidation (estimate)",
                         f"≈ {price_text(liq, rules)} {rules.quote}: an estimate from the {rate_text(ratio)} "
                         "maintenance bracket; the exchange's figure shows once the position is open"))
        return rows

    def _balance(self, preview: OrderPreview, rules: SymbolRules, request: OrderRequest) -> str:
        """The free balance against what the order needs; raise InsufficientBalance on a shortfall."""
        client = self._access.client(request.market)
        held = client.balances(fresh=True)
        if request.market is Market.SPOT:
            check_spot_balance(preview, rules, held, keep_remainder=request.keep_remainder)
            asset, need = (rules.quote, preview.notional) if request.side is Side.BUY else (rules.base, preview.quantity)
            free = held[asset].free if asset in held else ZERO
            shown = money_text(need, asset) if asset == rules.quote else f"{fmt.qty(need, rules)} {asset}"
            have = money_text(free, asset) if asset == rules.quote else f"{fmt.plain(free)} {asset}"
            return f"needs {shown}, {have} free"
        free = held[rules.quote].free if rules.quote in held else ZERO
        if request.reduce_only:
            return f"{money_text(free, rules.quote)} free; a reduce-only order needs no margin"
        leverage = self._access.futures().symbol_config(request.symbol)[0]
        need = preview.notional / leverage + preview.fee
        said = f"needs {money_text(need, rules.quote)} of margin and fee, {money_text(free, rules.quote)} free"
        if request.type.is_conditional:  # margin is taken when it triggers, not now
            return said + ("" if need <= free else ": not enough now, it would be rejected if it triggered today")
        check_margin(preview, rules, held, leverage)
        return said

    def _exits(self, request: OrderRequest, preview: OrderPreview, rules: SymbolRules, price: Decimal,
               ticket: dict[str, Any], rows: list[tuple[str, str]]) -> tuple[OrderRequest, ...]:
        """The take-profit and stop-loss of a futures entry: reduce-only conditional orders, placed once it fills."""
        asked = {k: ticket.get(k) for k in ("take_profit", "stop_loss") if ticket.get(k) not in (None, "")}
        if not asked:
            return ()
        if request.market is not Market.FUTURES or request.type is not OrderType.MARKET or request.reduce_only:
            raise InvalidOrder("a take-profit / stop-loss attaches to a futures market entry (not reduce-only); "
                               "for a limit entry add them once it fills, on spot use an OCO sell")
        long = request.side is Side.BUY
        exit_side = Side.SELL if long else Side.BUY
        exits = []
        for key, order_type, label in (("take_profit", OrderType.TAKE_PROFIT_MARKET, "take-profit"),
                                       ("stop_loss", OrderType.STOP_MARKET, "stop-loss")):
            if key not in asked:
                continue
            trigger = normalize_price(rules, positive(asked[key], f"{label} price", request.side),
                                      Rounding.UP if exit_side is Side.SELL else Rounding.DOWN, f"{label} price")
            above = (order_type is OrderType.TAKE_PROFIT_MARKET) == long
            if (trigger <= price) if above else (trigger >= price):
                where = "above" if above else "below"
                raise InvalidOrder(f"the {label} of a {'long' if long else 'short'} must be {where} the price "
                                   f"{price_text(price, rules)}; {price_text(trigger, rules)} would trigger at once: set it "
                                   f"{where} the price")
            pnl = (trigger - price) * preview.quantity * (1 if long else -1)
            rows.append((label, f"{exit_side.value} {fmt.qty(preview.quantity, rules)} {rules.base} at market when "
                                f"the mark price reaches {price_text(trigger, rules)} {rules.quote} (≈ {money_text(pnl, rules.quote)}"
                                "), reduce-only, placed once the entry fills"))
            exits.append(OrderRequest(symbol=request.symbol, market=Market.FUTURES, side=exit_side, type=order_type,
                                      quantity=preview.quantity, stop_price=trigger, reduce_only=True))
        return tuple(exits)

    # -- placing ------------------------------------------------------------------------------------
    def confirm(self, **ticket: Any) -> Done:
        """Check the ticket again and place it (then its take-profit / stop-loss); say what happened."""
        return self._worded(lambda: self._confirm(ticket))

    def _confirm(self, ticket: dict[str, Any]) -> Done:
        prepared = self._prepare(ticket)
        person = self._access.person(prepared.request.market)
        if prepared.request.type.is_conditional:
            order = self._gateway.place_algo(person, prepared.request)
        else:
            order = self._gateway.place(person, prepared.request)
        said, placed = [self.said(order)], [order]
        if prepared.exits:
            if order.filled <= 0:
                said.append("the take-profit / stop-loss were not placed: the entry did not fill; add them once it does")
            for exit_request in prepared.exits:
                try:
                    exit_order = self._gateway.place_algo(person, replace(exit_request, quantity=order.filled))
                except ConsoleError as e:
                    said.append(f"the {NAMES[exit_request.type]} was not placed: {in_words(str(e))}")
                    continue
                placed.append(exit_order)
                said.append(self.said(exit_order))
        return Done("; ".join(said), tuple(placed))

    def place(self, **ticket: Any) -> Order:
        """Place an order from the ticket (as for ``request``), journaled and recorded like a bot's."""
        return self._worded(lambda: self._place(ticket))

    def _place(self, ticket: dict[str, Any]) -> Order:
        request = self.request(**ticket)
        if request.type.is_conditional:
            return self._gateway.place_algo(self._access.person(request.market), request)
        return self.place_request(request)

    def place_request(self, request: OrderRequest) -> Order:
        """Place ``request`` by hand through the gateway, on the console's venue and default account."""
        return self._gateway.place(self._access.person(request.market), request)

    # -- OCO --------------------------------------------------------------------------------------
    def check_oco(self, *, symbol: str, quantity: object, take_profit: object, stop_loss: object) -> TicketCheck:
        """Check a spot OCO sell as the exchange would (normalised legs, sides, filters, balance); send nothing."""
        return self._worded(lambda: self._check_oco(symbol, quantity, take_profit, stop_loss))

    def _check_oco(self, symbol: str, quantity: object, take_profit: object, stop_loss: object) -> TicketCheck:
        qty, tp, sl = oco_values(quantity, take_profit, stop_loss)
        symbol = str(symbol).strip().upper()
        client = self._access.client(Market.SPOT)
        rules = client.rules(symbol)
        price = client.reference_price(symbol)
        oco_sides(price, tp, sl, rules)
        qty = normalize_quantity(rules, qty, market_order=False, verb="sell")
        tp = normalize_price(rules, tp, Rounding.UP, "take-profit price")
        stop = normalize_price(rules, sl, Rounding.UP, "stop price")
        limit = normalize_price(rules, stop * (1 - STOP_LIMIT_GAP), Rounding.DOWN, "stop-limit price")
        for leg_price, what in ((tp, "take-profit price"), (limit, "stop-limit price")):
            check_price_band(rules, leg_price, price, buy=False, what=what)
            check_notional(rules, qty, leg_price, market_order=False, verb="sell")
        held = client.balances(fresh=True).get(rules.base)
        free = held.free if held else ZERO
        if qty > free:
            raise InsufficientBalance(
                f"an OCO sell of {fmt.qty(qty, rules)} {rules.base} needs that much free; {fmt.plain(free)} is free: "
                f"short by {fmt.plain(qty - free)} {rules.base}; sell less", shortfall=qty - free, asset=rules.base)
        fee = qty * tp * rules.maker_fee
        rows = (("order", f"OCO sell {symbol} spot: one leg fills, the other is cancelled"),
                ("quantity", f"{fmt.qty(qty, rules)} {rules.base}"),
                ("take-profit", f"limit-maker sell at {price_text(tp, rules)} {rules.quote} "
                                f"(≈ {money_text(qty * tp, rules.quote)})"),
                ("stop-loss", f"when the price falls to {price_text(stop, rules)}, a limit sell at {price_text(limit, rules)} "
                              f"{rules.quote} (≈ {money_text(qty * limit, rules.quote)})"),
                ("price now", f"{price_text(price, rules)} {rules.quote}"),
                ("fee", f"≈ {fmt.plain(fee_text(fee))} {rules.quote} ({rate_text(rules.maker_fee)})"),
                ("balance", f"needs {fmt.qty(qty, rules)} {rules.base}, {fmt.plain(free)} {rules.base} free"))
        return TicketCheck(title=f"OCO sell {fmt.qty(qty, rules)} {rules.base}", rows=rows)

    def place_oco(self, *, symbol: str, quantity: object, take_profit: object, stop_loss: object) -> OcoOrder:
        """Place a spot OCO sell; its list and both legs are journaled before it is sent."""
        return self._worded(lambda: self._place_oco(symbol, quantity, take_profit, stop_loss))

    def _place_oco(self, symbol: str, quantity: object, take_profit: object, stop_loss: object) -> OcoOrder:
        qty, tp, sl = oco_values(quantity, take_profit, stop_loss)
        symbol = str(symbol).strip().upper()
        client = self._access.client(Market.SPOT)
        oco_sides(client.ticker(symbol).last, tp, sl, client.rules(symbol))
        return self._gateway.place_oco(self._access.person(Market.SPOT), symbol, qty, tp, sl)

    def confirm_oco(self, **oco: Any) -> Done:
        """Check and place a spot OCO sell; say what was placed."""
        placed = self.place_oco(**oco)
        legs = (placed.take_profit, placed.stop_loss)
        return Done(f"OCO {placed.list_id} placed: " + "; ".join(self.said(o) for o in legs), legs)

    # -- leverage, closing, cancelling --------------------------------------------------------------
    def set_leverage(self, symbol: str, leverage: object) -> None:
        """Set a futures symbol's leverage on the account."""
        try:
            value = int(str(leverage).strip())
        except ValueError:
            raise InvalidOrder(f"leverage {leverage!r} is not a whole number; write e.g. 5") from None
        client = self._access.futures()
        check_leverage(symbol, value, 1, self._worded(lambda: client.max_leverage(symbol)))
        self._worded(lambda: client.prepare_futures(symbol, value))

    def check_close(self, symbol: str, amount: object = "") -> TicketCheck:
        """Check closing a futures position at market, whole (``amount`` empty or 100%) or in part (a
        quantity or a percentage); send nothing."""
        return self._worded(lambda: self._check_close(symbol, amount)[0])

    def _check_close(self, symbol: str, amount: object) -> tuple[TicketCheck, Decimal | None]:
        client = self._access.futures()
        rules = client.rules(symbol)
        held = self._position(symbol)
        if held is None or held.quantity == 0:
            raise InvalidOrder(f"there is no open {symbol} futures position to close; check the positions table")
        size, long = abs(held.quantity), held.quantity > 0
        part = close_quantity(amount, size, rules)
        owners = self._owners(symbol, held.quantity, client)
        manual = next((q for name, q in owners if name == "manual"), ZERO)
        if part is not None and part > abs(manual):
            raise InvalidOrder(f"{fmt.qty(part, rules)} {rules.base} is more than the {fmt.qty(abs(manual), rules)} "
                               f"{rules.base} held by hand; the rest is the bots' ({owned(owners, rules)}): close "
                               "the whole position, which closes each bot's part in its name")
        quantity = size if part is None else part
        side = "sell" if long else "buy"
        pnl = (held.mark_price - held.entry_price) * quantity * (1 if long else -1)
        fee = quantity * held.mark_price * rules.taker_fee
        rows = (("order", f"market {side} {fmt.qty(quantity, rules)} {rules.base}, reduce-only"),
                ("position", f"{'long' if long else 'short'} {fmt.qty(size, rules)} {rules.base} @ "
                             f"{price_text(held.entry_price, rules)} ({owned(owners, rules)})"),
                ("closes", "the whole position, each bot's part in its name" if part is None
                 else f"{fmt.qty(part, rules)} of {fmt.qty(size, rules)} {rules.base}, by hand"),
                ("mark price", f"{price_text(held.mark_price, rules)} {rules.quote}"),
                ("realises (estimate)", money_text(pnl - fee, rules.quote) + " after the fee, at the mark price"),
                ("fee", f"≈ {fmt.plain(fee_text(fee))} {rules.quote} ({rate_text(rules.taker_fee)})"))
        return TicketCheck(title=f"close {fmt.qty(quantity, rules)} {rules.base} {symbol}", rows=rows), part

    def close(self, symbol: str, amount: object = "") -> Done:
        """Close a futures position at market, whole or in part (see ``check_close``); say what was done."""
        return self._worded(lambda: self._close(symbol, amount))

    def _close(self, symbol: str, amount: object) -> Done:
        _, part = self._check_close(symbol, amount)
        if part is None:
            closed = self.close_position(symbol)
            return Done("; ".join(self.said(c.order) + (f" for bot {self._bot_name(c.bot_id)}" if c.bot_id else "")
                                  for c in closed), tuple(c.order for c in closed))
        held = self._position(symbol)
        side = Side.SELL if held is not None and held.quantity > 0 else Side.BUY
        order = self.place_request(OrderRequest(symbol=symbol, market=Market.FUTURES, side=side, quantity=part,
                                                reduce_only=True))
        return Done(self.said(order), (order,))

    def close_position(self, symbol: str) -> list[Closed]:
        """Close a futures position: each bot's part as that bot's order (so the bots stay in step
        with the account), what is left beyond the bots as a manual order."""
        return self._worded(lambda: self._gateway.close_futures(self._access.venue, self._access.default_account(),
                                                                symbol))

    def cancel(self, market: str | Market, symbol: str, client_order_id: str) -> list[Order]:
        """Cancel an open order; a leg of an OCO cancels its list. What it executed first (a partial
        fill) is recorded at once, with every part's commission, for whoever placed it: a bot or a
        person. Return every order the cancel ended (both legs of an OCO)."""
        market = Market(market)
        return self._worded(lambda: self._gateway.cancel(self._access.venue, market, self._access.default_account(),
                                                         symbol, client_order_id))

    def cancel_said(self, market: str | Market, symbol: str, client_order_id: str) -> str:
        """Cancel an open order (as ``cancel``) and say what each order it ended did."""
        return "; ".join(self.said(o) for o in self.cancel(market, symbol, client_order_id))

    # -- reading ------------------------------------------------------------------------------------
    def symbols(self, market: str | Market) -> list[str]:
        """The symbols the venue lists on ``market``."""
        return self._access.client(Market(market)).symbols()

    def summary(self, order: Order) -> str:
        """One line saying what an order did (see ``said``)."""
        return self.said(order)

    def said(self, order: Order) -> str:
        """What an order did, in words, quantities to the step and prices to the tick:
        ``Cancelled limit buy 0.010 BTC @ 60,000.00``, ``Filled market buy 0.00106 BTC at 94,034.35``."""
        rules = self._access.client(order.market).rules(order.symbol)
        text = f"{_DONE.get(order.status, order.status.value)} {self.described(order)}"
        if order.average_price and order.filled:
            if order.status is not OrderStatus.FILLED:
                text += f", {fmt.qty(order.filled, rules)} filled"
            text += f" at {price_text(order.average_price, rules)}"
        if order.commissions:
            text += ", fee " + ", ".join(f"{fmt.plain(fee_text(a))} {asset}" for asset, a in order.commissions)
        return text

    def described(self, order: Order) -> str:
        """An order in words: ``limit buy 0.010 BTC @ 60,000.00`` (futures ones say so)."""
        rules = self._access.client(order.market).rules(order.symbol)
        quantity = order.filled if order.status is OrderStatus.FILLED and order.filled else order.quantity
        text = f"{NAMES.get(order.type, order.type.value)} {order.side.value} {fmt.qty(quantity, rules)} {rules.base}"
        if order.market is Market.FUTURES:
            text += " futures"
        if order.reduce_only:
            text += " (reduce-only)"
        if order.price:
            text += f" @ {price_text(order.price, rules)}"
        if order.stop_price:
            text += f", trigger {price_text(order.stop_price, rules)}"
        return text

    def last_price(self, market: str | Market, symbol: str) -> Decimal:
        """The last traded price of ``symbol`` on ``market``."""
        return self._access.client(Market(market)).ticker(symbol).last

    def positions(self) -> pd.DataFrame:
        """Open futures positions with their owner (bots by name, the rest manual), margin, liquidation
        price and unrealised PnL, rounded to the step and tick."""
        client = self._access.futures()
        rows = []
        for p in client.positions():
            if p.quantity == 0:
                continue
            rules = client.rules(p.symbol)
            rows.append({"symbol": p.symbol, "side": "long" if p.quantity > 0 else "short",
                         "quantity": fmt.to_unit(abs(p.quantity), rules.step_size),
                         "owner": owned(self._owners(p.symbol, p.quantity, client), rules),
                         "entry_price": fmt.to_unit(p.entry_price, rules.tick_size),
                         "mark_price": fmt.to_unit(p.mark_price, rules.tick_size),
                         "margin": abs(p.quantity) * p.entry_price / max(p.leverage, 1),
                         "liquidation_price": fmt.to_unit(p.liquidation_price, rules.tick_size),
                         "unrealized_pnl": p.unrealized_pnl, "leverage": p.leverage})
        return pd.DataFrame(rows, columns=["symbol", "side", "quantity", "owner", "entry_price", "mark_price",
                                           "margin", "liquidation_price", "unrealized_pnl", "leverage"])

    def position_owner(self, symbol: str, net: Decimal) -> str:
        """Who holds the futures position of ``net`` on ``symbol``, as the ticket says it: a bot's name,
        ``manual``, or each part (``dca 0.010, manual 0.005``)."""
        client = self._access.futures()
        return owned(self._owners(symbol, net, client), client.rules(symbol))

    def open_orders(self) -> list[dict[str, Any]]:
        """Every open order on both markets, futures conditional orders included: market, symbol, client
        order id, owner and a description in words."""
        found = []
        for market in Market:
            client = self._access.client(market)
            listed = client.open_orders()
            if isinstance(client, FuturesClient):
                listed += client.open_algos()
            for order in listed:
                text = self.described(order)
                found.append({"market": market.value, "symbol": order.symbol, "client_order_id": order.client_order_id,
                              "owner": self._owner_of(order.client_order_id), "text": f"{order.symbol} {text}"})
        return found

    def history(self, limit: int = 50) -> pd.DataFrame:
        """The latest orders, newest first: filled, cancelled, rejected, open; by bot or by hand."""
        columns = ["time", "owner", "market", "symbol", "side", "type", "quantity", "quote_quantity", "price",
                   "status", "filled", "average_price", "note"]
        if self._db is None:
            return pd.DataFrame(columns=columns)
        cur = self._db.cursor()
        names = {r.id: r.config.name for r in bots.list(cur)}
        rows = []
        for cid in journal.recent(cur, limit=limit)["client_order_id"]:
            entry = journal.get(cur, cid)
            response = entry.response or {}
            price = entry.request.get("price") or entry.request.get("stop_price")
            step, tick = self._units(entry.market, entry.symbol)
            quantity = entry.request.get("quantity")
            rows.append({"time": entry.updated_at, "owner": names.get(entry.bot_id, f"bot {entry.bot_id}")
                         if entry.bot_id is not None else "manual",
                         "market": entry.market.value, "symbol": entry.symbol, "side": entry.side.value,
                         "type": NAMES.get(entry.type, entry.type.value),
                         "quantity": fmt.to_unit(quantity, step) if quantity else None,
                         "quote_quantity": fmt.number(entry.request.get("quote_quantity")),
                         "price": fmt.to_unit(price, tick), "status": entry.status.value,
                         "filled": fmt.to_unit(response.get("filled"), step),
                         "average_price": fmt.to_unit(response.get("average_price"), tick),
                         "note": in_words(str(response.get("message") or ""))})
        return pd.DataFrame(rows, columns=columns)

    # -- helpers --------------------------------------------------------------------------------------
    def _units(self, market: Market, symbol: str) -> tuple[Decimal | None, Decimal | None]:
        """(step, tick) of ``symbol`` for rounding what is shown; (None, None) when the venue cannot say."""
        try:
            rules = self._access.client(market).rules(symbol)
        except ConsoleError:
            return None, None
        return rules.step_size, rules.tick_size

    def _position(self, symbol: str) -> Position | None:
        return next((p for p in self._access.futures().positions() if p.symbol == symbol), None)

    def _owners(self, symbol: str, net: Decimal, client: FuturesClient) -> list[tuple[str, Decimal]]:
        """(owner, signed quantity) of a futures position: each bot holding more than dust, the rest manual."""
        owners: list[tuple[str, Decimal]] = []
        if self._db is not None:
            cur = self._db.cursor()
            account = self._access.default_account()
            price, rules = client.reference_price(symbol), client.rules(symbol)
            for record in bots.list(cur):
                c = record.config
                if c.market is Market.FUTURES and c.venue is self._access.venue and c.account == account \
                        and c.symbol == symbol:
                    held = books.of_bot(cur, record.id, c).quantity
                    if not books.is_dust(held, price, rules):
                        owners.append((c.name, held))
        rest = net - sum((q for _, q in owners), ZERO)
        if rest != 0 or not owners:
            owners.append(("manual", rest))
        return owners

    def _owner_of(self, client_order_id: str) -> str:
        if self._db is None:
            return ""
        try:
            entry = journal.get(self._db.cursor(), client_order_id)
        except InvalidInput:
            return "outside the console"
        return "manual" if entry.bot_id is None else self._bot_name(entry.bot_id)

    def _bot_name(self, bot_id: int | None) -> str:
        if self._db is None or bot_id is None:
            return str(bot_id)
        try:
            return bots.get(self._db.cursor(), bot_id).config.name
        except ConsoleError:
            return f"#{bot_id}"

    @staticmethod
    def _worded(action: Any) -> Any:
        """Run ``action``; a refusal carrying the exchange's raw JSON is raised again in words."""
        try:
            return action()
        except ConsoleError as e:
            text = in_words(str(e))
            if text == str(e):
                raise
            if isinstance(e, InsufficientBalance):
                raise InsufficientBalance(text, shortfall=e.shortfall, asset=e.asset) from e
            if isinstance(e, TooManyOrders):
                raise TooManyOrders(text, limit=e.limit) from e
            raise type(e)(text) from e


def shown_preview(preview: OrderPreview, rules: SymbolRules) -> OrderPreview:
    """The preview as a person reads it: its price (the current one for a market order) to the tick,
    its quantity to the step, notional and fee to what the exchange would charge. Only for showing:
    placing builds the order again."""
    return replace(
        preview, price=fmt.to_unit(preview.price, rules.tick_size) or preview.price,
        quantity=fmt.to_unit(preview.quantity, rules.step_size) or preview.quantity,
        stop_price=fmt.to_unit(preview.stop_price, rules.tick_size))
