"""USD-M specifics of the client: leverage and margin set-up, positions, reduce-only close."""
from __future__ import annotations

from typing import TYPE_CHECKING

from console.domain import Market, Order, OrderRequest, Position, Side
from console.errors import InvalidOrder, OrderRejected
from console.exchange.parse import dec0, parse_position

if TYPE_CHECKING:
    from console.exchange.client import ExchangeClient


def _require_futures(client: ExchangeClient, what: str) -> None:
    if client.market is not Market.FUTURES:
        raise InvalidOrder(f"{what} applies to USD-M futures; use the futures client")


def max_leverage(client: ExchangeClient, symbol: str) -> int:
    """The highest leverage the symbol's first notional bracket allows."""
    if symbol not in client.leverage_caps:
        market_id = client.exchange.market(client.ccxt_symbol(symbol))["id"]
        raw = client.transport.read("fetch_leverage_tiers", client.exchange.fapiPrivateGetLeverageBracket,
                                    {"symbol": market_id})
        rows = raw if isinstance(raw, list) else [raw]
        brackets = next((r.get("brackets") or [] for r in rows if r.get("symbol") == market_id), [])
        if not brackets:
            raise InvalidOrder(f"the exchange gave no leverage brackets for {symbol}; try again later")
        client.leverage_caps[symbol] = max(int(b["initialLeverage"]) for b in brackets)
    return client.leverage_caps[symbol]


def prepare(client: ExchangeClient, symbol: str, leverage: int) -> None:
    """Validate ``leverage`` against the bracket, set isolated margin and the leverage, once per symbol."""
    _require_futures(client, "leverage")
    client.rules(symbol)
    if client.leverage.get(symbol) == leverage:
        return
    highest = max_leverage(client, symbol)
    if not 1 <= leverage <= highest:
        raise InvalidOrder(f"leverage {leverage} is outside the allowed range 1-{highest} for {symbol}; "
                           f"pick a leverage from 1 to {highest}")
    ccxt_symbol = client.ccxt_symbol(symbol)
    try:
        client.transport.read("set_margin_mode", client.exchange.set_margin_mode, "isolated", ccxt_symbol)
    except OrderRejected as e:
        if "No need to change margin type" not in str(e):
            raise
    client.transport.read("set_leverage", client.exchange.set_leverage, leverage, ccxt_symbol)
    client.leverage[symbol] = leverage


def symbol_config(client: ExchangeClient, symbol: str) -> tuple[int, bool]:
    """(leverage, isolated) as the exchange has them for ``symbol``, asked once per client."""
    if symbol in client.leverage:
        return client.leverage[symbol], True
    if symbol not in client.symbol_configs:
        market_id = client.exchange.market(client.ccxt_symbol(symbol))["id"]
        rows = client.transport.read("fetch_symbol_config", client.exchange.fapiPrivateGetSymbolConfig,
                                     {"symbol": market_id}, weight=5)
        row = next((r for r in rows if r.get("symbol") == market_id), {})
        client.symbol_configs[symbol] = (int(row.get("leverage") or 1),
                                         str(row.get("marginType", "")).upper() == "ISOLATED")
    return client.symbol_configs[symbol]


def positions(client: ExchangeClient) -> list[Position]:
    """Open positions (non-zero quantity), one per symbol."""
    _require_futures(client, "positions")
    client.load_markets()
    raw = client.transport.read("fetch_positions", client.exchange.fetch_positions)
    result = []
    for row in raw:
        info = row.get("info") or row
        if dec0(info.get("positionAmt")) == 0:
            continue
        symbol = str(row.get("symbol") or "").split(":")[0]
        leverage, isolated = (None, None) if "leverage" in info else symbol_config(client, symbol)
        result.append(parse_position(row, symbol, leverage=leverage, isolated=isolated))
    return result


def close(client: ExchangeClient, symbol: str) -> Order:
    """Close the whole position on ``symbol`` with a reduce-only market order."""
    _require_futures(client, "closing a position")
    held = next((p for p in positions(client) if p.symbol == symbol), None)
    if held is None or held.quantity == 0:
        raise InvalidOrder(f"there is no open {symbol} position to close; check the positions table")
    side = Side.SELL if held.quantity > 0 else Side.BUY
    return client.place_order(OrderRequest(symbol=symbol, market=Market.FUTURES, side=side,
                                           quantity=abs(held.quantity), reduce_only=True))
