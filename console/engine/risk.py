"""Position sizing and the daily limits, as pure functions of the bot's config and state."""
from __future__ import annotations

from decimal import Decimal

from console.domain import BotConfig, Market, Sizing, split_symbol
from console.fmt import money


def entry_notional(config: BotConfig, *, free_quote: Decimal, exposure: Decimal) -> Decimal:
    """Return the quote notional of the next entry, capped by the bot's maximum position.

    Spot spends the notional. Futures commit ``notional / leverage`` as margin: the size
    says how much margin to commit, so the notional is ``size * leverage`` for a fixed amount.
    """
    leverage = Decimal(config.leverage) if config.market is Market.FUTURES else Decimal(1)
    if config.sizing is Sizing.FIXED_QUOTE:
        margin = config.size
    elif config.sizing is Sizing.BALANCE_FRACTION:
        margin = free_quote * config.size
    else:
        assert config.stop_loss_pct is not None  # BotConfig requires it for this sizing
        risk = free_quote * config.size
        margin = risk / (config.stop_loss_pct / Decimal(100)) / leverage
    room = config.max_position_quote - exposure
    return max(Decimal(0), min(margin * leverage, room))


def daily_limit_reason(config: BotConfig, *, trades_today: int, pnl_today: Decimal) -> str | None:
    """Return why the bot must pause until tomorrow, or None while it may trade."""
    if trades_today >= config.max_trades_per_day:
        return (
            f"daily trade limit {config.max_trades_per_day} reached; "
            "resumes at 00:00 UTC (raise max_trades_per_day to continue today)"
        )
    if pnl_today <= -config.max_daily_loss:
        return (
            f"daily loss {money(-pnl_today, split_symbol(config.symbol)[1])} reached the limit "
            f"{money(config.max_daily_loss, split_symbol(config.symbol)[1])}; "
            "resumes at 00:00 UTC (raise max_daily_loss to continue today)"
        )
    return None


def exit_prices(config: BotConfig, entry: Decimal, long: bool) -> tuple[Decimal | None, Decimal | None]:
    """Return (take-profit, stop-loss) prices for a position entered at ``entry``."""
    tp = sl = None
    sign = Decimal(1) if long else Decimal(-1)
    if config.take_profit_pct is not None:
        tp = entry * (1 + sign * config.take_profit_pct / 100)
    if config.stop_loss_pct is not None:
        sl = entry * (1 - sign * config.stop_loss_pct / 100)
    return tp, sl
