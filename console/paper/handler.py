"""The HTTP side of the paper exchange: one request in, faults and weights applied, Binance's answer out."""
from __future__ import annotations

import json
import logging
import select
import socket
import struct
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from console.paper.faults import Fault
from console.paper.params import validate
from console.paper.protocol import ApiError
from console.paper.routes import ROUTES, Route

if TYPE_CHECKING:
    from console.paper.server import PaperExchange

log = logging.getLogger(__name__)
HOLD_POLL_SECONDS = 0.02  # how often a held connection checks the exchange's clock


class Handler(BaseHTTPRequestHandler):
    """One HTTP request against the exchange bound as the class attribute ``exchange``."""

    exchange: PaperExchange
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "paper-binance"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        ex = self.exchange
        split = urlsplit(self.path)
        path, query = split.path, split.query
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        market = "futures" if path.startswith("/fapi") else "spot"
        route = ROUTES.get((method, path))
        headers: dict[str, str] = {}
        fault = None
        try:
            if route is not None:
                self._count(route, path, market, headers, query)
            banned = ex.banned_until.get(market, 0.0)
            if banned > ex.clock():
                raise _banned(banned, ex.clock())
            fault = ex.faults.take(method, path)
            if fault is not None and self._fault_before(fault, market):
                return
            if route is None:
                raise ApiError(404, -1000, f"Unknown endpoint {method} {path}.")
            params = dict(parse_qsl(query, keep_blank_values=True))
            if body:
                params.update(parse_qsl(body, keep_blank_values=True))
            for observe in ex.observers:
                observe(method, path, params)
            if route.signed:
                ex.authenticate(self.headers, query, body, params)
            validate(method, path, params)
            result = ex.handle(method, path, route, params)
        except ApiError as e:
            headers.update(e.headers)
            return self._reply(e.status, json.dumps(e.body()).encode(), headers)
        except Exception:  # a bug must answer like Binance's internal error, not drop the connection
            log.exception("paper exchange failed on %s %s", method, path)
            error = {"code": -1000, "msg": "An unknown error occurred while processing the request."}
            return self._reply(500, json.dumps(error).encode(), headers)
        if fault is not None and fault.kind == "timeout_after_accept":
            self._hold(fault.seconds)
            return self._reset()
        if fault is not None and fault.kind == "reset_after_accept":
            return self._reset()
        self._reply(200, json.dumps(result, separators=(",", ":")).encode(), headers)

    def _count(self, route: Route, path: str, market: str, headers: dict[str, str], query: str = "") -> None:
        """Count the request's weight into the headers; 429 once the minute's budget is spent."""
        ex = self.exchange
        weight = route.weight
        if path.endswith(("/openOrders", "/openAlgoOrders")) and "symbol=" not in query:
            weight = 80 if market == "spot" else 40  # every symbol's open orders, as Binance weighs them
        used, orders = ex.stats.record(path, market, weight, route.order)
        headers["X-MBX-USED-WEIGHT-1M"] = str(used)
        if route.order:
            headers["X-MBX-ORDER-COUNT-10S" if market == "spot" else "X-MBX-ORDER-COUNT-1M"] = str(orders)
        limit = ex.weight_limits[market]
        if ex.enforce_weight_limits and used > limit:
            raise ApiError(429, -1003, f"Too much request weight used; current limit is {limit} request weight "
                           "per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
                           {"Retry-After": str(60 - int(ex.clock()) % 60)})

    def _fault_before(self, fault: Fault, market: str) -> bool:
        """Apply a fault that acts before the request executes; True when it already answered."""
        ex = self.exchange
        if fault.kind == "latency":
            ex.sleep(fault.seconds)
        elif fault.kind == "reset":
            self._reset()
            return True
        elif fault.kind == "error_5xx":
            self._reply(503, b"Service Unavailable", {"Content-Type": "text/plain"})
            return True
        elif fault.kind == "rate_limit":
            raise ApiError(429, -1003, "Too many requests; current limit of IP is 6000 requests per minute.",
                           {"Retry-After": str(int(fault.seconds) or 1)})
        elif fault.kind == "ban":
            ex.banned_until[market] = ex.clock() + fault.seconds
            raise _banned(ex.banned_until[market], ex.clock())
        elif fault.kind == "clock_skew":
            raise ApiError(400, -1021, "Timestamp for this request is outside of the recvWindow.")
        return False

    def _hold(self, seconds: float) -> None:
        """Answer nothing until the client gives up (closes the connection) or ``seconds`` pass.

        The seconds are the exchange's clock's, and the hold ends on the client's hang-up rather
        than after a sleep: the client times out on its own real socket timeout, so a hold that
        slept on a test's clock (which moves at once) would drop the connection before the client
        timed out. On the wall clock the hold ends at the hang-up or after ``seconds``.
        """
        ex = self.exchange
        until = ex.clock() + seconds
        while ex.clock() < until and not ex.stopping:
            try:
                if select.select([self.connection], [], [], HOLD_POLL_SECONDS)[0]:
                    return  # the client hung up (or sent more: it no longer waits for this answer)
            except (OSError, ValueError):  # the connection is gone already
                return

    def _reply(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", headers.pop("Content-Type", "application/json;charset=UTF-8"))
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        try:
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting: nothing to answer
            self.close_connection = True

    def _reset(self) -> None:
        """Drop the connection without an answer (RST, as a crashed proxy would)."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass


def _banned(until: float, now: float) -> ApiError:
    stamp = int(until * 1000)
    return ApiError(418, -1003, f"Way too much request weight used; IP banned until {stamp}. "
                    "Please use WebSocket Streams for live updates to avoid bans.",
                    {"Retry-After": str(max(1, int(until - now + 0.999)))})
