"""Spot OCO sells: take-profit LIMIT_MAKER above the market, STOP_LOSS_LIMIT below it.

Prices go to the tick on the safe side: the take-profit and the stop trigger round up (never sell
below the target, trigger no later than asked), the stop's limit rounds down (fills at least as
easily as asked). Without a stop-limit price the limit sits 0.5 % below the stop.
"""
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from console.domain import Market, OcoOrder, OrderRequest, OrderType, Side
from console.errors import ConsoleError, InsufficientBalance, InvalidOrder
from console.exchange.orders import check_client_order_id, new_client_order_id
from console.exchange.parse import parse_order
from console.exchange.retry import Unresolved
from console.exchange.precision import Rounding, check_notional, normalize_price, normalize_quantity, plain

if TYPE_CHECKING:
    from console.exchange.client import ExchangeClient, OrderJournal

STOP_LIMIT_GAP = Decimal("0.005")


def place(client: ExchangeClient, symbol: str, quantity: Decimal, take_profit_price: Decimal,
          stop_price: Decimal, stop_limit_price: Decimal | None, client_order_id: str | None,
          journal: OrderJournal | None) -> OcoOrder:
    if client.market is not Market.SPOT:
        raise InvalidOrder("OCO orders are spot only; on futures close the position with close_position")
    rules = client.rules(symbol)
    qty = normalize_quantity(rules, quantity, market_order=False, verb="sell")
    take_profit = normalize_price(rules, take_profit_price, Rounding.UP, "take-profit price")
    stop = normalize_price(rules, stop_price, Rounding.UP, "stop price")
    limit = normalize_price(rules, stop_limit_price if stop_limit_price is not None
                            else stop_price * (1 - STOP_LIMIT_GAP), Rounding.DOWN, "stop-limit price")
    price = client._price(symbol)
    if not take_profit > price > stop >= limit:
        raise InvalidOrder(
            f"an OCO sell on {symbol} needs take-profit > current price > stop >= stop-limit; got "
            f"{plain(take_profit)} > {plain(price)} > {plain(stop)} >= {plain(limit)}; move the prices")
    check_notional(rules, qty, limit, market_order=False, verb="sell")
    held = client.balances().get(rules.base)
    free = held.free if held else Decimal(0)
    if qty > free:
        raise InsufficientBalance(
            f"an OCO sell of {plain(qty)} {rules.base} needs that much free; {plain(free)} is free: short by "
            f"{plain(qty - free)} {rules.base}; sell less", shortfall=qty - free, asset=rules.base)
    list_id = check_client_order_id(client_order_id or new_client_order_id())
    tp_id, sl_id = check_client_order_id(list_id + "-tp"), check_client_order_id(list_id + "-sl")
    if journal is not None:
        journal.pending(tp_id, OrderRequest(symbol=symbol, market=Market.SPOT, side=Side.SELL,
                                            type=OrderType.LIMIT_MAKER, quantity=qty, price=take_profit))
        journal.pending(sl_id, OrderRequest(symbol=symbol, market=Market.SPOT, side=Side.SELL,
                                            type=OrderType.STOP_LOSS_LIMIT, quantity=qty, price=limit,
                                            stop_price=stop))
    params = {
        "symbol": client.exchange.market(symbol)["id"], "side": "SELL", "quantity": plain(qty),
        "listClientOrderId": list_id,
        "aboveType": "LIMIT_MAKER", "abovePrice": plain(take_profit), "aboveClientOrderId": tp_id,
        "belowType": "STOP_LOSS_LIMIT", "belowStopPrice": plain(stop), "belowPrice": plain(limit),
        "belowTimeInForce": "GTC", "belowClientOrderId": sl_id,
    }
    try:
        result = _send(client, symbol, params, tp_id, sl_id)
    except Unresolved as e:
        raise e.error from e.__cause__
    except ConsoleError as e:
        if journal is not None:
            for leg in (tp_id, sl_id):
                journal.failed(leg, e)
        raise
    client._balances = None
    if journal is not None:
        journal.resolved(result.take_profit)
        journal.resolved(result.stop_loss)
    return result


def _send(client: ExchangeClient, symbol: str, params: dict, tp_id: str, sl_id: str) -> OcoOrder:
    def send() -> OcoOrder:
        return _parse(client.transport.once("create_oco", client.exchange.private_post_orderlist_oco, params,
                                            orders=2), symbol)

    def find() -> OcoOrder:
        raw = client.transport.once("fetch_order", client.exchange.fetch_order, None, symbol,
                                    {"origClientOrderId": tp_id})
        info = raw.get("info") or raw
        return OcoOrder(list_id=str(info.get("orderListId")), list_client_order_id=params["listClientOrderId"],
                        symbol=symbol, take_profit=parse_order(raw, symbol, Market.SPOT),
                        stop_loss=client.fetch_order(symbol, sl_id))

    return client.transport.send_order(send, find, f"OCO {params['listClientOrderId']} on {symbol}")


def _parse(raw: dict, symbol: str) -> OcoOrder:
    legs = {str(r.get("type")).upper(): parse_order(r, symbol, Market.SPOT) for r in raw.get("orderReports") or ()}
    if "LIMIT_MAKER" not in legs or "STOP_LOSS_LIMIT" not in legs:
        raise InvalidOrder(f"the exchange's OCO answer lacks a leg: {raw}")
    return OcoOrder(list_id=str(raw.get("orderListId")), list_client_order_id=str(raw.get("listClientOrderId")),
                    symbol=symbol, take_profit=legs["LIMIT_MAKER"], stop_loss=legs["STOP_LOSS_LIMIT"])


def cancel(client: ExchangeClient, symbol: str, list_id: str) -> None:
    if client.market is not Market.SPOT:
        raise InvalidOrder("OCO orders are spot only")
    client.rules(symbol)
    client.transport.read("cancel_oco", client.exchange.private_delete_orderlist,
                          {"symbol": client.exchange.market(symbol)["id"], "orderListId": list_id})
    client._balances = None
