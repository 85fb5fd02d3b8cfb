"""USD-M endpoints through ccxt.binanceusdm built by make_ccxt; PnL checked by hand."""
from __future__ import annotations

from decimal import Decimal

import ccxt
import pytest

from console.paper import PaperExchange

D = Decimal
BTC = "BTC/USDT:USDT"


def test_markets_tickers_and_klines(futures, exchange: PaperExchange) -> None:
    assert BTC in futures.markets and futures.markets[BTC]["linear"]
    assert futures.fetch_ticker(BTC)["last"] == 30000.0
    assert futures.fetch_ohlcv(BTC, "1m", limit=10)[-1][4] == 30000.0
    mark = futures.fapipublic_get_premiumindex({"symbol": "BTCUSDT"})
    assert mark["markPrice"] == "30000.00000000"  # eight decimals, as Binance writes mark prices
    assert futures.fapipublic_get_ticker_price({"symbol": "ETHUSDT"})["price"] == "2000.00"
    assert futures.fapipublic_get_ping() == {} and "serverTime" in futures.fapipublic_get_time()
    assert futures.fetch_time() > 0


def test_long_then_close_realises_pnl_by_hand(futures, exchange: PaperExchange) -> None:
    opened = futures.create_order(BTC, "market", "buy", 0.01)
    assert opened["status"] == "closed" and opened["average"] == 30001.5  # the ask: 30000 * 1.00005
    # taker fee 0.05 % of 300.015 = 0.1500075 -> 0.15000750
    assert exchange.futures.wallet == D("10000") - D("0.15000750")
    exchange.feed.set_price("BTCUSDT", D("31000"))
    [position] = futures.fetch_positions([BTC])
    assert position["side"] == "long" and position["contracts"] == 0.01
    assert position["entryPrice"] == 30001.5 and position["markPrice"] == 31000.0
    assert position["unrealizedPnl"] == pytest.approx((31000 - 30001.5) * 0.01)  # 9.985
    assert position["leverage"] is None  # v3 positionRisk carries no leverage, as on Binance
    assert futures.fetch_leverage(BTC)["longLeverage"] == 20

    closed = futures.create_order(BTC, "market", "sell", 0.01, None, {"reduceOnly": True})
    assert closed["average"] == 30998.4  # the bid: 31000 * 0.99995 = 30998.45, floored to the 0.10 tick
    # realised: (30998.40 - 30001.50) * 0.01 = 9.969; fee 0.05 % of 309.984 = 0.154992
    trades = futures.fetch_my_trades(BTC)
    assert [t["info"]["realizedPnl"] for t in trades] == ["0.00000000", "9.96900000"]
    assert trades[1]["fee"]["cost"] == pytest.approx(0.154992)
    assert exchange.futures.wallet == D("10000") - D("0.15000750") + D("9.969") - D("0.154992")
    assert futures.fetch_positions([BTC]) == []
    balance = futures.fetch_balance()
    assert balance["USDT"]["total"] == pytest.approx(10009.6640005)


def test_short_loses_when_price_rises(futures, exchange: PaperExchange) -> None:
    futures.create_order(BTC, "market", "sell", 0.01)  # at 29998.50
    exchange.feed.set_price("BTCUSDT", D("30500"))
    [position] = futures.fetch_positions([BTC])
    assert position["side"] == "short"
    assert position["unrealizedPnl"] == pytest.approx((30500 - 29998.5) * -0.01)
    account = futures.fapiprivatev3_get_account()
    assert D(account["totalUnrealizedProfit"]) == (D("30500") - D("29998.50")) * D("-0.01")


def test_averaging_entry_price(futures, exchange: PaperExchange) -> None:
    futures.create_order(BTC, "market", "buy", 0.01)  # 30001.50
    exchange.feed.set_price("BTCUSDT", D("32000"))
    futures.create_order(BTC, "market", "buy", 0.03)  # 32001.60
    position = exchange.futures.positions["BTCUSDT"]
    assert position.amount == D("0.04")
    assert position.entry == (D("0.01") * D("30001.50") + D("0.03") * D("32001.60")) / D("0.04")


