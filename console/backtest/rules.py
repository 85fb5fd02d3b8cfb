"""Exchange rules for a backtest: Binance's exchangeInfo as the client's ``SymbolRules``."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from console.domain import Market, split_symbol
from console.errors import ConfigError
from console.exchange.rules import SymbolRules, rules_from_ccxt_market
from console.paper.rules import builtin_futures_info, builtin_spot_info


def symbol_rules(symbol: str, market: Market, exchange_info: Path | dict[str, Any] | None = None) -> SymbolRules:
    """Return the rules of ``symbol`` (BTC/USDT) from an exchangeInfo file or dict.

    Without one, the paper exchange's built-in exchangeInfo is used, so a backtest refuses what
    the paper exchange refuses.
    """
    if exchange_info is None:
        info = builtin_futures_info() if market is Market.FUTURES else builtin_spot_info()
    elif isinstance(exchange_info, dict):
        info = exchange_info
    else:
        info = json.loads(Path(exchange_info).read_text())
    base, quote = split_symbol(symbol)
    for raw in info.get("symbols", []):
        if raw.get("baseAsset") == base and raw.get("quoteAsset") == quote:
            fee = "0.0005" if market is Market.FUTURES else "0.001"
            maker = "0.0002" if market is Market.FUTURES else "0.001"
            return rules_from_ccxt_market({"base": base, "quote": quote, "info": raw, "taker": fee, "maker": maker},
                                          market)
    raise ConfigError(f"no rules for {symbol} in the exchangeInfo; pick a listed symbol or pass --exchange-info FILE")
