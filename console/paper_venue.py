"""The in-process paper exchange as the console runs it: feed from the settings, keys made locally."""
from __future__ import annotations

import secrets as token

from console import redact
from console.clock import SYSTEM_CLOCK, Clock
from console.config import Settings, ensure_private_dir
from console.errors import ConfigError


class PaperVenue:
    """Start the paper exchange on 127.0.0.1 with fresh keys; expose what the console needs.

    The exchange, its feed and its injected delays run on the console's ``clock``.
    """

    def __init__(self, settings: Settings, *, clock: Clock = SYSTEM_CLOCK) -> None:
        from console.paper import PaperExchange

        self.exchange = None
        if settings.paper.url:
            self._key, self._secret = settings.paper.api_key, settings.paper.api_secret
            self.base_url = settings.paper.url
            self._feed = make_feed(settings, clock)
            return
        self._key = token.token_hex(32)
        self._secret = token.token_hex(32)
        redact.remember(self._key, self._secret)
        self.exchange = PaperExchange(
            data_dir=ensure_private_dir(settings.paper_dir),
            feed=make_feed(settings, clock),
            api_key=self._key,
            api_secret=self._secret,
            clock=clock,
            sleep=clock.sleep,
        )
        self.base_url = self.exchange.start(host="127.0.0.1", port=settings.paper.port)
        self._feed = self.exchange.feed

    def keys(self) -> tuple[str, str]:
        return self._key, self._secret

    @property
    def feed_kind(self) -> str:
        return self._feed.kind

    def describe(self) -> str:
        where = "" if self.exchange is not None else f" at {self.base_url}"
        return self._feed.describe() + where

    def check_resettable(self) -> None:
        """Raise ConfigError, saying what to do, when this console cannot reset the paper exchange."""
        if self.exchange is None:
            raise ConfigError(f"the paper exchange at {self.base_url} runs on its own; restart it to reset it")

    def reset(self) -> None:
        """Wipe the paper exchange's orders, trades and positions and restore its starting wallet."""
        self.check_resettable()
        self.exchange.reset()

    def stop(self) -> None:
        if self.exchange is not None:
            self.exchange.stop()


def make_feed(settings: Settings, clock: Clock = SYSTEM_CLOCK):
    from console import paper

    p = settings.paper
    if p.feed == "replay":
        return paper.ReplayFeed(p.candles, speed=p.speed, clock=clock)
    if p.feed == "live":
        return paper.LiveFeed(clock=clock)
    return paper.SyntheticFeed(seed=p.seed, clock=clock)
