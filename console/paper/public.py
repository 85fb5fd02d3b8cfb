"""Market data endpoints shared by spot and USD-M: time, exchangeInfo, tickers, klines."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

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
        rows.append({"symbol": name, "bidPrice": price_text(rules, name, book.bid(r), futures), "bidQty": "1.00000000",
                     "askPrice": price_text(rules, name, book.ask(r), futures), "askQty": "1.00000000"})
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
               "openPrice": p(opened), "highPrice": p(high), "lowPrice": p(low), "volume": f"{volume:f}",
               "quoteVolume": f"{round8(volume * last):f}", "openTime": now - 86_400_000, "closeTime": now,
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
        mark = price_text(rules, name, ex.futures.last(rules.symbols[name]), True)
        rows.append({"symbol": name, "markPrice": mark, "indexPrice": mark, "estimatedSettlePrice": mark,
                     "lastFundingRate": "0.00010000", "interestRate": "0.00010000",
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
