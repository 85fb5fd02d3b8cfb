"""Domain vocabulary: enums and frozen value objects shared by every layer.

Nothing here does I/O. Money and quantities are Decimal. Symbols are the
unified spot form ``BASE/QUOTE`` (``BTC/USDT``) for both markets; the market
says whether it is the spot pair or the USD-M perpetual.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum


class Venue(str, Enum):
    PAPER = "paper"
    DEMO = "demo"
    LIVE = "live"


class Market(str, Enum):
    SPOT = "spot"
    FUTURES = "futures"


class Side(str, Enum):
    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> "Side":
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(str, Enum):
    MARKET = "market"
    LIMIT = "limit"
    LIMIT_MAKER = "limit_maker"
    STOP_LOSS_LIMIT = "stop_loss_limit"
    TAKE_PROFIT_LIMIT = "take_profit_limit"  # spot: a limit order placed once the price reaches its stop
    # USD-M conditional orders: they rest in Binance's algo order service, keyed by a client algo id
    STOP_MARKET = "stop_market"
    TAKE_PROFIT_MARKET = "take_profit_market"
    STOP = "stop"  # USD-M stop with a limit price (Binance STOP)
    TAKE_PROFIT = "take_profit"  # USD-M take-profit with a limit price (Binance TAKE_PROFIT)

    @property
    def is_conditional(self) -> bool:
        """A USD-M algo (conditional) order: looked up and cancelled through the algo order service."""
        return self in (OrderType.STOP_MARKET, OrderType.TAKE_PROFIT_MARKET, OrderType.STOP, OrderType.TAKE_PROFIT)


class WorkingType(str, Enum):
    """The price a USD-M conditional order triggers on."""

    MARK_PRICE = "mark_price"
    CONTRACT_PRICE = "contract_price"  # the last traded price


class OrderStatus(str, Enum):
    PENDING = "pending"  # journaled, not yet confirmed by the exchange
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # sent, no answer, and not yet looked up

    @property
    def is_final(self) -> bool:
        return self in _FINAL_STATUSES


_FINAL_STATUSES = frozenset(
    {OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.REJECTED, OrderStatus.EXPIRED}
)


class BotState(str, Enum):
    STOPPED = "stopped"  # stopped by a person (or never started)
    RUNNING = "running"
    PAUSED = "paused"  # a daily limit was hit; the daily job reactivates it
    HALTED = "halted"  # an error that needs a person
    # The account's position on the bot's symbol differs from the bots' and the manual book, by
    # something the console did not do; the person resolves it on the Overview.
    SUSPENDED = "suspended"


def split_symbol(symbol: str) -> tuple[str, str]:
    """Return (base, quote) of ``BASE/QUOTE``."""
    base, _, quote = symbol.partition("/")
    return base, quote.split(":")[0]


@dataclass(frozen=True, kw_only=True)
class Fill:
    price: Decimal
    quantity: Decimal
    commission: Decimal
    commission_asset: str
    trade_id: str = ""


@dataclass(frozen=True, kw_only=True)
class Order:
    """An order as the exchange reports it."""

    client_order_id: str
    exchange_order_id: str
    symbol: str
    market: Market
    side: Side
    type: OrderType
    status: OrderStatus
    quantity: Decimal  # requested base quantity
    price: Decimal | None = None  # limit price; None for market
    stop_price: Decimal | None = None
    average_price: Decimal | None = None
    filled: Decimal = Decimal(0)
    quote_filled: Decimal = Decimal(0)
    commissions: tuple[tuple[str, Decimal], ...] = ()  # (asset, amount) per asset
    fills: tuple[Fill, ...] = ()
    reduce_only: bool = False
    realized_pnl: Decimal | None = None
    timestamp: datetime | None = None
    list_id: str | None = None  # the exchange id of the OCO list the order is a leg of

    @property
    def commission(self) -> Decimal:
        """The total commission when it was charged in one asset, else the first asset's."""
        return self.commissions[0][1] if self.commissions else Decimal(0)

    @property
    def commission_asset(self) -> str:
        return self.commissions[0][0] if self.commissions else ""


@dataclass(frozen=True, kw_only=True)
class OcoOrder:
    """A spot OCO sell: take-profit above, stop-loss below; one fill cancels the other."""

    list_id: str
    list_client_order_id: str
    symbol: str
    take_profit: Order
    stop_loss: Order


@dataclass(frozen=True, kw_only=True)
class Balance:
    asset: str
    free: Decimal
    locked: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


@dataclass(frozen=True, kw_only=True)
class Position:
    """A one-way USD-M position; ``quantity`` is signed (negative is short)."""

    symbol: str
    quantity: Decimal
    entry_price: Decimal
    mark_price: Decimal
    unrealized_pnl: Decimal
    leverage: int
    isolated: bool
    liquidation_price: Decimal | None = None

    @property
    def side(self) -> Side | None:
        if self.quantity > 0:
            return Side.BUY
        if self.quantity < 0:
            return Side.SELL
        return None


