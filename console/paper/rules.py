"""Exchange rules: symbol filters read from an exchangeInfo document, checked as Binance checks them.

Built-in rules cover BTC, ETH, BNB, SOL and XRP against USDT with Binance's filter values
(spot and USD-M perpetual); any raw ``/api/v3/exchangeInfo`` or ``/fapi/v1/exchangeInfo`` JSON
file can replace them.

Filters run in the order exchangeInfo lists them: PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE, the
price band, the notional, then the open-order counts. Where Binance prices a check at the average
price over ``avgPriceMins`` minutes (spot NOTIONAL / MIN_NOTIONAL of market orders,
PERCENT_PRICE_BY_SIDE) or at the mark price (USD-M), the paper exchange uses its feed's last price,
which is also its mark price.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from pathlib import Path
from typing import Any

from console.paper.protocol import ApiError, bad_request, filter_failure

ZERO = Decimal(0)


@dataclass(frozen=True)
class SymbolRules:
    """The filters of one symbol, as Decimals (0 disables a bound, as on Binance)."""

    symbol: str
    base: str
    quote: str
    order_types: frozenset[str]
    tick: Decimal = ZERO
    min_price: Decimal = ZERO
    max_price: Decimal = ZERO
    step: Decimal = ZERO
    min_qty: Decimal = ZERO
    max_qty: Decimal = ZERO
    market_step: Decimal = ZERO
    market_min_qty: Decimal = ZERO
    market_max_qty: Decimal = ZERO
    min_notional: Decimal = ZERO
    max_notional: Decimal = ZERO
    notional_filter: str = "NOTIONAL"
    apply_min_to_market: bool = True
    apply_max_to_market: bool = False
    band_filter: str = ""  # PERCENT_PRICE_BY_SIDE, PERCENT_PRICE (legacy spot) or PERCENT_PRICE_FUTURES
    bid_up: Decimal = ZERO  # multipliers of the reference price; 0 sets no bound
    bid_down: Decimal = ZERO
    ask_up: Decimal = ZERO
    ask_down: Decimal = ZERO
    max_num_orders: int = 0
    max_num_algo_orders: int = 0
    trading: bool = True

    def check_price(self, price: Decimal) -> None:
        """Raise -1013 PRICE_FILTER unless price is within bounds and on the tick."""
        if price <= 0:
            raise bad_request(-1013, "Invalid price.")
        if self.min_price and price < self.min_price:
            raise filter_failure("PRICE_FILTER")
        if self.max_price and price > self.max_price:
            raise filter_failure("PRICE_FILTER")
        if self.tick and (price - self.min_price) % self.tick != 0:
            raise filter_failure("PRICE_FILTER")

    def check_quantity(self, qty: Decimal, market_order: bool) -> None:
        """Raise -1013 LOT_SIZE / MARKET_LOT_SIZE unless qty fits both."""
        if qty <= 0:
            raise bad_request(-1013, "Invalid quantity.")
        _check_lot("LOT_SIZE", qty, self.min_qty, self.max_qty, self.step)
        if market_order:
            _check_lot("MARKET_LOT_SIZE", qty, self.market_min_qty, self.market_max_qty, self.market_step)

    def check_band(self, price: Decimal, side: str, reference: Decimal) -> None:
        """Raise the price-band rejection Binance gives when a limit price is too far from ``reference``.

        Spot (PERCENT_PRICE_BY_SIDE): a buy within [bidDown, bidUp] × the average price, a sell within
        [askDown, askUp]. USD-M (PERCENT_PRICE): a buy at most multiplierUp × the mark price (-4016),
        a sell at least multiplierDown × it (-4024).
        """
        if not self.band_filter or reference <= 0:
            return
        up, down = (self.bid_up, self.bid_down) if side == "BUY" else (self.ask_up, self.ask_down)
        high, low = reference * up, reference * down
        if self.band_filter == "PERCENT_PRICE_FUTURES":
            if up and price > high:
                cap = _on_tick(high, self.tick, up=False)
                raise ApiError(400, -4016, f"Limit price can't be higher than {_plain(cap)}.")
            if down and price < low:
                floor = _on_tick(low, self.tick, up=True)
                raise ApiError(400, -4024, f"Limit price can't be lower than {_plain(floor)}.")
            return
        if (up and price > high) or (down and price < low):
            raise filter_failure(self.band_filter)

    def check_open_orders(self, open_orders: int, open_algo_orders: int, algo: bool, futures: bool) -> None:
        """Raise Binance's refusal when one more (algo) order would pass MAX_NUM_ORDERS / MAX_NUM_ALGO_ORDERS.

        ``open_orders`` counts every open order on the symbol, algo orders included, as Binance does.
        """
        if algo and self.max_num_algo_orders and open_algo_orders >= self.max_num_algo_orders:
            if futures:
                raise ApiError(400, -4045, "Reach max stop order limit.")
            raise filter_failure("MAX_NUM_ALGO_ORDERS")
        if self.max_num_orders and open_orders >= self.max_num_orders:
            if futures:
                raise ApiError(400, -2025, "Reach max open order limit.")
            raise filter_failure("MAX_NUM_ORDERS")

    def check_notional(self, notional: Decimal, market_order: bool, reduce_only: bool = False) -> None:
        """Raise the notional rejection Binance gives for this market.

        Exact in Decimal: a notional equal to the minimum passes. A spot quoteOrderQty order passes
        its quote amount here, a limit order price × quantity, a market order quantity × last price.
        """
        if self.notional_filter == "MIN_NOTIONAL_FUTURES":
            if not reduce_only and self.min_notional and notional < self.min_notional:
                raise ApiError(400, -4164, f"Order's notional must be no smaller than {_plain(self.min_notional)} "
                                           "(unless you choose reduce only).")
            return
        check_min = not market_order or self.apply_min_to_market
        check_max = not market_order or self.apply_max_to_market
        if check_min and self.min_notional and notional < self.min_notional:
            raise filter_failure(self.notional_filter)
        if check_max and self.max_notional and notional > self.max_notional:
            raise filter_failure(self.notional_filter)


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _on_tick(value: Decimal, tick: Decimal, up: bool) -> Decimal:
    if not tick:
        return value
    steps = (value / tick).to_integral_value(rounding=ROUND_UP if up else ROUND_DOWN)
    return steps * tick


def _check_lot(name: str, qty: Decimal, min_qty: Decimal, max_qty: Decimal, step: Decimal) -> None:
    if min_qty and qty < min_qty:
        raise filter_failure(name)
    if max_qty and qty > max_qty:
        raise filter_failure(name)
    if step and (qty - min_qty) % step != 0:
        raise filter_failure(name)


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else ZERO


def parse_symbol(raw: dict[str, Any], futures: bool) -> SymbolRules:
    """Build SymbolRules from one entry of exchangeInfo's ``symbols``."""
    fields: dict[str, Any] = {}
    for f in raw.get("filters", []):
        kind = f.get("filterType")
        if kind == "PRICE_FILTER":
            fields.update(tick=_dec(f.get("tickSize")), min_price=_dec(f.get("minPrice")), max_price=_dec(f.get("maxPrice")))
        elif kind == "LOT_SIZE":
            fields.update(step=_dec(f.get("stepSize")), min_qty=_dec(f.get("minQty")), max_qty=_dec(f.get("maxQty")))
        elif kind == "MARKET_LOT_SIZE":
            fields.update(market_step=_dec(f.get("stepSize")), market_min_qty=_dec(f.get("minQty")),
                          market_max_qty=_dec(f.get("maxQty")))
        elif kind == "NOTIONAL":
            fields.update(min_notional=_dec(f.get("minNotional")), max_notional=_dec(f.get("maxNotional")),
                          apply_min_to_market=bool(f.get("applyMinToMarket", True)),
                          apply_max_to_market=bool(f.get("applyMaxToMarket", False)), notional_filter="NOTIONAL")
        elif kind == "MIN_NOTIONAL" and futures:
            fields.update(min_notional=_dec(f.get("notional")), notional_filter="MIN_NOTIONAL_FUTURES")
        elif kind == "MIN_NOTIONAL":
            fields.update(min_notional=_dec(f.get("minNotional")), apply_min_to_market=bool(f.get("applyToMarket", True)),
                          notional_filter="MIN_NOTIONAL")
        elif kind == "PERCENT_PRICE_BY_SIDE":
            fields.update(band_filter=kind, bid_up=_dec(f.get("bidMultiplierUp")),
                          bid_down=_dec(f.get("bidMultiplierDown")), ask_up=_dec(f.get("askMultiplierUp")),
                          ask_down=_dec(f.get("askMultiplierDown")))
        elif kind == "PERCENT_PRICE" and futures:  # one bound per side: a buy from above, a sell from below
            fields.update(band_filter="PERCENT_PRICE_FUTURES", bid_up=_dec(f.get("multiplierUp")),
                          ask_down=_dec(f.get("multiplierDown")))
        elif kind == "PERCENT_PRICE":
            up, down = _dec(f.get("multiplierUp")), _dec(f.get("multiplierDown"))
            fields.update(band_filter=kind, bid_up=up, bid_down=down, ask_up=up, ask_down=down)
        elif kind == "MAX_NUM_ORDERS":
            fields.update(max_num_orders=int(f.get("maxNumOrders", f.get("limit")) or 0))
        elif kind == "MAX_NUM_ALGO_ORDERS":
            fields.update(max_num_algo_orders=int(f.get("maxNumAlgoOrders", f.get("limit")) or 0))
    trading = raw.get("status", "TRADING") == "TRADING"
    return SymbolRules(symbol=raw["symbol"], base=raw["baseAsset"], quote=raw["quoteAsset"],
                       order_types=frozenset(raw.get("orderTypes", [])), trading=trading, **fields)