def test_leverage_brackets_and_limits(futures, exchange: PaperExchange) -> None:
    assert futures.set_leverage(10, BTC)["leverage"] == 10
    with pytest.raises(ccxt.BadRequest, match="-4028"):
        futures.set_leverage(100, "XRP/USDT:USDT")  # XRP's first bracket allows 75x
    tiers = futures.fetch_leverage_tiers([BTC])[BTC]
    assert tiers[0]["maxLeverage"] == 125 and tiers[0]["maxNotional"] == 50_000
    futures.set_leverage(125, BTC)
    with pytest.raises(ccxt.ExchangeError, match="-2027"):
        futures.create_order(BTC, "market", "buy", 2)  # 60,000 USDT notional over the 50,000 cap at 125x
    raw = futures.fapiprivate_get_leveragebracket({"symbol": "BTCUSDT"})
    assert raw[0]["brackets"][0]["initialLeverage"] == 125


def test_isolated_margin_and_margin_type_errors(futures, exchange: PaperExchange) -> None:
    futures.set_margin_mode("isolated", BTC)
    with pytest.raises(ccxt.MarginModeAlreadySet):
        futures.fapiprivate_post_margintype({"symbol": "BTCUSDT", "marginType": "ISOLATED"})
    futures.set_leverage(10, BTC)
    futures.create_order(BTC, "market", "buy", 0.01)
    [position] = futures.fetch_positions([BTC])
    assert position["marginMode"] == "isolated"
    assert D(position["info"]["isolatedWallet"]) == D("0.01") * D("30001.50") / 10
    with pytest.raises(ccxt.ExchangeError, match="-4048"):
        futures.set_margin_mode("cross", BTC)


def test_reduce_only_without_position_is_rejected(futures) -> None:
    with pytest.raises(ccxt.InvalidOrder, match="-2022"):
        futures.create_order(BTC, "market", "sell", 0.01, None, {"reduceOnly": True})


def test_insufficient_margin(futures) -> None:
    futures.set_leverage(1, BTC)
    with pytest.raises(ccxt.InsufficientFunds):
        futures.create_order(BTC, "market", "buy", 0.5)  # 15,000 USDT at 1x against 10,000


def test_limit_order_rests_and_fills_as_maker(futures, exchange: PaperExchange) -> None:
    order = futures.create_order(BTC, "limit", "buy", 0.01, 29000, {"clientOrderId": "f-1"})
    assert order["status"] == "open"
    assert [o["id"] for o in futures.fetch_open_orders(BTC)] == [order["id"]]
    assert futures.fetch_order(None, BTC, {"origClientOrderId": "f-1"})["id"] == order["id"]
    assert D(futures.fapiprivatev2_get_balance()[0]["availableBalance"]) == D("10000") - D("290") / 20
    exchange.feed.set_price("BTCUSDT", D("28900"))
    done = futures.fetch_order(order["id"], BTC)
    assert done["status"] == "closed" and done["average"] == 29000.0
    assert exchange.futures.wallet == D("10000") - D("290") * D("0.0002")  # maker fee 0.02 %
    with pytest.raises(ccxt.InvalidOrder, match="-4116"):
        futures.create_order(BTC, "limit", "buy", 0.01, 28000, {"clientOrderId": "f-2"}) and \
            futures.create_order(BTC, "limit", "buy", 0.01, 28000, {"clientOrderId": "f-2"})


def test_cancel_and_unknown_orders(futures) -> None:
    order = futures.create_order(BTC, "limit", "buy", 0.01, 29000)
    assert futures.cancel_order(order["id"], BTC)["status"] == "canceled"
    with pytest.raises(ccxt.OrderNotFound):
        futures.cancel_order(order["id"], BTC)
    with pytest.raises(ccxt.OrderNotFound):
        futures.fetch_order("12345", BTC)