@dataclass(frozen=True, kw_only=True)
class Ticker:
    symbol: str
    last: Decimal
    bid: Decimal | None = None
    ask: Decimal | None = None
    timestamp: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class AccountTrade:
    """One execution as the exchange's trade history reports it."""

    trade_id: str
    exchange_order_id: str
    symbol: str
    market: Market
    side: Side
    price: Decimal
    quantity: Decimal
    quote_quantity: Decimal
    commission: Decimal
    commission_asset: str
    realized_pnl: Decimal | None
    timestamp: datetime


@dataclass(frozen=True, kw_only=True)
class OrderRequest:
    """What a caller asks for, before normalisation to the exchange's rules.

    Give exactly one of ``quantity`` (base) or ``quote_quantity`` (quote, spot market
    buys and sizing helpers).
    """

    symbol: str
    market: Market
    side: Side
    type: OrderType = OrderType.MARKET
    quantity: Decimal | None = None
    quote_quantity: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    reduce_only: bool = False
    client_order_id: str | None = None
    # A sell of exactly a bot's own holding: the rest of the balance belongs to others, dust or not.
    # Console-side only: never sent to the exchange.
    keep_remainder: bool = False


class Sizing(str, Enum):
    FIXED_QUOTE = "fixed_quote"  # spend `size` quote per entry
    BALANCE_FRACTION = "balance_fraction"  # spend `size` (0-1] of the free quote balance
    RISK_PER_TRADE = "risk_per_trade"  # lose at most `size` (0-1] of free quote at the stop


TIMEFRAMES = ("1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "12h", "1d")


@dataclass(frozen=True, kw_only=True)
class BotConfig:
    """Everything a bot needs to trade. Strategy parameters are checked by the strategy."""

    name: str
    symbol: str
    market: Market = Market.SPOT
    venue: Venue = Venue.PAPER
    account: str = "paper"
    timeframe: str = "1m"
    strategy: str = "ma_cross"
    params: dict[str, float | int | str] = field(default_factory=dict)
    sizing: Sizing = Sizing.FIXED_QUOTE
    size: Decimal = Decimal("100")
    leverage: int = 1
    allow_short: bool = False
    take_profit_pct: Decimal | None = None
    stop_loss_pct: Decimal | None = None
    # What futures take-profit / stop-loss orders resting on the exchange trigger on.
    working_type: WorkingType = WorkingType.MARK_PRICE
    max_trades_per_day: int = 20
    max_daily_loss: Decimal = Decimal("100")
    max_position_quote: Decimal = Decimal("1000")

    def __post_init__(self) -> None:
        from console.errors import ConfigError

        def check(ok: bool, message: str) -> None:
            if not ok:
                raise ConfigError(f"bot {self.name or '(unnamed)'}: {message}")

        check(bool(self.name.strip()) and len(self.name) <= 64, "give the bot a name of 1-64 characters")
        base, quote = split_symbol(self.symbol)
        check(bool(base) and bool(quote) and self.symbol == self.symbol.upper(),
              f"symbol {self.symbol!r} must look like BTC/USDT")
        check(self.timeframe in TIMEFRAMES, f"timeframe {self.timeframe!r} must be one of {', '.join(TIMEFRAMES)}")
        check(self.size.is_finite() and self.size > 0, f"size {self.size} must be a positive number")
        if self.sizing is not Sizing.FIXED_QUOTE:
            check(self.size <= 1, f"size {self.size} is a fraction for {self.sizing.value}; use a value in (0, 1], e.g. 0.1")
        if self.sizing is Sizing.RISK_PER_TRADE:
            check(self.stop_loss_pct is not None, "risk-per-trade sizing needs a stop-loss; set stop_loss_pct")
        check(1 <= self.leverage <= 125, f"leverage {self.leverage} must be between 1 and 125")
        check(self.market is Market.FUTURES or self.leverage == 1, "leverage applies to futures only; set it to 1 for spot")
        check(self.market is Market.FUTURES or not self.allow_short, "spot bots cannot go short; turn allow_short off")
        for label, pct in (("take_profit_pct", self.take_profit_pct), ("stop_loss_pct", self.stop_loss_pct)):
            check(pct is None or (pct.is_finite() and Decimal(0) < pct < Decimal(100)),
                  f"{label} {pct} must be a percentage between 0 and 100, e.g. 2.5")
        check(self.max_trades_per_day >= 1, f"max_trades_per_day {self.max_trades_per_day} must be at least 1")
        check(self.max_daily_loss.is_finite() and self.max_daily_loss > 0, "max_daily_loss must be a positive amount")
        check(self.max_position_quote.is_finite() and self.max_position_quote > 0, "max_position_quote must be a positive amount")
