"""Fixtures for Binance's official SDKs trading against a running paper exchange.

The SDKs are pointed at the paper's URL through ``ConfigurationRestAPI(base_path=...)``. They make
no call on their own (no time sync: they sign with the local clock), so nothing leaves the
machine. ``retries=0`` keeps a failed request from being sent again behind the test's back.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from binance_common.configuration import ConfigurationRestAPI
from binance_sdk_derivatives_trading_usds_futures.derivatives_trading_usds_futures import (
    DerivativesTradingUsdsFutures,
)
from binance_sdk_spot.spot import Spot

from console.paper import PaperExchange
from tests.sdk.answers import Answers

KEY = "sdk-key"
SECRET = "sdk-secret"
PRICES = {"BTCUSDT": Decimal("30000"), "ETHUSDT": Decimal("2000")}
# What binance_common logs when an answer does not fit the model it declares (it then relaxes
# the model's strict types, or hands back the raw payload).
SDK_REFUSALS = ("did not match the declared types", "Failed to parse")


@pytest.fixture
def exchange(shared_data: Path) -> Iterator[PaperExchange]:
    """A started in-memory paper exchange on the real 2025-08-07 rules, prices pinned."""
    info = shared_data / "exchange_info"
    ex = PaperExchange(spot_rules=info / "binance_spot_exchangeInfo_2025-08-07.json",
                       futures_rules=info / "binance_usdm_exchangeInfo_2025-08-07.json",
                       api_key=KEY, api_secret=SECRET)
    for symbol, price in PRICES.items():
        ex.feed.set_price(symbol, price)
    ex.start()
    yield ex
    ex.stop()


def _config(exchange: PaperExchange) -> ConfigurationRestAPI:
    return ConfigurationRestAPI(api_key=KEY, api_secret=SECRET, base_path=exchange.base_url, timeout=10_000,
                                retries=0)


@pytest.fixture
def spot(exchange: PaperExchange) -> Answers:
    """The official spot SDK's REST client on the paper exchange, its raw answers recorded."""
    return Answers(Spot(config_rest_api=_config(exchange)).rest_api)


@pytest.fixture
def usdm(exchange: PaperExchange) -> Answers:
    """The official USD-M SDK's REST client on the paper exchange, its raw answers recorded."""
    return Answers(DerivativesTradingUsdsFutures(config_rest_api=_config(exchange)).rest_api)


@pytest.fixture(autouse=True)
def sdk_accepts_every_answer(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a test in which the SDK had to relax or drop one of the paper's answers."""
    with caplog.at_level(logging.WARNING):
        yield
    refused = [r.getMessage() for r in caplog.records if any(s in r.getMessage() for s in SDK_REFUSALS)]
    assert refused == []
