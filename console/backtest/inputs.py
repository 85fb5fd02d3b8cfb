"""What a backtest runs over: the stored candles (and, for futures, funding rates) of a bot's series."""
from __future__ import annotations

import pandas as pd

from console.config import Settings
from console.domain import BotConfig, Market
from console.errors import ConfigError


def stored_inputs(settings: Settings, config: BotConfig, start: int | None = None,
                  end: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The bot's candles in [start, end) (epoch ms; None: all stored) and its funding rates (futures).

    Raises ConfigError saying how to download them when fewer than two candles are stored.
    """
    from console.history import Series, open_store

    store = open_store(settings)
    try:
        candles = store.read(Series.klines(config.market, config.symbol, config.timeframe), start, end)
        funding = None
        if config.market is Market.FUTURES:
            raw = store.read(Series.funding(config.symbol), start, end)
            funding = pd.DataFrame({"ts": raw["ts"], "rate": raw["funding_rate"]}) if len(raw) else None
    finally:
        store.close()
    require_candles(candles, config, "the history store")
    return candles, funding


def require_candles(candles: pd.DataFrame, config: BotConfig, where: str, start_day: str | None = None) -> None:
    """Raise ConfigError with the download command when ``candles`` has fewer than two rows."""
    if len(candles) < 2:
        raise ConfigError(
            f"no {config.symbol} {config.market.value} {config.timeframe} candles in {where} for that range; "
            f"download them on the Data page or: python -m console.history download "
            f"{config.symbol.replace('/', '')} --market {config.market.value} --timeframe {config.timeframe} "
            f"--from {start_day or '2024-01-01'}")