class Rules:
    """All symbols of one market plus the raw document served at exchangeInfo."""

    def __init__(self, document: dict[str, Any], futures: bool) -> None:
        self.document = document
        self.futures = futures
        self.symbols = {s["symbol"]: parse_symbol(s, futures) for s in document.get("symbols", [])}

    def get(self, symbol: str | None) -> SymbolRules:
        """Return the rules of symbol or raise -1121 Invalid symbol."""
        if not symbol:
            raise ApiError(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.")
        rules = self.symbols.get(symbol)
        if rules is None:
            raise ApiError(400, -1121, "Invalid symbol.")
        return rules


def load_rules(path: Path | None, futures: bool) -> Rules:
    """Read an exchangeInfo JSON file, or the built-in rules when path is None."""
    if path is None:
        return Rules(builtin_futures_info() if futures else builtin_spot_info(), futures)
    return Rules(json.loads(Path(path).read_text()), futures)


# symbol: (tick, min price, max price, step, min qty, max qty, market max qty, min notional)
_SPOT = {
    "BTCUSDT": ("0.01", "0.01", "1000000", "0.00001", "0.00001", "9000", "97.09521512", "5"),
    "ETHUSDT": ("0.01", "0.01", "1000000", "0.0001", "0.0001", "9000", "2357.34408702", "5"),
    "BNBUSDT": ("0.01", "0.01", "100000", "0.001", "0.001", "900000", "2946.70470833", "5"),
    "SOLUSDT": ("0.01", "0.01", "10000", "0.001", "0.001", "9000000", "23541.87011111", "5"),
    "XRPUSDT": ("0.0001", "0.0001", "1000", "0.1", "0.1", "9222449", "2062484.99541666", "5"),
}
_FUTURES = {
    "BTCUSDT": ("0.10", "556.80", "4529764", "0.001", "0.001", "1000", "120", "100"),
    "ETHUSDT": ("0.01", "39.86", "306177", "0.001", "0.001", "10000", "2000", "20"),
    "BNBUSDT": ("0.010", "6.600", "100000", "0.01", "0.01", "100000", "2000", "5"),
    "SOLUSDT": ("0.0100", "0.4200", "6857", "1", "1", "1000000", "5000", "5"),
    "XRPUSDT": ("0.0001", "0.0143", "100000", "0.1", "0.1", "10000000", "2000000", "5"),
}
_SPOT_TYPES = ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"]
_FUTURES_TYPES = ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"]


def _decimals(text: str) -> int:
    return max(0, -Decimal(text).normalize().as_tuple().exponent)


def builtin_spot_info() -> dict[str, Any]:
    """A raw /api/v3/exchangeInfo document for the built-in spot symbols."""
    symbols = []
    for symbol, (tick, pmin, pmax, step, qmin, qmax, mmax, notional) in _SPOT.items():
        e8 = lambda v: f"{Decimal(v):.8f}"  # noqa: E731
        symbols.append({
            "symbol": symbol, "status": "TRADING", "baseAsset": symbol[:-4], "baseAssetPrecision": 8,
            "quoteAsset": "USDT", "quotePrecision": 8, "quoteAssetPrecision": 8,
            "baseCommissionPrecision": 8, "quoteCommissionPrecision": 8, "orderTypes": _SPOT_TYPES,
            "icebergAllowed": True, "ocoAllowed": True, "otoAllowed": True, "quoteOrderQtyMarketAllowed": True,
            "allowTrailingStop": True, "cancelReplaceAllowed": True, "isSpotTradingAllowed": True,
            "isMarginTradingAllowed": True, "permissions": [], "permissionSets": [["SPOT", "MARGIN"]],
            "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
            "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT"],
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": e8(pmin), "maxPrice": e8(pmax), "tickSize": e8(tick)},
                {"filterType": "LOT_SIZE", "minQty": e8(qmin), "maxQty": e8(qmax), "stepSize": e8(step)},
                {"filterType": "ICEBERG_PARTS", "limit": 10},
                {"filterType": "MARKET_LOT_SIZE", "minQty": e8("0"), "maxQty": e8(mmax), "stepSize": e8("0")},
                {"filterType": "NOTIONAL", "minNotional": e8(notional), "applyMinToMarket": True,
                 "maxNotional": e8("9000000"), "applyMaxToMarket": False, "avgPriceMins": 5},
                {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
                {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
            ],
        })
    return {
        "timezone": "UTC", "serverTime": 0, "exchangeFilters": [], "symbols": symbols,
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
            {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000},
        ],
    }


