"""Binance answers (as ccxt returns them) -> domain objects.

Every number is read as a Decimal from the raw string in ccxt's ``info`` (Binance's own JSON);
ccxt's parsed floats are used only when the raw field is missing, and then through ``str``.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pandas as pd

from console.domain import (
    AccountTrade,
    Balance,
    Fill,
    Market,
    Order,
    OrderStatus,
    OrderType,
    Position,
    Side,
    Ticker,
)

ZERO = Decimal(0)

STATUSES = {
    "NEW": OrderStatus.OPEN,
    "PENDING_NEW": OrderStatus.OPEN,
    "PARTIALLY_FILLED": OrderStatus.PARTIALLY_FILLED,
    "FILLED": OrderStatus.FILLED,
    "CANCELED": OrderStatus.CANCELLED,
    "PENDING_CANCEL": OrderStatus.OPEN,
    "REJECTED": OrderStatus.REJECTED,
    "EXPIRED": OrderStatus.EXPIRED,
    "EXPIRED_IN_MATCH": OrderStatus.EXPIRED,
}
TYPES = {
    "MARKET": OrderType.MARKET,
    "LIMIT": OrderType.LIMIT,
    "LIMIT_MAKER": OrderType.LIMIT_MAKER,
    "STOP_LOSS_LIMIT": OrderType.STOP_LOSS_LIMIT,
    "TAKE_PROFIT_LIMIT": OrderType.TAKE_PROFIT_LIMIT,
    "STOP_LOSS": OrderType.STOP_LOSS_LIMIT,
    "STOP": OrderType.STOP_LOSS_LIMIT,
}
BINANCE_TYPES = {
    OrderType.MARKET: "market",
    OrderType.LIMIT: "limit",
    OrderType.LIMIT_MAKER: "LIMIT_MAKER",
    OrderType.STOP_LOSS_LIMIT: "STOP_LOSS_LIMIT",
    OrderType.TAKE_PROFIT_LIMIT: "TAKE_PROFIT_LIMIT",
}
TIMEFRAME_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def dec(raw: Any) -> Decimal | None:
    """A Decimal from a Binance string (or a ccxt number through str); None when absent."""
    if raw is None or raw == "":
        return None
    return Decimal(str(raw))


def dec0(raw: Any) -> Decimal:
    value = dec(raw)
    return ZERO if value is None else value


def utc_ms(raw: Any) -> datetime | None:
    if raw in (None, "", 0, "0"):
        return None
    return datetime.fromtimestamp(int(raw) / 1000, tz=timezone.utc)


def _info(raw: dict) -> dict:
    info = raw.get("info")
    return info if isinstance(info, dict) else raw


def _positive(value: Decimal | None) -> Decimal | None:
    return value if value is not None and value > 0 else None


def commissions_of(fills: Iterable[Fill]) -> tuple[tuple[str, Decimal], ...]:
    """Sum the commissions per asset, in the order the assets first appear."""
    totals: dict[str, Decimal] = {}
    for fill in fills:
        if fill.commission_asset:
            totals[fill.commission_asset] = totals.get(fill.commission_asset, ZERO) + fill.commission
    return tuple(totals.items())


def parse_order(raw: dict, symbol: str, market: Market, fills: Iterable[Fill] | None = None) -> Order:
    """An Order from a ccxt order dict or a raw Binance order (spot or USD-M)."""
    info = _info(raw)
    own_fills = tuple(fills) if fills is not None else tuple(
        Fill(price=dec0(f.get("price")), quantity=dec0(f.get("qty")), commission=dec0(f.get("commission")),
             commission_asset=f.get("commissionAsset", ""), trade_id=str(f.get("tradeId", "")))
        for f in info.get("fills") or ()
    )
    filled = dec0(info.get("executedQty", raw.get("filled")))
    quote = dec(info.get("cummulativeQuoteQty", info.get("cumQuote")))
    if quote is None:
        quote = sum((f.price * f.quantity for f in own_fills), ZERO) or dec0(raw.get("cost"))
    average = _positive(dec(info.get("avgPrice")))
    if average is None and filled > 0 and quote > 0:
        average = quote / filled
    if average is None and own_fills:
        average = sum((f.price * f.quantity for f in own_fills), ZERO) / sum((f.quantity for f in own_fills), ZERO)
    timestamp = utc_ms(info.get("updateTime") or info.get("transactTime") or info.get("time") or raw.get("timestamp"))
    realized = dec(info.get("realizedPnl"))
    quantity = dec(info.get("origQty")) or dec0(raw.get("amount"))
    list_id = str(info.get("orderListId", -1))
    return Order(
        client_order_id=str(info.get("clientOrderId") or raw.get("clientOrderId") or ""),
        exchange_order_id=str(info.get("orderId") or raw.get("id") or ""),
        symbol=symbol,
        market=market,
        side=Side(str(info.get("side") or raw.get("side")).lower()),
        type=TYPES.get(str(info.get("type") or raw.get("type") or "").upper(), OrderType.LIMIT),
        status=STATUSES.get(str(info.get("status", "")).upper(), OrderStatus.UNKNOWN),
        quantity=quantity,
        price=_positive(dec(info.get("price"))),
        stop_price=_positive(dec(info.get("stopPrice"))),
        average_price=average,
        filled=filled,
        quote_filled=quote,
        commissions=commissions_of(own_fills),
        fills=own_fills,
        reduce_only=str(info.get("reduceOnly", "false")).lower() == "true",
        realized_pnl=realized,
        timestamp=timestamp,
        list_id=None if list_id in ("-1", "None", "") else list_id,
    )


def fills_of(trades: Iterable[AccountTrade]) -> tuple[Fill, ...]:
    return tuple(Fill(price=t.price, quantity=t.quantity, commission=t.commission,
                      commission_asset=t.commission_asset, trade_id=t.trade_id) for t in trades)


def parse_trade(raw: dict, symbol: str, market: Market) -> AccountTrade:
    """An AccountTrade from a ccxt trade dict (myTrades / userTrades)."""
    info = _info(raw)
    if "isBuyer" in info or "buyer" in info:
        buyer = str(info.get("isBuyer", info.get("buyer"))).lower() == "true"
        side = Side.BUY if buyer else Side.SELL
    else:
        side = Side(str(info.get("side") or raw.get("side")).lower())
    price, quantity = dec0(info.get("price")), dec0(info.get("qty"))
    quote = dec(info.get("quoteQty"))
    fee = raw.get("fee") or {}
    return AccountTrade(
        trade_id=str(info.get("id") or raw.get("id")),
        exchange_order_id=str(info.get("orderId") or raw.get("order")),
        symbol=symbol,
        market=market,
        side=side,
        price=price,
        quantity=quantity,
        quote_quantity=quote if quote is not None else price * quantity,
        commission=dec0(info.get("commission", fee.get("cost"))),
        commission_asset=str(info.get("commissionAsset") or fee.get("currency") or ""),
        realized_pnl=dec(info.get("realizedPnl")) if market is Market.FUTURES else None,
        timestamp=utc_ms(info.get("time") or raw.get("timestamp")) or datetime.now(timezone.utc),
    )


def parse_balances(raw: dict, market: Market) -> dict[str, Balance]:
    """Free and locked per asset: spot ``balances``, USD-M ``assets`` (free is availableBalance)."""
    info = _info(raw)
    result: dict[str, Balance] = {}
    if market is Market.SPOT:
        for row in info.get("balances") or ():
            free, locked = dec0(row.get("free")), dec0(row.get("locked"))
            if free or locked:
                result[row["asset"]] = Balance(asset=row["asset"], free=free, locked=locked)
    else:
        for row in info.get("assets") or ():
            wallet, free = dec0(row.get("walletBalance")), dec0(row.get("availableBalance", row.get("maxWithdrawAmount")))
            if wallet or free:
                result[row["asset"]] = Balance(asset=row["asset"], free=free, locked=max(wallet - free, ZERO))
    return result


def parse_position(raw: dict, symbol: str, *, leverage: int | None, isolated: bool | None) -> Position:
    """A Position from a positionRisk row; leverage and margin mode fall back to what the client set."""
    info = _info(raw)
    raw_leverage = info.get("leverage") or raw.get("leverage")
    margin_type = str(info.get("marginType", "")).lower()
    return Position(
        symbol=symbol,
        quantity=dec0(info.get("positionAmt")),
        entry_price=dec0(info.get("entryPrice")),
        mark_price=dec0(info.get("markPrice")),
        unrealized_pnl=dec0(info.get("unRealizedProfit", info.get("unrealizedProfit"))),
        leverage=int(Decimal(str(raw_leverage))) if raw_leverage else (leverage or 1),
        isolated=(margin_type == "isolated") if margin_type else bool(isolated),
        liquidation_price=_positive(dec(info.get("liquidationPrice"))),
    )


def parse_ticker(raw: dict, symbol: str) -> Ticker:
    info = _info(raw)
    last = dec(info.get("lastPrice", info.get("price")))
    if last is None:
        last = dec0(raw.get("last") or raw.get("close"))
    return Ticker(
        symbol=symbol,
        last=last,
        bid=_positive(dec(info.get("bidPrice", raw.get("bid")))),
        ask=_positive(dec(info.get("askPrice", raw.get("ask")))),
        timestamp=utc_ms(info.get("closeTime") or raw.get("timestamp")),
    )


def timeframe_ms(timeframe: str) -> int:
    return int(timeframe[:-1]) * TIMEFRAME_MS[timeframe[-1]]


def candles_frame(rows: list[list], timeframe: str, now_ms: int) -> pd.DataFrame:
    """OHLCV rows -> DataFrame of closed candles (ts UTC, floats for charts)."""
    frame = pd.DataFrame(rows, columns=["ts", "open", "high", "low", "close", "volume"])
    if not frame.empty:
        # A venue whose clock runs ahead of ours (a fast replay) still ends with its forming candle.
        now_ms = max(now_ms, int(frame["ts"].iloc[-1]))
        frame = frame[frame["ts"] + timeframe_ms(timeframe) <= now_ms]
    frame = frame.astype({c: "float64" for c in ("open", "high", "low", "close", "volume")})
    frame["ts"] = pd.to_datetime(frame["ts"].astype("int64"), unit="ms", utc=True)
    return frame.reset_index(drop=True)
