"""Market data endpoints shared by spot and USD-M: time, exchangeInfo, tickers, klines."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from console.futures_model import DEFAULT_FUNDING_RATE
from console.paper.protocol import ApiError, bad_request, fmt8, parse_int
from console.paper.rules import Rules

if TYPE_CHECKING:
    from console.paper.server import PaperExchange

INTERVALS = {"1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000, "1h": 3_600_000,
             "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000, "8h": 28_800_000, "12h": 43_200_000,
             "1d": 86_400_000, "3d": 259_200_000, "1w": 604_800_000}


def rules_of(ex: "PaperExchange", futures: bool) -> Rules:
    return ex.futures.rules if futures else ex.spot.rules


def price_text(rules: Rules, symbol: str, value: float | Decimal, futures: bool) -> str:
    tick = rules.symbols[symbol].tick
    price = Decimal(str(value))
    if tick:
        price = price.quantize(tick, rounding=ROUND_HALF_UP)
    return f"{price:f}" if futures else fmt8(price)


def ping(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return {}


def server_time(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    return {"serverTime": ex.now_ms()}


def exchange_info(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    rules = rules_of(ex, futures)
    doc = dict(rules.document)
    doc["serverTime"] = ex.now_ms()
    wanted = params.get("symbol")
    if wanted:
        rules.get(wanted)
        doc["symbols"] = [s for s in doc["symbols"] if s["symbol"] == wanted]
    return doc


def _symbols(rules: Rules, params: dict[str, str]) -> tuple[list[str], bool]:
    symbol = params.get("symbol")
    if symbol:
        rules.get(symbol)
        return [symbol], True
    raw = params.get("symbols")
    if raw:
        names = [s.strip('"') for s in raw.strip("[]").split(",") if s]
        for name in names:
            rules.get(name)
        return names, False
    return list(rules.symbols), False


def ticker_price(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    rules = rules_of(ex, futures)
    names, single = _symbols(rules, params)
    book = ex.futures if futures else ex.spot
    rows = []
    for name in names:
        row: dict[str, Any] = {"symbol": name, "price": price_text(rules, name, book.last(rules.symbols[name]), futures)}
        if futures:
            row["time"] = ex.now_ms()
        rows.append(row)
    return rows[0] if single else rows


def book_ticker(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    rules = rules_of(ex, futures)
    names, single = _symbols(rules, params)
    book = ex.futures if futures else ex.spot
    rows = []
    for name in names:
        r = rules.symbols[name]
        row: dict[str, Any] = {"symbol": name, "bidPrice": price_text(rules, name, book.bid(r), futures),
                               "bidQty": "1.00000000", "askPrice": price_text(rules, name, book.ask(r), futures),
                               "askQty": "1.00000000"}
        if futures:
            row["time"] = ex.now_ms()
        rows.append(row)
    return rows[0] if single else rows


def ticker_24hr(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    rules = rules_of(ex, futures)
    names, single = _symbols(rules, params)
    book = ex.futures if futures else ex.spot
    now = ex.now_ms()
    rows = []
    for name in names:
        r = rules.symbols[name]
        candles = ex.feed.klines(name, 3_600_000, start_ms=ex.feed.virtual_ms() - 86_400_000, limit=25)
        last = book.last(r)
        opened = Decimal(str(candles[0][1])) if candles else last
        high = max([Decimal(str(c[2])) for c in candles] + [last])
        low = min([Decimal(str(c[3])) for c in candles] + [last])
        volume = Decimal(str(round(sum(c[5] for c in candles), 8)))
        p = lambda v: price_text(rules, name, v, futures)  # noqa: E731
        change = last - Decimal(p(opened))
        row = {"symbol": name, "priceChange": p(change) if change >= 0 else "-" + p(-change),
               "priceChangePercent": f"{(change / opened * 100) if opened else 0:.3f}",
               "weightedAvgPrice": p((high + low + last) / 3), "lastPrice": p(last), "lastQty": "1.00000000",
               "openPrice": p(opened), "highPrice": p(high), "lowPrice": p(low), "volume": fmt8(volume),
               "quoteVolume": fmt8(volume * last), "openTime": now - 86_400_000, "closeTime": now,
               "firstId": 1, "lastId": 1, "count": 1}
        if not futures:
            row.update({"prevClosePrice": p(opened), "bidPrice": p(book.bid(r)), "bidQty": "1.00000000",
                        "askPrice": p(book.ask(r)), "askQty": "1.00000000"})
        rows.append(row)
    return rows[0] if single else rows


def round8(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.00000001"))


def klines(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    rules = rules_of(ex, futures)
    symbol = params.get("symbol")
    rules.get(symbol)
    assert symbol is not None
    interval = INTERVALS.get(params.get("interval", ""))
    if interval is None:
        raise bad_request(-1120, "Invalid interval.")
    limit = parse_int(params, "limit", 500) or 500
    if not 1 <= limit <= (1500 if futures else 1000):
        raise bad_request(-1130, "Invalid data sent for a parameter.")
    rows = ex.feed.klines(symbol, interval, parse_int(params, "startTime"), parse_int(params, "endTime"), limit)
    out = []
    for t, o, h, low, c, v in rows:
        out.append([t, price_text(rules, symbol, o, futures), price_text(rules, symbol, h, futures),
                    price_text(rules, symbol, low, futures), price_text(rules, symbol, c, futures),
                    f"{v:.8f}", t + interval - 1, f"{v * c:.8f}", 1, f"{v / 2:.8f}", f"{v * c / 2:.8f}", "0"])
    return out


def premium_index(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    rules = ex.futures.rules
    names, single = _symbols(rules, params)
    now = ex.now_ms()
    rows = []
    for name in names:
        mark = fmt8(ex.futures.mark(name))
        paid = ex.feed.funding_rates(name, ex.feed.virtual_ms() - 28_800_000, ex.feed.virtual_ms())
        rate = paid[-1][1] if paid else DEFAULT_FUNDING_RATE
        rows.append({"symbol": name, "markPrice": mark, "indexPrice": mark, "estimatedSettlePrice": mark,
                     "lastFundingRate": f"{rate:.8f}", "interestRate": "0.00010000",
                     "nextFundingTime": (now // 28_800_000 + 1) * 28_800_000, "time": now})
    return rows[0] if single else rows


def unknown(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    raise ApiError(404, -1000, "An unknown error occurred while processing the request.")


def depth(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    """A thin synthetic book: levels one tick apart around the bid and ask the exchange fills at."""
    rules = rules_of(ex, futures)
    r = rules.get(params.get("symbol"))
    book = ex.futures if futures else ex.spot
    levels = min(parse_int(params, "limit", 100) or 100, 20)
    step = r.tick or Decimal("0.00000001")
    bid, ask = book.bid(r), book.ask(r)
    qty = f"{(r.min_qty or Decimal(1)) * 100:f}"
    result: dict[str, Any] = {"lastUpdateId": ex.now_ms(),
                              "bids": [[price_text(rules, r.symbol, bid - i * step, futures), qty] for i in range(levels)],
                              "asks": [[price_text(rules, r.symbol, ask + i * step, futures), qty] for i in range(levels)]}
    if futures:
        result.update(E=ex.now_ms(), T=ex.now_ms())
    return result


def avg_price(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    """GET /api/v3/avgPrice: the mean price of the last 5 minutes."""
    rules = ex.spot.rules
    symbol = rules.get(params.get("symbol")).symbol
    candles = ex.feed.klines(symbol, 60_000, start_ms=ex.feed.virtual_ms() - 300_000, limit=6)
    closes = [Decimal(str(c[4])) for c in candles] or [ex.spot.last(rules.symbols[symbol])]
    return {"mins": 5, "price": price_text(rules, symbol, sum(closes) / len(closes), False),
            "closeTime": ex.now_ms()}


WINDOW_UNITS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000}


def rolling_ticker(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    """GET /api/v3/ticker: price change over a rolling window (windowSize, default 1d), FULL or MINI."""
    if not params.get("symbol") and not params.get("symbols"):
        raise ApiError(400, -1102, "Param 'symbol' or 'symbols' must be sent, but both were empty/null!")
    rules = ex.spot.rules
    names, single = _symbols(rules, params)
    window = params.get("windowSize", "1d")
    unit = WINDOW_UNITS[window[-1]]
    span = int(window[:-1]) * unit
    now = ex.now_ms()
    rows = []
    for name in names:
        last = ex.spot.last(rules.symbols[name])
        candles = ex.feed.klines(name, unit, start_ms=ex.feed.virtual_ms() - span, limit=int(window[:-1]) + 1)
        opened = Decimal(str(candles[0][1])) if candles else last
        high = max([Decimal(str(c[2])) for c in candles] + [last])
        low = min([Decimal(str(c[3])) for c in candles] + [last])
        volume = Decimal(str(round(sum(c[5] for c in candles), 8)))
        p = lambda v: price_text(rules, name, v, False)  # noqa: E731
        row: dict[str, Any] = {"symbol": name}
        if params.get("type", "FULL") == "FULL":
            change = last - Decimal(p(opened))
            row.update(priceChange=p(change) if change >= 0 else "-" + p(-change),
                       priceChangePercent=f"{(change / opened * 100) if opened else 0:.3f}",
                       weightedAvgPrice=p((high + low + last) / 3))
        row.update(openPrice=p(opened), highPrice=p(high), lowPrice=p(low), lastPrice=p(last),
                   volume=f"{volume:f}", quoteVolume=f"{round8(volume * last):f}", openTime=now - span,
                   closeTime=now, firstId=1, lastId=1, count=1)
        rows.append(row)
    return rows[0] if single else rows


FUNDING_MS = 28_800_000


def funding_rate(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    """GET /fapi/v1/fundingRate: the funding history, one row per 8 h at the rate premiumIndex reports."""
    rules = ex.futures.rules
    symbol = params.get("symbol")
    names = [rules.get(symbol).symbol] if symbol else sorted(rules.symbols)
    limit = parse_int(params, "limit", 100) or 100
    if not 1 <= limit <= 1000:
        raise bad_request(-1130, "Invalid data sent for a parameter.")
    start, end = parse_int(params, "startTime"), parse_int(params, "endTime")
    now = ex.feed.virtual_ms()
    last = min(now, end if end is not None else now)
    since = start - 1 if start is not None else last - limit * FUNDING_MS
    # the rates the exchange pays (console.paper.feed: recorded rates on a replay, else the default)
    wanted = sorted((t, name, rate) for name in names for t, rate in ex.feed.funding_rates(name, since, last))
    wanted = wanted[:limit] if start is not None else wanted[-limit:]
    rows = []
    for t, name, rate in wanted:  # the mark at each funding time, read only for the rows answered
        candle = ex.feed.klines(name, 60_000, start_ms=t, limit=1)
        mark = Decimal(str(candle[0][1])) if candle else ex.futures.last(rules.symbols[name])
        rows.append({"symbol": name, "fundingTime": t, "fundingRate": f"{rate:.8f}",
                     "markPrice": f"{mark.quantize(Decimal('0.00000001')):f}"})
    return rows


def index_price_klines(ex: "PaperExchange", params: dict[str, str], futures: bool) -> Any:
    """GET /fapi/v1/indexPriceKlines: klines of the index, which follows the feed; it names the pair."""
    return klines(ex, {**{k: v for k, v in params.items() if k != "pair"}, "symbol": params.get("pair", "")}, futures)
