"""Spot commissions paid in BNB ("BNB burn"): 0.075 % of the notional at the BNB/quote price."""
from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from console.paper import PaperExchange
from tests.paper.conftest import KEY, PRICES, SECRET

D = Decimal


@pytest.fixture
def exchange() -> Iterator[PaperExchange]:
    """The built-in rules: they list BNB/USDT (the 2025-08-07 snapshot lists no BNB/USDT)."""
    ex = PaperExchange(api_key=KEY, api_secret=SECRET)
    for symbol, price in PRICES.items():
        ex.feed.set_price(symbol, price)
    ex.start()
    yield ex
    ex.stop()


def test_with_bnb_fees_on_and_bnb_held_the_commission_is_paid_in_bnb(spot, exchange: PaperExchange) -> None:
    spot.create_order("BNB/USDT", "market", "buy", 1)  # paid in the received BNB, 0.1 %
    assert exchange.spot.balances["BNB"][0] == D("0.999")
    exchange.spot.bnb_fees = True
    order = spot.create_order("BTC/USDT", "market", "buy", 0.01)
    fill = order["info"]["fills"][0]
    # notional 300.015 USDT * 0.075 % = 0.22501125 USDT, at BNB/USDT 300 = 0.00075004 BNB (8 decimals)
    assert (fill["commission"], fill["commissionAsset"]) == ("0.00075004", "BNB")
    assert exchange.spot.balances["BTC"][0] == D("0.01"), "the whole quantity arrives"
    assert exchange.spot.balances["BNB"][0] == D("0.999") - D("0.00075004")
    sell = spot.create_order("BTC/USDT", "market", "sell", 0.01)
    assert sell["info"]["fills"][0]["commissionAsset"] == "BNB"


def test_without_enough_bnb_the_commission_is_paid_as_usual(spot, exchange: PaperExchange) -> None:
    exchange.spot.bnb_fees = True
    fill = spot.create_order("BTC/USDT", "market", "buy", 0.01)["info"]["fills"][0]
    assert (fill["commission"], fill["commissionAsset"]) == ("0.00001000", "BTC")


def test_the_setting_survives_a_reset() -> None:
    exchange = PaperExchange(bnb_fees=True)
    exchange.reset()
    assert exchange.spot.bnb_fees
