"""The durable order journal and the trade record, written together so a fill is recorded once.

Every order intent is journaled as pending before it is sent. When the exchange's answer (or
a later lookup by client order id) shows executed quantity, the journal entry and the trade row
are written in one transaction; the trade is unique on (venue, market, exchange order id), so
resolving the same order again is a no-op. An order that fills in parts is recorded once it is
final (filled, or cancelled / expired after a partial fill) as one trade of its executed quantity.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from console.domain import Market, Order, OrderRequest, OrderStatus, Venue, split_symbol
from console.errors import ConsoleError, UnknownSymbol
from console.storage import bots, journal, trades
from console.engine.writer import Writer
from console.storage.db import Database


log = logging.getLogger(__name__)
Valuer = Callable[[str, str], Decimal]  # (asset, quote) -> price of one asset in quote
LIST, LEGS = "list", "legs"  # an OCO leg's request names its list's client id and every leg's client id


@dataclass(frozen=True)
class Owner:
    """Whose orders these are."""

    venue: Venue
    market: Market
    account: str
    bot_id: int | None = None


class DbJournal:
    """OrderJournal over DuckDB for one owner (a bot, or a person at the order ticket)."""

    def __init__(self, db: Database, owner: Owner, value: Valuer | None = None,
                 writer: Writer | None = None) -> None:
        self._db = db
        self._owner = owner
        self._value = value
        self._writer = writer

    def pending(self, client_order_id: str, request: OrderRequest) -> None:
        with self._db.transaction() as cur:
            self._add(cur, client_order_id, request.symbol, request.side, request.type, request_dict(request))

    def pending_list(self, list_client_order_id: str, legs: Sequence[tuple[str, OrderRequest]]) -> None:
        """Journal every leg of an order list as pending in one transaction, each naming the list and its legs."""
        ids = [cid for cid, _ in legs]
        with self._db.transaction() as cur:
            for cid, request in legs:
                self._add(cur, cid, request.symbol, request.side, request.type,
                          {**request_dict(request), LIST: list_client_order_id, LEGS: ids})

    def _add(self, cur, client_order_id: str, symbol: str, side, type, request: dict) -> None:
        journal.add_pending(
            cur, client_order_id=client_order_id, bot_id=self._owner.bot_id, venue=self._owner.venue,
            market=self._owner.market, symbol=symbol, side=side, type=type,
            request={**request, "account": self._owner.account},
        )

    def resolved(self, order: Order) -> bool:
        """Journal the exchange's view of ``order``; record its trade once it has executed.

        An order the journal has not seen (an OCO leg) is journaled first. Return True when a
        new trade row was written. With a writer the record is written behind (see
        ``engine.writer``) and this returns False at once.
        """
        if self._writer is not None:
            self._writer.submit(lambda: self.record(order))
            return False
        return self.record(order)

    def record(self, order: Order) -> bool:
        """``resolved``, written now.

        An order is recorded once it is final: FILLED, or CANCELLED / EXPIRED after a partial
        fill, as one trade of its whole executed quantity with every part's commission. While it
        rests partly filled only its journal entry follows it. A final order whose fills do not
        add up to its executed quantity (the trade history could not be read) stays open in the
        journal as unknown and is looked up again.
        """
        # valued before the transaction: a commission in a third asset may need its price asked
        trade = self.trade_of(order)
        with self._db.transaction() as cur:
            return self.write(cur, order, trade)

    def trade_of(self, order: Order) -> trades.TradeRecord | None:
        """The trade row ``order`` makes once it is final with every fill read; None before (see ``record``).

        A commission in a third asset is valued here (it may ask the exchange): call it before a transaction.
        """
        final = order.status in (OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.EXPIRED)
        if order.filled > 0 and final and _complete(order):
            return trade_record(order, self._owner, self._value, now=self._db.now())
        return None

    def write(self, cur, order: Order, trade: trades.TradeRecord | None) -> bool:
        """Write ``record``'s rows in the transaction open on ``cur``; ``trade`` from ``trade_of(order)``."""
        executed = order.filled > 0 and order.status in (OrderStatus.FILLED, OrderStatus.CANCELLED,
                                                         OrderStatus.EXPIRED)
        update = dict(status=order.status if _complete(order) or not executed else OrderStatus.UNKNOWN,
                      exchange_order_id=order.exchange_order_id, response=order_dict(order))
        if not journal.try_update(cur, order.client_order_id, **update):
            self._add(cur, order.client_order_id, order.symbol, order.side, order.type,
                      {"quantity": str(order.quantity), "price": _s(order.price)})
            journal.update(cur, order.client_order_id, **update)
        if trade is None:
            return False
        inserted, stored = trades.record_with_pnl(cur, trade)
        if inserted and self._owner.bot_id is not None:
            bots.bump_daily(cur, self._owner.bot_id, 1, stored.pnl or Decimal(0), day=stored.ts.date())
        return inserted

    def failed(self, client_order_id: str, error: ConsoleError) -> None:
        with self._db.transaction() as cur:
            journal.update(
                cur,
                client_order_id,
                status=OrderStatus.REJECTED,
                response={"error": type(error).__name__, "message": str(error)},
            )


