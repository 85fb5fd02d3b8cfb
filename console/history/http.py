"""Plain HTTP GET for the downloads: kept-alive connections per thread, retries on temporary errors.

A 404 is an answer (the archive has no such file), not an error. Timeouts, dropped connections,
5xx and 429 are retried with a growing pause (429 waits what Retry-After says, capped); a 418
ban is raised at once. Other answers are returned for the caller to read.
"""
from __future__ import annotations

import gzip
import http.client
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from console.errors import Banned, ExchangeTimeout, ExchangeUnavailable, RateLimited, VenueUnreachable

USER_AGENT = "binance-console-history/1"


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    url: str
    retry_after: float | None = None  # seconds, from a 429's Retry-After

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Http:
    """GET with retries. ``sleep`` waits between tries (inject one that wakes on cancel)."""

    def __init__(self, *, timeout: float = 30.0, attempts: int = 4, pause: float = 0.5,
                 max_pause: float = 30.0, sleep: Callable[[float], object] = time.sleep) -> None:
        self.timeout = timeout
        self.attempts = attempts
        self.pause = pause
        self.max_pause = max_pause
        self.sleep = sleep
        self.requests = 0
        self._local = threading.local()
        self._count = threading.Lock()

    def get(self, url: str, *, gzip_ok: bool = False) -> Response:
        """GET ``url``; return its answer (404 included) or raise the typed error after the retries."""
        failure: Exception | None = None
        for attempt in range(self.attempts):
            if attempt:
                self.sleep(self._delay(attempt, failure))
            try:
                response = self._once(url, gzip_ok)
            except (TimeoutError, socket.timeout) as e:
                failure = ExchangeTimeout(f"no answer from {_host(url)} within {self.timeout:g} s; "
                                          "the download resumes where it stopped when run again")
                failure.__cause__ = e
                continue
            except ConnectionRefusedError as e:
                failure = VenueUnreachable(f"nothing answers at {_host(url)}; check the history URL settings "
                                           "(CONSOLE_HISTORY_ARCHIVE_URL, CONSOLE_HISTORY_REST_URL) and the network")
                failure.__cause__ = e
                continue
            except (OSError, http.client.HTTPException) as e:
                failure = ExchangeUnavailable(f"the connection to {_host(url)} failed ({e.__class__.__name__}); "
                                              "run the download again later")
                failure.__cause__ = e
                continue
            if response.status == 418:
                raise Banned(f"{_host(url)} banned this IP for too many requests (418); wait before downloading again")
            if response.status == 429:
                failure = RateLimited(f"{_host(url)} asks to slow down (429); run the download again in a minute",
                                      retry_after=response.retry_after)
                continue
            if response.status >= 500:
                failure = ExchangeUnavailable(f"{_host(url)} answered {response.status}; run the download again later")
                continue
            return response
        assert failure is not None
        raise failure

    def _delay(self, attempt: int, failure: Exception | None) -> float:
        if isinstance(failure, RateLimited) and failure.retry_after:
            return min(float(failure.retry_after), self.max_pause)
        return min(self.pause * 2 ** (attempt - 1), self.max_pause)

    def _once(self, url: str, gzip_ok: bool) -> Response:
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip" if gzip_ok else "identity"}
        reused = (parts.scheme, parts.netloc) in self._pool()
        connection = self._connection(parts.scheme, parts.netloc)
        with self._count:
            self.requests += 1
        try:
            connection.request("GET", target, headers=headers)
            answer = connection.getresponse()
            body = answer.read()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self._drop(parts.scheme, parts.netloc)
            if not reused:
                raise
            return self._once(url, gzip_ok)  # the server closed an idle kept-alive connection: a new one
        except BaseException:
            self._drop(parts.scheme, parts.netloc)
            raise
        if answer.getheader("Content-Encoding", "") == "gzip":
            body = gzip.decompress(body)
        retry = answer.getheader("Retry-After")
        if answer.will_close:
            self._drop(parts.scheme, parts.netloc)
        return Response(answer.status, body, url, float(retry) if retry and retry.isdigit() else None)

    def _connection(self, scheme: str, netloc: str) -> http.client.HTTPConnection:
        pool = self._pool()
        connection = pool.get((scheme, netloc))
        if connection is None:
            kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            connection = pool[(scheme, netloc)] = kind(netloc, timeout=self.timeout)
        return connection

    def _drop(self, scheme: str, netloc: str) -> None:
        connection = self._pool().pop((scheme, netloc), None)
        if connection is not None:
            connection.close()

    def _pool(self) -> dict[tuple[str, str], http.client.HTTPConnection]:
        pool = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        return pool

    def close(self) -> None:
        """Close this thread's connections (others close when their threads end)."""
        for key in list(self._pool()):
            self._drop(*key)


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
