"""USD-M funding payments and isolated liquidations of the paper exchange, with its income records.

The numbers come from ``console.futures_model``, the model the backtest uses too.

- Funding: at each funding time of the feed's series (``Feed.funding_rates``) an open position
  pays ``amount x mark x rate`` (a long pays a positive rate, a short receives it) out of the
  wallet, and out of the isolated wallet of an isolated position; the mark is the price on the
  feed's path at the funding time (or the mark a test pinned). Each payment is an income record
  ``FUNDING_FEE`` at the funding time.
- Liquidation: an isolated position whose mark price reached its liquidation price (Binance's
  isolated formula with the bracket's maintenance margin rate and amount) is closed by an order
  of the liquidation engine: client id ``autoclose-<ms>``, ``LIMIT`` / ``IOC``, filled whole at
  the liquidation price on the tick, without commission. Its realised PnL is recorded as usual
  and the maintenance margin left in the isolated wallet goes to the insurance fund (income
  ``INSURANCE_CLEAR``): the position's whole isolated margin is lost. The symbol's open orders
  and conditional orders are cancelled first. A stop (STOP / STOP_MARKET reduce-only) whose
  trigger lies before the liquidation price on the way there fires first.
- Cross-margin positions are not liquidated.

``/fapi/v1/income`` lists these records with REALIZED_PNL and COMMISSION rows drawn from the trades.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from console.futures_model import crossed, funding_payment, liquidation_fill_price, liquidation_price
from console.paper.book import ZERO, Order
from console.paper.protocol import floor_to, round8
from console.paper.rules import leverage_brackets

if TYPE_CHECKING:
    from console.paper.futures import FuturesBook, Position


@dataclass
class Income:
    """One row of the income history that is not drawn from a trade."""

    tran_id: int
    symbol: str
    income_type: str
    income: Decimal
    time: int

    def doc(self) -> dict[str, Any]:
        return {**asdict(self), "income": str(self.income)}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> "Income":
        return cls(**{**doc, "income": Decimal(doc["income"])})


class Settlement:
    """Funding and liquidation of a FuturesBook; every method runs under the exchange's lock."""

    def __init__(self, book: "FuturesBook") -> None:
        self.book = book
        self.funded_at: dict[str, int] = {}  # feed time up to which a symbol's funding is settled
        self.income: list[Income] = []
        self.next_tran_id = 1
        self._autoclose = 0

    def doc(self) -> dict[str, Any]:
        return {"funded_at": dict(self.funded_at), "income": [i.doc() for i in self.income],
                "next_tran_id": self.next_tran_id}

    def load(self, doc: dict[str, Any] | None) -> None:
        doc = doc or {}
        self.funded_at = {k: int(v) for k, v in doc.get("funded_at", {}).items()}
        self.income = [Income.from_doc(d) for d in doc.get("income", [])]
        self.next_tran_id = int(doc.get("next_tran_id", 1))

    def opened(self, symbol: str) -> None:
        """A position on symbol opened from flat now: funding before now is not its to pay."""
        self.funded_at[symbol] = self.book.feed.virtual_ms()

    def _record(self, symbol: str, kind: str, amount: Decimal, time: int) -> None:
        self.income.append(Income(tran_id=self.next_tran_id, symbol=symbol, income_type=kind, income=amount, time=time))
        self.next_tran_id += 1
        self.book.mark_dirty()

    # funding ----------------------------------------------------------------------------------
    def mark_at(self, symbol: str, at_ms: int) -> Decimal:
        """The mark price of symbol at feed time ``at_ms``: pinned, else the feed's path on the tick."""
        book = self.book
        pinned = book.marks.get(symbol)
        if pinned is not None:
            return pinned
        tick = book.rules.get(symbol).tick
        price = book.feed.price_at(symbol, at_ms)
        return floor_to(price, tick) if tick else price

    def pay_funding(self, symbol: str) -> None:
        """Settle every funding time of symbol passed since the last settlement."""
        book = self.book
        now = book.feed.virtual_ms()
        since = self.funded_at.get(symbol)
        self.funded_at[symbol] = now
        pos = book.positions.get(symbol)
        if since is None or pos is None or not pos.amount or now <= since:
            return
        for at, rate in book.feed.funding_rates(symbol, since, now):
            income = -funding_payment(pos.amount, self.mark_at(symbol, at), rate)
            book.wallet += income
            if pos.isolated:
                pos.isolated_wallet += income
            self._record(symbol, "FUNDING_FEE", income, at)

    # liquidation ------------------------------------------------------------------------------
    def liquidation_price(self, pos: "Position") -> Decimal:
        """The position's liquidation price (isolated: its own wallet; cross: the cross wallet
        with the other cross positions' unrealised PnL and maintenance margin)."""
        if not pos.amount:
            return ZERO
        brackets = leverage_brackets(pos.symbol)
        if pos.isolated:
            return liquidation_price(pos.amount, pos.entry, pos.isolated_wallet, brackets)
        book = self.book
        others = [p for p in book.positions.values() if p.amount and not p.isolated and p.symbol != pos.symbol]
        wallet = book.totals()["cross_wallet"] + sum((book.unrealized(p) - book.maint_margin(p) for p in others), ZERO)
        return liquidation_price(pos.amount, pos.entry, wallet, brackets)

    def _mark_range(self, symbol: str, low: Decimal, high: Decimal) -> tuple[Decimal, Decimal]:
        pinned = self.book.marks.get(symbol)
        return (pinned, pinned) if pinned is not None else (low, high)

    def due(self, symbol: str, low: Decimal, high: Decimal, *, before_stops: bool) -> bool:
        """Whether symbol's isolated position is to be liquidated on this price range; with
        ``before_stops`` only when no stop of it fires on the way to the liquidation price."""
        pos = self.book.positions.get(symbol)
        if pos is None or not pos.amount or not pos.isolated:
            return False
        liq = self.liquidation_price(pos)
        low, high = self._mark_range(symbol, low, high)
        if not crossed(pos.amount, liq, low, high):
            return False
        if not before_stops:
            return True
        closing = "SELL" if pos.amount > 0 else "BUY"
        for order in self.book.algos.open(symbol):
            if not (order.order_type.startswith("STOP") and order.side == closing and order.reduce_only):
                continue
            t = order.trigger_price
            if (pos.amount > 0 and liq < t and low <= t) or (pos.amount < 0 and liq > t and high >= t):
                return False
        return True

    def liquidate(self, symbol: str) -> Order:
        """Close symbol's isolated position as Binance's liquidation engine does (see the module doc)."""
        book = self.book
        pos = book.positions[symbol]
        rules = book.rules.get(symbol)
        liq = self.liquidation_price(pos)
        long = pos.amount > 0
        price = liquidation_fill_price(liq, rules.tick, long)
        now = book.now_ms()
        book.cancel_all(symbol)
        for algo in book.algos.open(symbol):
            algo.status, algo.update_time = "CANCELED", now
        self._autoclose += 1
        qty = abs(pos.amount)
        order = book.add_order(Order(market="futures", symbol=symbol, order_id=book.new_order_id(),
                                     client_order_id=f"autoclose-{now}{self._autoclose:06d}",
                                     side="SELL" if long else "BUY", type="LIMIT", orig_qty=qty, time=now,
                                     price=price, time_in_force="IOC"))
        realized = round8((price - pos.entry) * pos.amount)
        lost = pos.isolated_wallet + realized  # the maintenance margin left: the insurance fund's
        book.wallet += realized - lost
        book.record_trade(order, price, qty, ZERO, "USDT", False, realized)
        if lost:
            self._record(symbol, "INSURANCE_CLEAR", -lost, now)
        pos.amount = pos.entry = pos.isolated_wallet = ZERO
        pos.update_time = now
        book.mark_dirty()
        return order


def income_rows(book: "FuturesBook") -> list[dict[str, Any]]:
    """Every income row of the account, oldest first, as GET /fapi/v1/income answers them."""
    rows = []
    for t in book.trades:
        if t.realized_pnl:
            rows.append(_row(t.symbol, "REALIZED_PNL", t.realized_pnl, t.time, t.trade_id, str(t.trade_id)))
        if t.commission:
            rows.append(_row(t.symbol, "COMMISSION", -t.commission, t.time, t.trade_id, str(t.trade_id)))
    for i in book.settlement.income:
        rows.append(_row(i.symbol, i.income_type, i.income, i.time, i.tran_id, ""))
    return sorted(rows, key=lambda r: (r["time"], r["tranId"]))


def _row(symbol: str, kind: str, amount: Decimal, time: int, tran_id: int, trade_id: str) -> dict[str, Any]:
    return {"symbol": symbol, "incomeType": kind, "income": f"{amount.quantize(Decimal('0.00000001')):f}",
            "asset": "USDT", "info": kind if kind == "FUNDING_FEE" else "", "time": time, "tranId": tran_id,
            "tradeId": trade_id}
