"""The client and the paper exchange agree on Binance's filters, with the real 2025-08-07 rules.

Each case goes to one paper exchange twice: through the client, which refuses before sending
(InvalidOrder, or InsufficientBalance once the filters pass) or places the order; and raw over
HTTP, which the paper exchange answers as Binance does. Absurd inputs never reach a raw Decimal
error and never reach the exchange.
"""
from __future__ import annotations

import re
from decimal import Decimal as D

import ccxt
import pytest

from console.domain import Market, OrderRequest, OrderType, Side
from console.errors import InsufficientBalance, InvalidOrder, TooManyOrders, UnknownSymbol
from console.exchange.translate import translate
from tests.paper.conftest import signed_call

SPOT, FUT = Market.SPOT, Market.FUTURES
BUY, SELL = Side.BUY, Side.SELL
LIMIT, MARKET, MAKER, STOP_LIMIT = OrderType.LIMIT, OrderType.MARKET, OrderType.LIMIT_MAKER, OrderType.STOP_LOSS_LIMIT
PATH = {SPOT: "/api/v3/order", FUT: "/fapi/v1/order"}
OK = None
BALANCE = "balance"  # the filters pass; the client then refuses for the balance, the exchange answers -2010
NOTIONAL = (-1013, "Filter failure: NOTIONAL")
BAND = (-1013, "Filter failure: PERCENT_PRICE_BY_SIDE")
BROKE = (-2010, "Account has insufficient balance for requested action.")
FUT_MIN = (-4164, "Order's notional must be no smaller than 100 (unless you choose reduce only).")

# name, market, side, type, quantity, quote amount, price, stop, BTCUSDT price,
# what the paper exchange answers, what the client says (OK, BALANCE or a part of the InvalidOrder message)
CASES = [
    ("limit above maxNotional", SPOT, BUY, LIMIT, "100", None, "95000", None, "95000", NOTIONAL,
     "above the maximum order value 9000000 USDT for BTC/USDT; buy at most 94.73684 BTC"),
    ("limit at exactly maxNotional", SPOT, BUY, LIMIT, "90", None, "100000", None, "95000", BROKE, BALANCE),
    ("market above maxNotional (applyMaxToMarket false)", SPOT, BUY, MARKET, "97", None, None, None, "95000",
     BROKE, BALANCE),
    ("limit under minNotional", SPOT, BUY, LIMIT, "0.0001", None, "29000", None, "30000", NOTIONAL,
     "below the minimum order value 5 USDT"),
    ("buy above 5x the average price", SPOT, BUY, LIMIT, "0.001", None, "150000.01", None, "30000", BAND,
     "above 150000 USDT, the highest a buy order on BTC/USDT may have now (5 × the average price 30000)"),
    ("buy at 5x the average price", SPOT, BUY, LIMIT, "0.001", None, "150000", None, "30000", OK, OK),
    ("buy below 0.2x the average price", SPOT, BUY, LIMIT, "0.001", None, "5999.99", None, "30000", BAND,
     "below 6000 USDT, the lowest a buy order on BTC/USDT may have now"),
    ("buy at 0.2x the average price", SPOT, BUY, LIMIT, "0.001", None, "6000", None, "30000", OK, OK),
    ("sell above 5x", SPOT, SELL, LIMIT, "0.001", None, "150000.01", None, "30000", BAND, "the highest a sell order"),
    ("sell below 0.2x", SPOT, SELL, LIMIT, "0.001", None, "5999.99", None, "30000", BAND, "the lowest a sell order"),
    ("limit maker below the band", SPOT, BUY, MAKER, "0.001", None, "5999.99", None, "30000", BAND, "the lowest a buy"),
    ("stop-limit price below the band", SPOT, SELL, STOP_LIMIT, "0.001", None, "5999.99", "29000", "30000", BAND,
     "the lowest a sell order"),
    ("the band follows the price", SPOT, BUY, LIMIT, "0.001", None, "18999.99", None, "95000", BAND, "below 19000 USDT"),
    ("quote amount at exactly the minimum", SPOT, BUY, MARKET, None, "5", None, None, "30000", OK, OK),
    ("quote amount under the minimum", SPOT, BUY, MARKET, None, "4.99", None, None, "30000", NOTIONAL,
     "4.99 USDT is below the minimum order value 5 USDT for BTC/USDT; buy at least 5 USDT worth"),
    ("market quantity at exactly the minimum", SPOT, BUY, MARKET, "0.0001", None, None, None, "50000", OK, OK),
    ("market quantity a step under the minimum", SPOT, BUY, MARKET, "0.00009", None, None, None, "50000", NOTIONAL,
     "below the minimum order value 5 USDT"),
    ("futures buy at 1.05x the mark price", FUT, BUY, LIMIT, "0.004", None, "31500", None, "30000", OK, OK),
    ("futures buy above 1.05x the mark price", FUT, BUY, LIMIT, "0.004", None, "31500.1", None, "30000",
     (-4016, "Limit price can't be higher than 31500."), "above 31500 USDT, the highest a buy order on BTC/USDT"),
    ("futures sell at 0.95x the mark price", FUT, SELL, LIMIT, "0.004", None, "28500", None, "30000", OK, OK),
    ("futures sell below 0.95x the mark price", FUT, SELL, LIMIT, "0.004", None, "28499.9", None, "30000",
     (-4024, "Limit price can't be lower than 28500."), "below 28500 USDT, the lowest a sell order on BTC/USDT"),
    ("futures buy far below the mark price", FUT, BUY, LIMIT, "0.004", None, "25000", None, "30000", OK, OK),
    ("futures sell far above the mark price", FUT, SELL, LIMIT, "0.004", None, "40000", None, "30000", OK, OK),
    ("futures limit under MIN_NOTIONAL", FUT, BUY, LIMIT, "0.004", None, "24999.9", None, "30000", FUT_MIN,
     "below the minimum order value 100 USDT"),
    ("futures market under MIN_NOTIONAL", FUT, BUY, MARKET, "0.003", None, None, None, "30000", FUT_MIN,
     "below the minimum order value 100 USDT"),
]