def _complete(order: Order) -> bool:
    """Whether the fills read add up to what the order executed."""
    return sum((f.quantity for f in order.fills), Decimal(0)) == order.filled


def open_entries(db: Database, bot_id: int | None = None, venue: Venue | None = None) -> list:
    """Open journal entries, of one bot when ``bot_id`` is given."""
    return journal.open_entries(db.cursor(), venue=venue, bot_id=bot_id)


def account_of(entry) -> str:
    return entry.request.get("account") or "paper"


def fee_valuer(client) -> Valuer:
    """Value an asset in a quote asset at the client's current price of ASSET/QUOTE (or QUOTE/ASSET).

    The client keeps a price for a couple of seconds (``reference_price``), so a burst of fills
    with commissions in BNB asks the exchange once.
    """
    def value(asset: str, quote: str) -> Decimal:
        try:
            return client.reference_price(f"{asset}/{quote}")
        except UnknownSymbol:
            return 1 / client.reference_price(f"{quote}/{asset}")
    return value


def trade_record(order: Order, owner: Owner, value: Valuer | None = None, *, now: datetime) -> trades.TradeRecord:
    """Turn an executed order into the row the trade store keeps, dated ``now`` when the exchange gave no time.

    Commissions are valued in the quote asset: the base asset at the fill price, another
    asset (BNB) at its current price through ``value`` (see ``fee_valuer``); without one, or when
    that price can't be had, it is recorded at 0 and the commission asset column still tells.
    """
    base, quote = split_symbol(order.symbol)
    price = order.average_price or order.price or Decimal(0)
    commission_quote = Decimal(0)
    for asset, amount in order.commissions:
        if asset == quote:
            commission_quote += amount
        elif asset == base:
            commission_quote += amount * price
        elif value is not None:
            try:
                commission_quote += amount * value(asset, quote)
            except ConsoleError as e:
                log.warning("commission of %s %s on %s valued at 0: %s", amount, asset, order.symbol, e)
    return trades.TradeRecord(
        bot_id=owner.bot_id,
        account=owner.account,
        venue=owner.venue,
        market=owner.market,
        exchange_order_id=order.exchange_order_id,
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=order.side,
        order_type=order.type,
        price=price,
        quantity=order.filled,
        quote_quantity=order.quote_filled or order.filled * price,
        commission=order.commission,
        commission_asset=order.commission_asset,
        commission_quote=commission_quote,
        pnl=None,
        realized_pnl=order.realized_pnl,
        ts=order.timestamp or now,
    )


def request_dict(request: OrderRequest) -> dict:
    return {
        "symbol": request.symbol,
        "market": request.market.value,
        "side": request.side.value,
        "type": request.type.value,
        "quantity": _s(request.quantity),
        "quote_quantity": _s(request.quote_quantity),
        "price": _s(request.price),
        "stop_price": _s(request.stop_price),
        "reduce_only": request.reduce_only,
    }


def order_dict(order: Order) -> dict:
    return {
        "exchange_order_id": order.exchange_order_id,
        "status": order.status.value,
        "filled": str(order.filled),
        "average_price": _s(order.average_price),
        "quote_filled": str(order.quote_filled),
        "commissions": [[asset, str(amount)] for asset, amount in order.commissions],
    }


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
