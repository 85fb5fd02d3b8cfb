"""A symbol's trading rules as Binance publishes them (exchangeInfo filters), read from ccxt's market."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from console.domain import Market

ZERO = Decimal(0)


@dataclass(frozen=True, kw_only=True)
class SymbolRules:
    """The exchange's filters for one symbol, exact to the digit (Decimal from the raw strings).

    A zero ``market_step_size`` or ``market_max_qty`` means the market filter adds no limit; a zero
    ``max_notional``, price multiplier or order count means no such bound. The price multipliers
    bound a limit price around the reference price (spot PERCENT_PRICE_BY_SIDE: the average price
    over ``avg_price_mins`` minutes; USD-M PERCENT_PRICE: the mark price, which bounds a buy from
    above and a sell from below only).
    """

    symbol: str  # unified spot form, BTC/USDT
    market: Market
    base: str
    quote: str
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    market_step_size: Decimal
    market_min_qty: Decimal
    market_max_qty: Decimal
    tick_size: Decimal
    min_price: Decimal
    max_price: Decimal
    min_notional: Decimal
    min_notional_applies_to_market: bool = True
    max_notional: Decimal = ZERO
    max_notional_applies_to_market: bool = False
    avg_price_mins: int = 0
    buy_price_up: Decimal = ZERO
    buy_price_down: Decimal = ZERO
    sell_price_up: Decimal = ZERO
    sell_price_down: Decimal = ZERO
    max_num_orders: int = 0
    max_num_algo_orders: int = 0
    taker_fee: Decimal = Decimal("0.001")
    maker_fee: Decimal = Decimal("0.001")

    def quantity_step(self, market_order: bool) -> Decimal:
        if market_order and self.market_step_size > self.step_size:
            return self.market_step_size
        return self.step_size

    def quantity_bounds(self, market_order: bool) -> tuple[Decimal, Decimal]:
        """Return (min, max) quantity; a max of 0 means unbounded."""
        if not market_order:
            return self.min_qty, self.max_qty
        low = max(self.min_qty, self.market_min_qty)
        highs = [q for q in (self.max_qty, self.market_max_qty) if q > 0]
        return low, min(highs) if highs else ZERO


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return Decimal(str(value))


def _flag(value: Any, default: bool) -> bool:
    if value is None:
        return default
    return value is True or str(value).lower() == "true"


def _filters(info: dict) -> dict[str, dict]:
    return {f.get("filterType"): f for f in info.get("filters", []) if isinstance(f, dict)}


def _price_band(filters: dict[str, dict], console_market: Market) -> dict[str, Any]:
    """The price multipliers of PERCENT_PRICE_BY_SIDE, legacy spot PERCENT_PRICE or USD-M PERCENT_PRICE."""
    by_side, percent = filters.get("PERCENT_PRICE_BY_SIDE"), filters.get("PERCENT_PRICE")
    if by_side:
        return dict(buy_price_up=_dec(by_side.get("bidMultiplierUp")) or ZERO,
                    buy_price_down=_dec(by_side.get("bidMultiplierDown")) or ZERO,
                    sell_price_up=_dec(by_side.get("askMultiplierUp")) or ZERO,
                    sell_price_down=_dec(by_side.get("askMultiplierDown")) or ZERO)
    if not percent:
        return {}
    up, down = _dec(percent.get("multiplierUp")) or ZERO, _dec(percent.get("multiplierDown")) or ZERO
    if console_market is Market.FUTURES:  # BUY: price <= mark * up; SELL: price >= mark * down
        return dict(buy_price_up=up, sell_price_down=down)
    return dict(buy_price_up=up, buy_price_down=down, sell_price_up=up, sell_price_down=down)


def rules_from_ccxt_market(market: dict, console_market: Market) -> SymbolRules:
    """Build the rules from a ccxt market dict, preferring the raw filter strings in ``info``."""
    filters = _filters(market.get("info") or {})
    limits = market.get("limits") or {}
    precision = market.get("precision") or {}

    def pick(filter_type: str, key: str, fallback: Any) -> Decimal:
        raw = filters.get(filter_type, {}).get(key)
        value = _dec(raw) if raw is not None else _dec(fallback)
        return value if value is not None else ZERO

    notional = filters.get("NOTIONAL") or filters.get("MIN_NOTIONAL") or {}
    min_notional = _dec(notional.get("minNotional", notional.get("notional")))
    if min_notional is None:
        min_notional = _dec((limits.get("cost") or {}).get("min")) or ZERO
    applies = notional.get("applyMinToMarket", notional.get("applyToMarket"))
    counts = filters.get("MAX_NUM_ORDERS") or {}
    algo_counts = filters.get("MAX_NUM_ALGO_ORDERS") or {}
    amount, price, market_limits = limits.get("amount") or {}, limits.get("price") or {}, limits.get("market") or {}
    return SymbolRules(
        symbol=f"{market['base']}/{market['quote']}",
        market=console_market,
        base=market["base"],
        quote=market["quote"],
        step_size=pick("LOT_SIZE", "stepSize", precision.get("amount")),
        min_qty=pick("LOT_SIZE", "minQty", amount.get("min")),
        max_qty=pick("LOT_SIZE", "maxQty", amount.get("max")),
        market_step_size=pick("MARKET_LOT_SIZE", "stepSize", None),
        market_min_qty=pick("MARKET_LOT_SIZE", "minQty", market_limits.get("min")),
        market_max_qty=pick("MARKET_LOT_SIZE", "maxQty", market_limits.get("max")),
        tick_size=pick("PRICE_FILTER", "tickSize", precision.get("price")),
        min_price=pick("PRICE_FILTER", "minPrice", price.get("min")),
        max_price=pick("PRICE_FILTER", "maxPrice", price.get("max")),
        min_notional=min_notional,
        min_notional_applies_to_market=_flag(applies, True),
        max_notional=_dec(notional.get("maxNotional")) or ZERO,
        max_notional_applies_to_market=_flag(notional.get("applyMaxToMarket"), False),
        avg_price_mins=int(notional.get("avgPriceMins") or 0),
        **_price_band(filters, console_market),
        max_num_orders=int(counts.get("maxNumOrders", counts.get("limit")) or 0),
        max_num_algo_orders=int(algo_counts.get("maxNumAlgoOrders", algo_counts.get("limit")) or 0),
        taker_fee=_dec(market.get("taker")) or Decimal("0.001"),
        maker_fee=_dec(market.get("maker")) or Decimal("0.001"),
    )