def _request(market, side, kind, quantity, quote, price, stop) -> OrderRequest:
    dec = lambda v: None if v is None else D(v)  # noqa: E731
    return OrderRequest(symbol="BTC/USDT", market=market, side=side, type=kind, quantity=dec(quantity),
                        quote_quantity=dec(quote), price=dec(price), stop_price=dec(stop))


def _raw(market, side, kind, quantity, quote, price, stop) -> dict[str, str]:
    params = {"symbol": "BTCUSDT", "side": side.value.upper(), "type": kind.value.upper()}
    for name, value in (("quantity", quantity), ("quoteOrderQty", quote), ("price", price), ("stopPrice", stop)):
        if value is not None:
            params[name] = value
    if kind in (LIMIT, STOP_LIMIT):
        params["timeInForce"] = "GTC"
    return params


def _send_raw(venue, market, params) -> tuple:
    return signed_call(venue.base_url, "POST", PATH[market], params, key="paper-key", secret="paper-secret")


@pytest.mark.parametrize("market, side, kind, quantity, quote, price, stop, at, answer, client_says",
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_client_and_paper_agree(make_client, venue, journal, market, side, kind, quantity, quote, price, stop, at,
                                answer, client_says):
    venue.feed.set_price("BTCUSDT", D(at))
    client = make_client(market)
    request = _request(market, side, kind, quantity, quote, price, stop)
    before = venue.stats.requests(PATH[market])
    if client_says is OK:
        client.place_order(request, journal=journal)
        assert venue.stats.requests(PATH[market]) == before + 1
    else:
        expected = InsufficientBalance if client_says is BALANCE else InvalidOrder
        if expected is InvalidOrder:
            with pytest.raises(InvalidOrder, match=re.escape(client_says)):
                client.preview(request)
        with pytest.raises(expected):
            client.place_order(request, journal=journal)
        assert venue.stats.requests(PATH[market]) == before  # refused before sending
        assert journal.events == []
    status, _, body = _send_raw(venue, market, _raw(market, side, kind, quantity, quote, price, stop))
    if answer is OK:
        assert status == 200, body
    else:
        assert (status, body["code"], body["msg"]) == (400, *answer)


# at 3.21, 3089.66, 29014.7, 33555.52, 39567.95, 118540.13 and 146931.69, (5 / price) * price < 5 in Decimal
PRICES = ["3.21", "7", "3089.66", "12345.67", "29014.7", "30000", "33555.52", "39567.95", "95000", "95000.01",
          "99999.99", "118540.13", "146931.69"]


@pytest.mark.parametrize("price", PRICES)
def test_a_quote_amount_of_exactly_the_minimum_is_accepted_at_every_price(make_client, venue, journal, price):
    # the rule: a quoteOrderQty buy is valued at its quote amount, as Binance values it, so 5 USDT
    # meets a 5 USDT minimum at any price; (5 / price) * price would fall a hair short at some
    venue.feed.set_price("BTCUSDT", D(price))
    client = make_client()
    preview = client.preview(_request(SPOT, BUY, MARKET, None, "5", None, None))
    assert (preview.quote_quantity, preview.notional) == (D("5"), D("5"))
    assert client.place_order(_request(SPOT, BUY, MARKET, None, "5", None, None), journal=journal).quote_filled <= 5
    status, _, body = _send_raw(venue, SPOT, _raw(SPOT, BUY, MARKET, None, "5", None, None))
    assert status == 200, body


# (price, quantity) with quantity × price exactly 5 USDT, the minimum
EXACT = [("50000", "0.0001"), ("20000", "0.00025"), ("125000", "0.00004"), ("62500", "0.00008"), ("31250", "0.00016"),
         ("2500", "0.002"), ("100000", "0.00005")]


@pytest.mark.parametrize("kind", [MARKET, LIMIT])
@pytest.mark.parametrize("price, quantity", EXACT)
def test_a_quantity_worth_exactly_the_minimum_is_accepted_and_a_step_less_is_not(make_client, venue, journal,
                                                                                 kind, price, quantity):
    venue.feed.set_price("BTCUSDT", D(price))
    client = make_client()
    limit = price if kind is LIMIT else None
    assert client.preview(_request(SPOT, BUY, kind, quantity, None, limit, None)).notional == D(5)
    client.place_order(_request(SPOT, BUY, kind, quantity, None, limit, None), journal=journal)
    assert _send_raw(venue, SPOT, _raw(SPOT, BUY, kind, quantity, None, limit, None))[0] == 200
    less = str(D(quantity) - D("0.00001"))
    with pytest.raises(InvalidOrder, match="below the minimum order value 5 USDT"):
        client.place_order(_request(SPOT, BUY, kind, less, None, limit, None), journal=journal)
    assert _send_raw(venue, SPOT, _raw(SPOT, BUY, kind, less, None, limit, None))[2]["msg"] == "Filter failure: NOTIONAL"


# market, order type, the field given an absurd value, the value, a part of the fix
ABSURD = [
    (SPOT, MARKET, "quantity", "1E+30", "quantity 1E+30 BTC is above the maximum 97.09521512 BTC for market orders"),
    (SPOT, LIMIT, "quantity", "1E+30", "quantity 1E+30 BTC is above the maximum 9000 BTC for orders on BTC/USDT; lower it"),
    (SPOT, LIMIT, "quantity", "123456789012345678901234", "above the maximum 9000 BTC"),
    (SPOT, MARKET, "quantity", "1E+999999", "above the maximum 97.09521512 BTC"),
    (SPOT, MARKET, "quantity", "1E-30", "1E-30 BTC is below the minimum 0.00001 BTC for BTC/USDT; buy at least"),
    (SPOT, MARKET, "quantity", "1E-999999", "below the minimum 0.00001 BTC"),
    (SPOT, MARKET, "quantity", "NaN", "quantity NaN for BTC/USDT must be a positive number of BTC"),
    (SPOT, MARKET, "quantity", "sNaN", "must be a positive number of BTC"),
    (SPOT, MARKET, "quantity", "Infinity", "quantity Infinity for BTC/USDT must be a positive number of BTC"),
    (SPOT, LIMIT, "quantity", "-Infinity", "must be a positive number of BTC"),
    (SPOT, LIMIT, "quantity", "-1", "quantity -1 for BTC/USDT must be a positive number of BTC"),
    (SPOT, LIMIT, "quantity", "0", "must be a positive number of BTC"),
    (SPOT, LIMIT, "price", "1E+30", "price 1E+30 USDT is above the maximum 1000000 USDT for BTC/USDT"),
    (SPOT, LIMIT, "price", "123456789012345678901234.5", "above the maximum 1000000 USDT"),
    (SPOT, LIMIT, "price", "1E+999999", "above the maximum 1000000 USDT"),
    (SPOT, LIMIT, "price", "1E-30", "price 1E-30 USDT is below the minimum 0.01 USDT for BTC/USDT"),
    (SPOT, LIMIT, "price", "NaN", "price NaN for BTC/USDT must be a positive number of USDT"),
    (SPOT, LIMIT, "price", "Infinity", "must be a positive number of USDT"),
    (SPOT, LIMIT, "price", "-30000", "must be a positive number of USDT"),
    (SPOT, LIMIT, "price", "0", "must be a positive number of USDT"),
    (SPOT, STOP_LIMIT, "stop_price", "1E+30", "stop price 1E+30 USDT is above the maximum 1000000 USDT"),
    (SPOT, STOP_LIMIT, "stop_price", "NaN", "stop price NaN for BTC/USDT must be a positive number"),
    (SPOT, MARKET, "quote_quantity", "1E+30", "amount 1E+30 USDT is far above anything BTC/USDT trades"),
    (SPOT, MARKET, "quote_quantity", "1E+999999", "Binance reads at most 20 digits before the point); lower it"),
    (SPOT, MARKET, "quote_quantity", "1E-30", "1E-30 USDT is below the minimum order value 5 USDT"),
    (SPOT, MARKET, "quote_quantity", "NaN", "amount NaN for BTC/USDT must be a positive number of USDT"),
    (SPOT, MARKET, "quote_quantity", "-Infinity", "must be a positive number of USDT"),
    (SPOT, MARKET, "quote_quantity", "0", "must be a positive number of USDT"),
    (SPOT, MARKET, "quote_quantity", "-5", "must be a positive number of USDT"),
    (FUT, MARKET, "quantity", "1E+30", "quantity 1E+30 BTC is above the maximum 120 BTC for market orders"),
    (FUT, LIMIT, "price", "1E+30", "above the maximum 4529764 USDT"),
    (FUT, MARKET, "quote_quantity", "1E+30", "above the maximum 120 BTC"),
    (FUT, LIMIT, "quantity", "NaN", "must be a positive number of BTC"),
]


@pytest.mark.parametrize("market, kind, field, value, fix", ABSURD,
                         ids=[f"{m.value}-{k.value}-{f}={v}" for m, k, f, v, _ in ABSURD])
def test_absurd_input_is_an_invalid_order_with_the_fix_and_nothing_is_sent(make_client, venue, journal,
                                                                           market, kind, field, value, fix):
    order = {"quantity": D("0.001") if field != "quote_quantity" else None,
             "price": D("29000") if kind is not MARKET else None,
             "stop_price": D("31000") if kind is STOP_LIMIT else None}
    order[field] = D(value)
    if field == "quote_quantity":
        order["quantity"] = None
    request = OrderRequest(symbol="BTC/USDT", market=market, side=Side.BUY, type=kind, **order)
    client = make_client(market)
    with pytest.raises(InvalidOrder, match=re.escape(fix)):
        client.preview(request)
    with pytest.raises(InvalidOrder):
        client.place_order(request, journal=journal)
    assert venue.stats.requests(PATH[market]) == 0 and venue.exchange_orders(market.value) == []
    assert journal.events == []


@pytest.mark.parametrize("field, value, fix", [
    ("quantity", "1E+30", "above the maximum 9000 BTC"),
    ("quantity", "NaN", "must be a positive number of BTC"),
    ("take_profit_price", "1E+30", "take-profit price 1E+30 USDT is above the maximum 1000000 USDT"),
    ("take_profit_price", "150000.01", "above 150000 USDT, the highest a sell order"),
    ("stop_price", "Infinity", "must be a positive number of USDT"),
    ("stop_limit_price", "5999.99", "stop-limit price 5999.99 USDT is below 6000 USDT, the lowest a sell order"),
    ("stop_limit_price", "1E-30", "below the minimum 0.01 USDT"),
])
def test_oco_legs_are_held_to_every_filter_before_sending(make_client, venue, journal, field, value, fix):
    client = make_client()
    args = {"quantity": D("0.001"), "take_profit_price": D("31000"), "stop_price": D("29000"),
            "stop_limit_price": D("28900"), field: D(value)}
    with pytest.raises(InvalidOrder, match=re.escape(fix)):
        client.place_oco_sell("BTC/USDT", args["quantity"], args["take_profit_price"], args["stop_price"],
                              args["stop_limit_price"], journal=journal)
    assert venue.stats.requests("/api/v3/orderList/oco") == 0 and journal.events == []


def test_too_many_open_stop_orders_is_a_typed_error_that_says_to_cancel(make_client, venue, journal):
    client = make_client()
    stop_buy = OrderRequest(symbol="BTC/USDT", market=SPOT, side=BUY, type=STOP_LIMIT, quantity=D("0.001"),
                            price=D("31100"), stop_price=D("31000"))
    for _ in range(5):  # MAX_NUM_ALGO_ORDERS 5 on BTCUSDT
        client.place_order(stop_buy, journal=journal)
    with pytest.raises(TooManyOrders, match=r"BTC/USDT already holds the most stop-loss / take-profit orders .*"
                                            r"\(MAX_NUM_ALGO_ORDERS\); cancel resting orders on BTC/USDT") as caught:
        client.place_order(stop_buy, journal=journal)
    assert caught.value.limit == "MAX_NUM_ALGO_ORDERS"
    assert journal.events[-1][0] == "failed"


def test_a_symbol_that_does_not_trade_is_refused_with_trading_symbols_closest_first(make_client):
    client = make_client()
    trading = set(client.symbols())
    with pytest.raises(UnknownSymbol, match=r"BCC/BTC is not traded on Binance spot \(paper\) \(listed, but BREAK\)"
                       ) as caught:
        client.rules("BCC/BTC")
    suggested = str(caught.value).split("such as ")[1].split(", ")
    assert suggested and set(suggested) <= trading  # EOS/ETH, MCO/BTC ... are on BREAK: never suggested
    with pytest.raises(UnknownSymbol) as caught:
        client.rules("ETH/BTX")
    assert str(caught.value).split("such as ")[1].startswith("ETH/BTC, ")


@pytest.mark.parametrize("error, limit", [
    (ccxt.InvalidOrder('binance {"code":-1013,"msg":"Filter failure: MAX_NUM_ORDERS"}'), "MAX_NUM_ORDERS"),
    (ccxt.InvalidOrder('binance {"code":-1013,"msg":"Filter failure: MAX_NUM_ALGO_ORDERS"}'), "MAX_NUM_ALGO_ORDERS"),
    (ccxt.OperationRejected('binanceusdm {"code":-2025,"msg":"Reach max open order limit."}'), "MAX_NUM_ORDERS"),
    (ccxt.BadRequest('binanceusdm {"code": -4045, "msg": "Reach max stop order limit."}'), "MAX_NUM_ALGO_ORDERS"),
])
def test_an_order_count_refusal_translates_to_too_many_orders(error, limit):
    translated = translate(error, action="create order", venue="Binance live spot")
    assert isinstance(translated, TooManyOrders) and translated.limit == limit
    assert "cancel resting orders on that symbol" in str(translated)
    assert "cancel resting orders on ETH/USDT, then place this one again" in str(translated.on("ETH/USDT"))
