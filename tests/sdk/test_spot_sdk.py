"""Binance's official spot SDK trades on the paper exchange, and its models parse every answer."""
from __future__ import annotations

from decimal import Decimal

from binance_sdk_spot.rest_api.models import (
    DeleteOrderListResponse,
    DeleteOrderResponse,
    GetAccountResponse,
    GetOpenOrdersResponse,
    GetOrderListResponse,
    GetOrderResponse,
    MyTradesResponse,
    NewOrderResponse,
    OrderListOcoResponse,
)

from console.paper import PaperExchange
from tests.sdk.answers import Answers

# Binance's "conditional fields in order responses": sent only for orders that use the feature
# (iceberg, stop, trailing, strategy, self-trade prevention that fired, SOR, pegged, expiry).
CONDITIONAL = ("icebergQty", "stopPrice", "trailingDelta", "trailingTime", "strategyId", "strategyType",
               "preventedMatchId", "preventedQuantity", "usedSor", "workingFloor", "pegPriceType",
               "pegOffsetType", "pegOffsetValue", "peggedPrice", "expiryReason")
# Required in a cancelled list's reports by Binance's OpenAPI spec (schema ocoOrder); the SDK's
# model of DELETE /api/v3/orderList leaves it out.
CANCEL_LIST_EXTRA = ("selfTradePreventionMode",)
D = Decimal


def test_market_buy_fills_and_shows_in_trades_and_account(spot: Answers, exchange: PaperExchange) -> None:
    bought = spot.check(spot.new_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity=0.001), NewOrderResponse)
    assert bought.status == "FILLED" and bought.executed_qty == "0.00100000"
    [fill] = bought.fills
    assert D(fill.price) == D("30001.5") and D(fill.commission) == D("0.000001") and fill.commission_asset == "BTC"

    [trade] = spot.check(spot.my_trades(symbol="BTCUSDT"), MyTradesResponse)
    assert (trade.order_id, trade.is_buyer, trade.qty, trade.commission) == (bought.order_id, True, "0.00100000",
                                                                           "0.00000100")

    account = spot.check(spot.get_account(), GetAccountResponse)
    balances = {b.asset: (D(b.free), D(b.locked)) for b in account.balances}
    assert balances["BTC"] == (D("0.000999"), 0) and balances["USDT"] == (D("10000") - D("30.0015"), 0)
    assert balances["ETH"] == (0, 0)  # every asset of the listed symbols, as Binance lists them
    held = spot.check(spot.get_account(omit_zero_balances=True), GetAccountResponse)
    assert {b.asset for b in held.balances} == {"BTC", "USDT"}


def test_oco_rests_shows_in_open_orders_and_cancels(spot: Answers) -> None:
    spot.new_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity=0.002)
    oco = spot.check(spot.order_list_oco(symbol="BTCUSDT", side="SELL", quantity=0.001, above_type="LIMIT_MAKER",
                                         above_price=33000, below_type="STOP_LOSS_LIMIT", below_stop_price=27000,
                                         below_price=26900, below_time_in_force="GTC"),
                     OrderListOcoResponse, conditional=CONDITIONAL)
    assert oco.list_order_status == "EXECUTING" and [r.type for r in oco.order_reports] == ["LIMIT_MAKER",
                                                                                            "STOP_LOSS_LIMIT"]
    listed = spot.check(spot.get_order_list(order_list_id=oco.order_list_id), GetOrderListResponse)
    assert [o.order_id for o in listed.orders] == [r.order_id for r in oco.order_reports]

    limit = spot.check(spot.new_order(symbol="BTCUSDT", side="BUY", type="LIMIT", time_in_force="GTC",
                                      quantity=0.001, price=20000), NewOrderResponse)
    assert limit.status == "NEW" and limit.fills == []
    open_orders = spot.check(spot.get_open_orders(symbol="BTCUSDT"), GetOpenOrdersResponse, conditional=CONDITIONAL)
    assert {o.order_id for o in open_orders} == {r.order_id for r in oco.order_reports} | {limit.order_id}
    queried = spot.check(spot.get_order(symbol="BTCUSDT", order_id=limit.order_id), GetOrderResponse,
                         conditional=CONDITIONAL)
    assert (queried.status, queried.price, queried.is_working) == ("NEW", "20000.00000000", True)

    cancelled = spot.check(spot.delete_order(symbol="BTCUSDT", order_id=limit.order_id), DeleteOrderResponse,
                           conditional=CONDITIONAL)
    assert cancelled.status == "CANCELED" and cancelled.orig_client_order_id == limit.client_order_id
    gone = spot.check(spot.delete_order_list(symbol="BTCUSDT", order_list_id=oco.order_list_id),
                      DeleteOrderListResponse, extra=CANCEL_LIST_EXTRA, conditional=CONDITIONAL)
    assert gone.list_order_status == "ALL_DONE" and {r.status for r in gone.order_reports} == {"CANCELED"}
    assert spot.check(spot.get_open_orders(symbol="BTCUSDT"), GetOpenOrdersResponse) == []
