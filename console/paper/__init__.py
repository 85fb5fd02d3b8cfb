"""The paper exchange: a Binance-compatible spot + USD-M REST server on 127.0.0.1."""
from console.paper.faults import Faults, Stats
from console.paper.feed import Feed, LiveFeed, ReplayFeed, SyntheticFeed
from console.paper.server import PaperExchange

__all__ = ["Faults", "Feed", "LiveFeed", "PaperExchange", "ReplayFeed", "Stats", "SyntheticFeed"]
