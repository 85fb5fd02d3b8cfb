"""The client class of each market, and the one way to build a client for a market given at run time."""
from __future__ import annotations

from typing import Any

from console.domain import Market, Venue
from console.exchange.client import BinanceClient
from console.exchange.futures import FuturesClient
from console.exchange.spot import SpotClient

CLIENTS: dict[Market, type[BinanceClient]] = {Market.SPOT: SpotClient, Market.FUTURES: FuturesClient}


def client_for(venue: Venue, market: Market, **options: Any) -> BinanceClient:
    """A SpotClient or FuturesClient for ``market`` on ``venue`` (options as BinanceClient takes them)."""
    return CLIENTS[Market(market)](venue, **options)
