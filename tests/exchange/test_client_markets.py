"""One common client, a subclass per market: each market's calls exist only on its own client."""
from __future__ import annotations

import pytest

from console.domain import Market
from console.exchange.client import BinanceClient
from console.exchange.futures import FuturesClient
from console.exchange.spot import SpotClient

SPOT_ONLY = ("place_oco_sell", "cancel_oco", "sell_all")
FUTURES_ONLY = ("prepare_futures", "max_leverage", "symbol_config", "positions", "close_position",
                "place_algo", "fetch_algo", "cancel_algo", "open_algos")
SHARED = ("rules", "symbols", "ticker", "reference_price", "balances", "forget_balances", "permissions", "candles",
          "trades", "fetch_order", "open_orders", "preview", "place_order", "cancel_order")


@pytest.mark.parametrize(("market", "cls"), [(Market.SPOT, SpotClient), (Market.FUTURES, FuturesClient)])
def test_the_client_of_each_market_is_its_subclass(make_client, market, cls):
    client = make_client(market)
    assert type(client) is cls and client.market is market
    assert all(callable(getattr(client, name)) for name in SHARED)


@pytest.mark.parametrize(("cls", "absent"), [(SpotClient, FUTURES_ONLY), (FuturesClient, SPOT_ONLY),
                                             (BinanceClient, SPOT_ONLY + FUTURES_ONLY)])
def test_a_market_specific_call_exists_only_on_its_market(cls, absent):
    assert [name for name in absent if hasattr(cls, name)] == []


def test_the_common_client_alone_is_no_market(venue):
    from console.domain import Venue

    with pytest.raises(TypeError):
        BinanceClient(Venue.PAPER, base_url=venue.base_url, api_key="paper-key", api_secret="paper-secret")