def builtin_futures_info() -> dict[str, Any]:
    """A raw /fapi/v1/exchangeInfo document for the built-in perpetuals."""
    symbols = []
    for symbol, (tick, pmin, pmax, step, qmin, qmax, mmax, notional) in _FUTURES.items():
        symbols.append({
            "symbol": symbol, "pair": symbol, "contractType": "PERPETUAL", "deliveryDate": 4133404800000,
            "onboardDate": 1569398400000, "status": "TRADING", "maintMarginPercent": "2.5000",
            "requiredMarginPercent": "5.0000", "baseAsset": symbol[:-4], "quoteAsset": "USDT", "marginAsset": "USDT",
            "pricePrecision": _decimals(tick), "quantityPrecision": _decimals(step), "baseAssetPrecision": 8,
            "quotePrecision": 8, "underlyingType": "COIN", "underlyingSubType": [], "triggerProtect": "0.0500",
            "liquidationFee": "0.012500", "marketTakeBound": "0.05", "maxMoveOrderLimit": 10000,
            "orderTypes": _FUTURES_TYPES, "timeInForce": ["GTC", "IOC", "FOK", "GTX", "GTD"],
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": pmin, "maxPrice": pmax, "tickSize": tick},
                {"filterType": "LOT_SIZE", "minQty": qmin, "maxQty": qmax, "stepSize": step},
                {"filterType": "MARKET_LOT_SIZE", "minQty": qmin, "maxQty": mmax, "stepSize": step},
                {"filterType": "MAX_NUM_ORDERS", "limit": 200},
                {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
                {"filterType": "MIN_NOTIONAL", "notional": notional},
                {"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500", "multiplierDown": "0.9500", "multiplierDecimal": "4"},
            ],
        })
    return {
        "timezone": "UTC", "serverTime": 0, "futuresType": "U_MARGINED", "exchangeFilters": [],
        "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
        "symbols": symbols,
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400},
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300},
        ],
    }


