"""PaperExchange: the Binance-compatible HTTP server, its accounts, feed, faults and journal."""
from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from console.errors import ConfigError
from console.paper import futures_api, spot_api
from console.paper.book import Book
from console.paper.faults import Faults, Stats
from console.paper.feed import Feed, SyntheticFeed
from console.paper.futures import FuturesBook
from console.paper.handler import Handler
from console.paper.protocol import ApiError, mandatory
from console.paper.routes import Route
from console.paper.rules import load_rules
from console.paper.spot import SpotBook
from console.paper.store import Store

MAX_RECV_WINDOW = 60_000
log = logging.getLogger(__name__)


def default_balances() -> dict[str, dict[str, Decimal]]:
    return {"spot": {"USDT": Decimal("10000")}, "futures": {"USDT": Decimal("10000")}}


class PaperExchange:
    """A Binance-compatible spot + USD-M exchange served over HTTP on loopback.

    State lives in memory and, with ``data_dir``, in ``data_dir/paper.duckdb`` so a restart
    meets the same account; ``sync_writes`` also survives power cuts (see console.paper.store).
    ``clock`` (epoch seconds) and ``sleep`` (what an injected latency waits with) are injectable:
    a test's clock then runs the exchange's time and its delays. ``enforce_weight_limits`` answers
    429 past the exchangeInfo's per-minute request weight. ``partial_fills`` (a fraction of the
    original quantity, settable at run time) makes resting orders fill in parts, one part per
    price touch (see console.paper.book). ``bnb_fees`` charges spot commissions in BNB while the
    account holds enough, as Binance does with "BNB burn" (see console.paper.spot).
    """

    def __init__(self, data_dir: Path | None = None, spot_rules: Path | None = None, futures_rules: Path | None = None,
                 feed: Feed | None = None, api_key: str = "paper-key", api_secret: str = "paper-secret",
                 starting_balances: dict[str, dict[str, Decimal]] | None = None, *,
                 clock: Callable[[], float] | None = None, sleep: Callable[[float], None] | None = None,
                 enforce_weight_limits: bool = True,
                 match_interval: float = 1.0, sync_writes: bool = False,
                 partial_fills: Decimal | None = None, bnb_fees: bool = False) -> None:
        self.clock = clock or (feed.clock if feed is not None else time.time)
        self.sleep = sleep or time.sleep
        self.feed = feed if feed is not None else SyntheticFeed(seed=7, clock=self.clock)
        self.api_key = api_key
        self.api_secret = api_secret.encode()
        self.faults = Faults()
        # Called with (method, path, params) for every request as it arrives, before it is checked.
        self.observers: list[Callable[[str, str, dict[str, str]], None]] = []
        self.stats = Stats(self.clock)
        self.enforce_weight_limits = enforce_weight_limits
        self.match_interval = match_interval
        self.lock = threading.RLock()
        self.banned_until: dict[str, float] = {}
        start = {**default_balances(), **(starting_balances or {})}
        self.spot = SpotBook(load_rules(spot_rules, futures=False), self.feed, self.clock, starting=start["spot"])
        self.futures = FuturesBook(load_rules(futures_rules, futures=True), self.feed, self.clock, starting=start["futures"])
        self.weight_limits = {"spot": _weight_limit(self.spot.rules.document, 6000),
                              "futures": _weight_limit(self.futures.rules.document, 2400)}
        self._store_dir = Path(data_dir) if data_dir is not None else None
        self._sync_writes = sync_writes
        self._load()
        self.partial_fills = partial_fills
        self.spot.bnb_fees = bnb_fees
        self.feed.subscribe(self._on_price)
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self.base_url = ""

    @property
    def stopping(self) -> bool:
        """True once ``stop`` was called (until the next ``start``)."""
        return self._stopping.is_set()

    # lifecycle --------------------------------------------------------------------------------
    def _load(self) -> None:
        self.store = Store(self._store_dir, sync_writes=self._sync_writes)
        entries = self.store.open()
        books: dict[str, Book] = {"spot": self.spot, "futures": self.futures}
        for entry in entries:
            if entry.get("reset"):
                self.spot.reset()
                self.futures.reset()
                continue
            books[entry["market"]].apply(entry)
        for book in books.values():
            book.finish_load()
        if self.store.needs_compaction():
            self.store.replace_all([self.spot.snapshot(), self.futures.snapshot()])

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a daemon thread and return the base URL, e.g. http://127.0.0.1:PORT."""
        if self._server is not None:
            return self.base_url
        if not self.store.is_open and self._store_dir is not None:
            self.store.open()
        handler = type("BoundHandler", (Handler,), {"exchange": self})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self.base_url = f"http://{host}:{self._server.server_address[1]}"
        self._stopping.clear()
        self._threads = [threading.Thread(target=self._server.serve_forever, args=(0.05,), name="paper-exchange",
                                          daemon=True),
                         threading.Thread(target=self._match_loop, name="paper-matcher", daemon=True)]
        for thread in self._threads:
            thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and close the state file; start() again reopens it."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        with self.lock:
            self.store.close()

    def reset(self) -> None:
        """Wipe orders, trades and positions and restore the starting wallet."""
        with self.lock:
            if not self.store.is_open and self._store_dir is not None:
                self.store.open()
            partial = self.partial_fills
            self.spot.reset()
            self.futures.reset()
            self.partial_fills = partial
            self.spot.drain()
            self.futures.drain()
            self.store.replace_all([{"reset": True}])

    # state ------------------------------------------------------------------------------------
    @property
    def partial_fills(self) -> Decimal | None:
        """The fraction of a resting order's quantity one price touch fills; None fills it whole."""
        return self.spot.partial_fills

    @partial_fills.setter
    def partial_fills(self, fraction: Decimal | None) -> None:
        if fraction is not None:
            fraction = Decimal(str(fraction)) if isinstance(fraction, (int, float)) else fraction
            if not isinstance(fraction, Decimal) or not fraction.is_finite() or not 0 < fraction <= 1:
                raise ConfigError(f"partial fills {fraction} must be a fraction above 0 and at most 1, "
                                  "e.g. 0.25 to fill resting orders in four parts; None fills them whole")
        with self.lock:
            self.spot.partial_fills = self.futures.partial_fills = fraction

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def commit(self) -> None:
        """Journal whatever changed (call under the lock)."""
        for book in (self.spot, self.futures):
            entry = book.drain()
            if entry is not None:
                self.store.append(entry)

    def match(self, symbol: str | None = None) -> None:
        """Let resting orders trade against current prices (one symbol or all)."""
        with self.lock:
            for book in (self.spot, self.futures):
                symbols = [symbol] if symbol else sorted(book.watched_symbols())
                for name in symbols:
                    if name in book.rules.symbols:
                        book.match(name)  # type: ignore[attr-defined]
            self.commit()

    def _on_price(self, symbol: str) -> None:
        with self.lock:
            self.spot.price_moved(symbol)
            self.futures.price_moved(symbol)
        self.match(symbol)

    def set_mark_price(self, symbol: str, price: Decimal | None) -> None:
        """Pin the USD-M mark price of a raw symbol apart from its last price (None: follow the feed
        again); conditional orders with workingType MARK_PRICE trigger on it."""
        with self.lock:
            self.futures.set_mark(symbol, price)
        self.match(symbol)

    def _match_loop(self) -> None:
        while not self._stopping.wait(self.match_interval):
            try:
                self.match()
            except Exception:  # a matching error must not kill the loop; the next request retries
                log.exception("paper exchange: matching resting orders failed")

    def exchange_orders(self, market: str = "spot") -> list[dict[str, Any]]:
        """Every order the exchange holds in market, as GET order would report it."""
        with self.lock:
            if market == "spot":
                return [spot_api.order_json(o) for o in self.spot.orders.values()]
            return [futures_api.order_json(o) for o in self.futures.orders.values()]

    def exchange_trades(self, market: str = "spot") -> list[dict[str, Any]]:
        """Every fill in market, as myTrades / userTrades would report it."""
        with self.lock:
            if market == "spot":
                return [spot_api.trade_json(t) for t in self.spot.trades]
            return [futures_api.trade_json(t) for t in self.futures.trades]

    # requests ---------------------------------------------------------------------------------
    def authenticate(self, headers: Any, query: str, body: str, params: dict[str, str]) -> None:
        """Check API key, timestamp/recvWindow and the HMAC-SHA256 signature as Binance does."""
        key = headers.get("X-MBX-APIKEY")
        if not key:
            raise ApiError(401, -2014, "API-key format invalid.")
        if not hmac.compare_digest(key, self.api_key):
            raise ApiError(401, -2015, "Invalid API-key, IP, or permissions for action.")
        if "timestamp" not in params:
            raise mandatory("timestamp")
        signature = params.get("signature")
        if not signature:
            raise mandatory("signature")
        try:
            stamp = int(params["timestamp"])
            window = int(params.get("recvWindow", "5000"))
        except ValueError:
            raise ApiError(400, -1100, "Illegal characters found in parameter 'timestamp'.") from None
        if window > MAX_RECV_WINDOW:
            raise ApiError(400, -1131, "recvWindow must be less than 60000")
        now = self.now_ms()
        if stamp > now + 1000:
            raise ApiError(400, -1021, "Timestamp for this request was 1000ms ahead of the server's time.")
        if now - stamp > window:
            raise ApiError(400, -1021, "Timestamp for this request is outside of the recvWindow.")
        payload = (_without_signature(query) + _without_signature(body)).encode()
        expected = hmac.new(self.api_secret, payload, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature.lower()):
            raise ApiError(400, -1022, "Signature for this request is not valid.")

    def handle(self, method: str, path: str, route: Route, params: dict[str, str]) -> Any:
        """Run one request's handler under the lock; answer only once its changes are on disk."""
        with self.lock:
            if self.spot.watched_symbols() or self.futures.watched_symbols():
                self.match()
            try:
                result = route.handler(self, params, path.startswith("/fapi"))
            finally:
                if route.mutates:
                    self.commit()
        if route.mutates:
            self.store.sync()  # outside the lock: concurrent requests share one disk sync
        return result


def _weight_limit(document: dict[str, Any], default: int) -> int:
    for limit in document.get("rateLimits", []):
        if limit.get("rateLimitType") == "REQUEST_WEIGHT" and limit.get("interval") == "MINUTE":
            return int(limit["limit"]) // int(limit.get("intervalNum", 1))
    return default


def _without_signature(raw: str) -> str:
    if "signature=" not in raw:
        return raw
    return "&".join(part for part in raw.split("&") if not part.startswith("signature="))
