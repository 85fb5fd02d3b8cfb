"""Binance's official USD-M SDK trades on the paper exchange, and its models parse every answer."""
from __future__ import annotations

from decimal import Decimal

import pytest
from binance_sdk_derivatives_trading_usds_futures.rest_api import models as m

from console.paper import PaperExchange
from tests.sdk.answers import Answers

# Keys of Binance's real new-order answer (../shared/data/responses, createOrders) that the
# SDK's model of POST /fapi/v1/order leaves out; DELETE answers with the same order document.
ORDER_EXTRA = ("avgPrice", "cumQuote")
# Sent only for TRAILING_STOP_MARKET orders (activatePrice, priceRate / callbackRate), by COIN-M
# (baseQty, pair), or for orders with take-profit / stop-loss attached (tp*, sl*).
TRAILING = ("activatePrice", "priceRate", "callbackRate")
ALGO_CONDITIONAL = TRAILING + ("tpTriggerPrice", "tpPrice", "slTriggerPrice", "slPrice", "tpOrderType",
                               "actualType", "actualQty")
D = Decimal


def test_leverage_margin_market_order_positions_and_trades(usdm: Answers, exchange: PaperExchange) -> None:
    leverage = usdm.check(usdm.change_initial_leverage(symbol="BTCUSDT", leverage=5), m.ChangeInitialLeverageResponse)
    assert (leverage.symbol, leverage.leverage) == ("BTCUSDT", 5)
    margin = usdm.check(usdm.change_margin_type(symbol="BTCUSDT", margin_type="ISOLATED"), m.ChangeMarginTypeResponse)
    assert (margin.code, margin.msg) == (200, "success")

    bought = usdm.check(usdm.new_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity=0.01), m.NewOrderResponse,
                        extra=ORDER_EXTRA, conditional=TRAILING)
    assert bought.status == "FILLED" and bought.executed_qty == "0.01" and bought.cum_qty == "0.01"

    [v2] = usdm.check(usdm.position_information_v2(symbol="BTCUSDT"), m.PositionInformationV2Response)
    assert (v2.position_amt, v2.entry_price, v2.leverage, v2.margin_type) == ("0.01", "30001.5", "5", "isolated")
    [v3] = usdm.check(usdm.position_information_v3(symbol="BTCUSDT"), m.PositionInformationV3Response)
    assert (v3.position_amt, v3.mark_price, v3.margin_asset) == ("0.01", "30000.00000000", "USDT")
    assert D(v3.isolated_wallet) == D("30001.5") * D("0.01") / 5
    assert usdm.check(usdm.position_information_v3(symbol="ETHUSDT"), m.PositionInformationV3Response) == []

    [trade] = usdm.check(usdm.account_trade_list(symbol="BTCUSDT"), m.AccountTradeListResponse,
                         conditional=("baseQty", "pair"))
    assert (trade.order_id, trade.buyer, trade.commission_asset, trade.margin_asset) == (bought.order_id, True,
                                                                                        "USDT", "USDT")
    assert D(trade.commission) == D("0.15000750") and D(trade.realized_pnl) == 0


def test_account_and_balance_list_every_margin_asset(usdm: Answers) -> None:
    usdm.new_order(symbol="ETHUSDT", side="SELL", type="MARKET", quantity=0.05)
    v2 = usdm.check(usdm.account_information_v2(), m.AccountInformationV2Response)
    v3 = usdm.check(usdm.account_information_v3(), m.AccountInformationV3Response)
    assert v2.total_wallet_balance == v3.total_wallet_balance == "9999.95000250"
    assert [a.asset for a in v2.assets] == [a.asset for a in v3.assets] and v3.assets[0].asset == "USDT"
    assert {"BTC", "BNB", "USDC"} <= {a.asset for a in v3.assets}
    assert len(v2.positions) == 25  # v2 lists every symbol, v3 only those with a position
    assert [(p.symbol, p.position_amt) for p in v3.positions] == [("ETHUSDT", "-0.05")]

    for call, model in ((usdm.futures_account_balance_v2, m.FuturesAccountBalanceV2Response),
                        (usdm.futures_account_balance_v3, m.FuturesAccountBalanceV3Response)):
        rows = usdm.check(call(), model)
        assert rows[0].asset == "USDT" and rows[0].balance == "9999.95000250"
        assert all(D(r.balance) == 0 for r in rows[1:]) and len(rows) == len(v3.assets)


def test_resting_order_is_queried_listed_and_cancelled(usdm: Answers) -> None:
    placed = usdm.check(usdm.new_order(symbol="BTCUSDT", side="BUY", type="LIMIT", time_in_force="GTC",
                                       quantity=0.01, price=29000), m.NewOrderResponse,
                        extra=ORDER_EXTRA, conditional=TRAILING)
    queried = usdm.check(usdm.query_order(symbol="BTCUSDT", order_id=placed.order_id), m.QueryOrderResponse,
                         conditional=TRAILING)
    assert (queried.status, queried.price, queried.time_in_force) == ("NEW", "29000", "GTC")
    [listed] = usdm.check(usdm.current_all_open_orders(symbol="BTCUSDT"), m.CurrentAllOpenOrdersResponse,
                          conditional=TRAILING)
    assert listed.order_id == placed.order_id
    cancelled = usdm.check(usdm.cancel_order(symbol="BTCUSDT", order_id=placed.order_id), m.CancelOrderResponse,
                           extra=ORDER_EXTRA, conditional=TRAILING)
    assert cancelled.status == "CANCELED"


def test_algo_order_is_placed_listed_queried_and_cancelled(usdm: Answers) -> None:
    if not hasattr(usdm.api, "new_algo_order"):
        pytest.skip("this SDK version has no algo order service")
    usdm.new_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity=0.01)
    algo = usdm.check(usdm.new_algo_order(algo_type="CONDITIONAL", symbol="BTCUSDT", side="SELL", type="STOP_MARKET",
                                          quantity=0.01, trigger_price=25000, reduce_only="true",
                                          client_algo_id="sdk-stop"),
                      m.NewAlgoOrderResponse, conditional=ALGO_CONDITIONAL)
    assert (algo.algo_status, algo.order_type, algo.trigger_price, algo.reduce_only) == ("NEW", "STOP_MARKET",
                                                                                         "25000", True)
    [listed] = usdm.check(usdm.current_all_algo_open_orders(symbol="BTCUSDT"), m.CurrentAllAlgoOpenOrdersResponse,
                          conditional=ALGO_CONDITIONAL)
    assert (listed.algo_id, listed.client_algo_id) == (algo.algo_id, "sdk-stop")
    queried = usdm.check(usdm.query_algo_order(algo_id=algo.algo_id), m.QueryAlgoOrderResponse,
                         conditional=ALGO_CONDITIONAL)
    assert queried.algo_status == "NEW" and queried.actual_order_id == ""
    cancelled = usdm.check(usdm.cancel_algo_order(algo_id=algo.algo_id), m.CancelAlgoOrderResponse)
    assert (cancelled.algo_id, cancelled.code) == (algo.algo_id, "200")
    assert usdm.check(usdm.current_all_algo_open_orders(symbol="BTCUSDT"), m.CurrentAllAlgoOpenOrdersResponse) == []
