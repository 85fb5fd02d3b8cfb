"""The USD-M client against the paper exchange: leverage set-up, positions, reduce-only close."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from console.domain import Market, OrderRequest, OrderStatus, Side
from console.errors import InsufficientBalance, InvalidOrder


def order(side, quantity, **kw):
    return OrderRequest(symbol="BTC/USDT", market=Market.FUTURES, side=side, quantity=D(quantity), **kw)


def test_leverage_out_of_the_bracket_is_refused(make_client, venue):
    client = make_client(Market.FUTURES)
    with pytest.raises(InvalidOrder, match=r"leverage 200 is outside the allowed range 1-\d+ for BTC/USDT"):
        client.prepare_futures("BTC/USDT", 200)
    with pytest.raises(InvalidOrder, match="outside the allowed range"):
        client.prepare_futures("BTC/USDT", 0)
    assert venue.stats.requests("/fapi/v1/leverage") == 0


def test_prepare_is_idempotent_and_done_once(make_client, venue):
    client = make_client(Market.FUTURES)
    client.prepare_futures("BTC/USDT", 5)
    client.prepare_futures("BTC/USDT", 5)
    assert venue.stats.requests("/fapi/v1/marginType") == 1
    assert venue.stats.requests("/fapi/v1/leverage") == 1
    fresh = make_client(Market.FUTURES)  # isolated already: "No need to change margin type" is success
    fresh.prepare_futures("BTC/USDT", 5)
    assert venue.stats.requests("/fapi/v1/marginType") == 2


def test_open_and_close_a_long_with_reduce_only(make_client, venue, journal):
    client = make_client(Market.FUTURES)
    client.prepare_futures("BTC/USDT", 5)
    opened = client.place_order(order(Side.BUY, "0.0105"), journal=journal)
    assert opened.status is OrderStatus.FILLED and opened.filled == D("0.01")
    assert opened.commissions and opened.commissions[0][0] == "USDT"
    [position] = client.positions()
    assert (position.symbol, position.quantity, position.leverage, position.isolated) == ("BTC/USDT", D("0.01"), 5, True)
    closed = client.close_position("BTC/USDT", journal=journal)
    assert closed.side is Side.SELL and closed.reduce_only and closed.filled == D("0.01")
    assert client.positions() == []
    with pytest.raises(InvalidOrder, match="no open BTC/USDT position"):
        client.close_position("BTC/USDT", journal=journal)


def test_min_notional_and_margin_are_checked_before_sending(make_client, venue, journal):
    client = make_client(Market.FUTURES)
    client.prepare_futures("BTC/USDT", 1)
    with pytest.raises(InvalidOrder, match="below the minimum order value 100 USDT"):
        client.place_order(order(Side.BUY, "0.003"), journal=journal)  # 90 USDT
    free = client.balances()["USDT"].free
    too_much = (free / D("30000") * 2).quantize(D("0.001"))
    with pytest.raises(InsufficientBalance, match="of free margin"):
        client.place_order(order(Side.SELL, str(too_much)), journal=journal)
    assert venue.stats.requests("/fapi/v1/order") == 0


def test_positions_report_the_exchange_leverage_to_a_fresh_client(make_client, journal):
    first = make_client(Market.FUTURES)
    first.prepare_futures("BTC/USDT", 7)
    first.place_order(order(Side.SELL, "0.01"), journal=journal)
    [position] = make_client(Market.FUTURES).positions()
    assert (position.quantity, position.side, position.leverage, position.isolated) == (D("-0.01"), Side.SELL, 7, True)


def test_margin_check_uses_the_leverage_the_exchange_has(make_client, venue, journal):
    make_client(Market.FUTURES).prepare_futures("BTC/USDT", 20)
    client = make_client(Market.FUTURES)  # never prepared: asks the exchange once
    free = client.balances()["USDT"].free
    quantity = (free * 10 / D("30000")).quantize(D("0.001"))  # needs half the free margin at 20x
    assert client.place_order(order(Side.BUY, str(quantity)), journal=journal).filled == quantity
    assert venue.stats.requests("/fapi/v1/symbolConfig") == 1
