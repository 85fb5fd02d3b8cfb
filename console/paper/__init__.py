"""The paper exchange: a Binance-compatible spot + USD-M REST server on 127.0.0.1.

::

    ex = PaperExchange(data_dir=None, spot_rules=None, futures_rules=None, feed=None)
    base_url = ex.start()                      # http://127.0.0.1:PORT, served from a daemon thread
    client = make_ccxt(Market.SPOT, base_url=base_url, api_key="paper-key", api_secret="paper-secret")
    ex.feed.set_price("BTCUSDT", Decimal("30000"))   # pin a price; resting orders match at once
    ex.faults.add(path="/api/v3/order", kind="timeout_after_accept", count=1)
    ex.partial_fills = Decimal("0.25")         # resting orders fill in four parts, one per price touch
    ex.stop()

Modules: ``server`` (PaperExchange), ``handler`` (HTTP), ``routes`` / ``public`` / ``spot_api`` /
``futures_api`` (endpoints), ``book`` / ``spot`` / ``futures`` / ``algo`` (accounts and matching),
``settlement`` (USD-M funding, isolated liquidation, income records; formulas in console.futures_model),
``rules`` (filters), ``feed`` (prices), ``faults`` (fault injection, request stats), ``store``
(the durable journal), ``protocol`` (Binance errors and number formats).
"""
from console.paper.faults import Faults, Stats
from console.paper.feed import Feed, LiveFeed, ReplayFeed, SyntheticFeed
from console.paper.server import PaperExchange

__all__ = ["Faults", "Feed", "LiveFeed", "PaperExchange", "ReplayFeed", "Stats", "SyntheticFeed"]
