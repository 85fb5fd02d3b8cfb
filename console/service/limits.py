"""Checks of the limits a person sets, shared by the bot form and the order ticket."""
from __future__ import annotations

from console.errors import ConfigError


def check_leverage(symbol: str, leverage: int, low: int, high: int) -> None:
    """Raise ConfigError saying the range when ``leverage`` is outside [low, high] for ``symbol``."""
    if not low <= leverage <= high:
        raise ConfigError(f"leverage {leverage} is out of range: {symbol} allows {low}\u2013{high}; "
                          f"pick a leverage between {low} and {high}")