# (initial leverage, notional cap, maintenance margin ratio, maintenance amount)
_BTC_BRACKETS = [(125, 50_000, "0.004", 0), (100, 600_000, "0.005", 50), (75, 3_000_000, "0.0065", 950),
                 (50, 12_000_000, "0.01", 11_450), (25, 70_000_000, "0.02", 131_450), (20, 100_000_000, "0.025", 481_450),
                 (10, 230_000_000, "0.05", 2_981_450), (5, 480_000_000, "0.1", 14_481_450),
                 (4, 600_000_000, "0.125", 26_481_450), (3, 800_000_000, "0.15", 41_481_450),
                 (2, 1_200_000_000, "0.25", 141_481_450), (1, 1_800_000_000, "0.5", 441_481_450)]
_OTHER_BRACKETS = [(75, 5_000, "0.005", 0), (50, 50_000, "0.01", 25), (25, 250_000, "0.02", 525),
                   (10, 1_000_000, "0.05", 8_025), (5, 5_000_000, "0.1", 58_025), (4, 10_000_000, "0.125", 183_025),
                   (3, 20_000_000, "0.15", 433_025), (2, 30_000_000, "0.25", 2_433_025), (1, 50_000_000, "0.5", 9_933_025)]


def leverage_brackets(symbol: str) -> list[dict[str, Any]]:
    """Binance's leverage brackets for a symbol (BTC and ETH get the deep table)."""
    table = _BTC_BRACKETS if symbol in ("BTCUSDT", "ETHUSDT") else _OTHER_BRACKETS
    floor = 0
    brackets = []
    for i, (lev, cap, mmr, cum) in enumerate(table, start=1):
        brackets.append({"bracket": i, "initialLeverage": lev, "notionalCap": cap, "notionalFloor": floor,
                         "maintMarginRatio": float(mmr), "cum": float(cum)})
        floor = cap
    return brackets


def max_leverage(symbol: str) -> int:
    return leverage_brackets(symbol)[0]["initialLeverage"]


def max_notional(symbol: str, leverage: int) -> Decimal:
    """The largest position notional allowed at this leverage."""
    caps = [b["notionalCap"] for b in leverage_brackets(symbol) if b["initialLeverage"] >= leverage]
    return Decimal(max(caps)) if caps else Decimal(0)


def maint_margin_ratio(symbol: str, notional: Decimal) -> Decimal:
    for b in leverage_brackets(symbol):
        if notional <= b["notionalCap"]:
            return Decimal(str(b["maintMarginRatio"]))
    return Decimal("0.5")
