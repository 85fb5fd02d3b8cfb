"""Fixtures for the exchange client: real Binance rules and a paper exchange over real HTTP."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from console.domain import Market
from console.exchange.precision import SymbolRules, rules_from_ccxt_market


@pytest.fixture(scope="session")
def exchange_info_dir(shared_data: Path) -> Path:
    return shared_data / "exchange_info"


@pytest.fixture(scope="session")
def ccxt_markets(exchange_info_dir: Path) -> dict[str, dict]:
    return json.loads((exchange_info_dir / "binance_ccxt_markets_from_2025-08-07_exchangeInfo.json").read_text())


@pytest.fixture(scope="session")
def rules(ccxt_markets: dict[str, dict]):
    """rules("BTC/USDT", Market.FUTURES) -> SymbolRules from the real 2025-08-07 markets."""

    def build(symbol: str, market: Market = Market.SPOT) -> SymbolRules:
        key = symbol if market is Market.SPOT else f"{symbol}:{symbol.split('/')[1]}"
        return rules_from_ccxt_market(ccxt_markets[key], market)

    return build