def test_account_v2_and_position_risk_v2(futures, exchange: PaperExchange) -> None:
    futures.create_order(BTC, "market", "buy", 0.01)
    v2 = futures.fapiprivatev2_get_account()
    v3 = futures.fapiprivatev3_get_account()
    assert v2["totalWalletBalance"] == v3["totalWalletBalance"] == "9999.84999250"
    risk = futures.fapiprivatev2_get_positionrisk({"symbol": "BTCUSDT"})
    assert risk[0]["positionAmt"] == "0.01" and risk[0]["leverage"] == "20"
    futures.load_leverage_brackets()  # else ccxt forwards useV2 to GET leverageBracket, which Binance refuses (-1104)
    positions = futures.fetch_positions([BTC], {"useV2": True})
    assert positions[0]["contracts"] == 0.01
    balance = futures.fetch_balance()  # with {"useV2": True} ccxt sends useV2 to Binance too (-1104)
    assert balance["USDT"]["total"] == pytest.approx(9999.8499925, abs=0.02)


def test_algo_order_types_point_to_the_algo_endpoint(futures) -> None:
    with pytest.raises(ccxt.ExchangeError, match="-4120"):
        futures.fapiprivate_post_order({"symbol": "BTCUSDT", "side": "SELL", "type": "STOP_MARKET",
                                        "quantity": "0.01", "stopPrice": "29000"})


def test_conditional_orders_rest_on_the_algo_endpoint_and_close_the_position(futures, exchange: PaperExchange) -> None:
    futures.create_order(BTC, "market", "buy", 0.01)
    stop = futures.create_order(BTC, "market", "sell", 0.01, None, {"stopLossPrice": 29000, "reduceOnly": True})
    take = futures.create_order(BTC, "market", "sell", 0.01, None, {"takeProfitPrice": 32000, "reduceOnly": True})
    assert stop["info"]["algoType"] == "CONDITIONAL" and stop["info"]["orderType"] == "STOP_MARKET"
    assert {o["id"] for o in futures.fetch_open_orders(BTC, None, None, {"trigger": True})} == {stop["id"], take["id"]}
    # ccxt's unified cancel_order / fetch_order with trigger add symbol, which the algo service's
    # GET and DELETE /fapi/v1/algoOrder do not take (-1104): ask by algo id, as the console does
    assert str(futures.fapiprivate_delete_algoorder({"algoId": take["id"]})["algoId"]) == take["id"]
    exchange.feed.set_price("BTCUSDT", D("28900"))
    fired = futures.parse_order(futures.fapiprivate_get_algoorder({"algoId": stop["id"]}), futures.market(BTC))
    assert fired["status"] == "closed" and fired["info"]["actualOrderId"]
    assert futures.fetch_positions([BTC]) == []
    # a pinned price jumps: the stop fills at the bid of the new price, 28900 * 0.99995 on the tick
    assert exchange.exchange_trades("futures")[-1]["price"] == "28898.5"


def test_conditional_order_that_would_trigger_at_once_is_rejected(futures) -> None:
    with pytest.raises(ccxt.OrderImmediatelyFillable):
        futures.create_order(BTC, "market", "sell", 0.01, None, {"stopLossPrice": 31000})


def test_mark_price_klines_cancel_all_and_history(futures) -> None:
    assert futures.fetch_ohlcv(BTC, "1m", limit=3, params={"price": "mark"})[-1][4] == 30000.0
    assert futures.fetch_funding_rate(BTC)["markPrice"] == 30000.0
    assert futures.fetch_leverage(BTC)["longLeverage"] == 20
    futures.create_order(BTC, "limit", "buy", 0.01, 29000)
    futures.create_order(BTC, "limit", "buy", 0.01, 28000)
    futures.cancel_all_orders(BTC)
    assert futures.fetch_open_orders(BTC) == []
    assert [o["status"] for o in futures.fetch_orders(BTC)] == ["canceled", "canceled"]
