"""The one formatting module: prices to the tick, quantities to the step, money, percentages, CSV values."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from console import fmt
from console.domain import Market
from console.exchange.rules import SymbolRules

RULES = SymbolRules(symbol="BTC/USDT", market=Market.SPOT, base="BTC", quote="USDT", step_size=D("0.00001"),
                    min_qty=D("0.00001"), max_qty=D("9000"), market_step_size=D("0.00001"),
                    market_min_qty=D("0.00001"), market_max_qty=D("100"), tick_size=D("0.01"),
                    min_price=D("0.01"), max_price=D("1000000"), min_notional=D("5"))


@pytest.mark.parametrize(("value", "tick", "expected"), [
    (D("9403.434920634920634920634921"), D("0.01"), "9403.43"),
    (D("9403.435"), D("0.01"), "9403.44"),
    (D("9382.500000000000000000"), D("0.01"), "9382.50"),
    (D("9382.5"), D("0.10"), "9382.5"),
    (D("67445.9"), D("0.1"), "67445.9"),
    (D("0.000012345"), D("0.00000001"), "0.00001234"),
    (D("123.7"), D("1"), "124"),
    (D("123.7"), D("5"), "125"),
    (D("0E-18"), D("0.01"), "0.00"),
    (D("-0"), D("0.01"), "0.00"),
    (D("-0.001"), D("0.01"), "0.00"),
    (D("1E+30"), D("0.01"), "1000000000000000000000000000000.00"),
    (D("1E-30"), D("0.01"), "0.00"),
    (9403.434920634921, "0.01", "9403.43"),
    ("9403.4", "0.01", "9403.40"),
    (D("9403.43"), RULES, "9403.43"),
    (D("9403.4321"), None, "9403.4321"),
    (None, D("0.01"), ""),
    (float("nan"), D("0.01"), ""),
])
def test_price_goes_to_the_tick(value, tick, expected) -> None:
    assert fmt.price(value, tick) == expected


@pytest.mark.parametrize(("value", "step", "expected"), [
    (D("0.063"), D("0.001"), "0.063"),
    (D("0.01065000"), D("0.00001"), "0.01065"),
    (D("0.01065000"), RULES, "0.01065"),
    (D("2.000000"), D("1"), "2"),
    (D("0E-18"), D("0.001"), "0.000"),
    (D("-0.0"), D("0.001"), "0.000"),
    (D("-0.063"), D("0.001"), "-0.063"),
    (D("1E+30"), D("0.001"), "1000000000000000000000000000000.000"),
    (D("1E-30"), D("0.00000001"), "0.00000000"),
    (None, D("0.001"), ""),
])
def test_quantity_goes_to_the_step(value, step, expected) -> None:
    assert fmt.qty(value, step) == expected


@pytest.mark.parametrize(("value", "asset", "expected"), [
    (D("9790.99676765"), "USDT", "9,791.00 USDT"),
    (D("-297058.58823235"), "USDT", "-297,058.59 USDT"),
    (D("0.2084"), "USDT", "0.21 USDT"),
    (D("19995"), "", "19,995.00"),
    (D("0E-18"), "USDT", "0.00 USDT"),
    (D("-0.001"), "USDT", "0.00 USDT"),
    (D("-0"), "USDT", "0.00 USDT"),
    (D("1E+30"), "USDT", "1,000,000,000,000,000,000,000,000,000,000.00 USDT"),
    (D("1E-30"), "USDT", "0.00 USDT"),
    (12.345, "USDT", "12.34 USDT"),  # half-even, on the float's shortest text
    (None, "USDT", ""),
])
def test_money_has_two_decimals_separators_and_its_asset(value, asset, expected) -> None:
    assert fmt.money(value, asset) == expected


@pytest.mark.parametrize(("fraction", "expected"), [
    (D("0.1234"), "12.3%"),
    (D("0.5"), "50.0%"),
    (D("1"), "100.0%"),
    (D("-0.0001"), "0.0%"),
    (D("0E-18"), "0.0%"),
    (D("1E-30"), "0.0%"),
    (D("1E+3"), "100000.0%"),
    (0.6666666, "66.7%"),
    (None, ""),
])
def test_percentages_have_one_decimal(fraction, expected) -> None:
    assert fmt.pct(fraction) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (D("9382.500000000000000000"), "9382.5"),
    (D("0E-18"), "0"),
    (D("-0"), "0"),
    (D("-0E-8"), "0"),
    (D("1E+30"), "1000000000000000000000000000000"),
    (D("1E-30"), "0.000000000000000000000000000001"),
    (D("-1.2300"), "-1.23"),
    (D("100"), "100"),
    (D("1.0E+2"), "100"),
    (0.1, "0.1"),
    (3, "3"),
    ("0.01065000", "0.01065"),
    (None, ""),
    (float("nan"), ""),
    ("not a number", ""),
])
def test_plain_is_the_exact_value_without_exponent_or_trailing_zeros(value, expected) -> None:
    assert fmt.plain(value) == expected


@pytest.mark.parametrize("write", [
    lambda v: fmt.price(v, D("0.01")), lambda v: fmt.qty(v, D("0.001")), lambda v: fmt.money(v, "USDT"),
    fmt.pct, fmt.plain,
])
@pytest.mark.parametrize("value", [D("0E-18"), D("1E+30"), D("-1E-30"), D("1.5E+7"), D("-0")])
def test_no_function_writes_an_exponent(write, value) -> None:
    assert "E" not in write(value).upper()


@pytest.mark.parametrize(("value", "asset", "unit", "up", "expected"), [
    (D("297058.58823235"), "USDT", D("0.01"), True, "297,058.59 USDT"),   # a shortfall never looks smaller
    (D("9790.99676765"), "USDT", D("0.01"), False, "9,790.99 USDT"),      # what is free never looks larger
    (D("9790.995"), "USDT", D("0.01"), None, "9,791.00 USDT"),
    (D("0.012345678"), "BTC", D("0.00001"), True, "0.01235 BTC"),
    (D("0.012345678"), "BTC", D("0.00001"), False, "0.01234 BTC"),
    (D("1E+3"), "USDT", D("0.01"), None, "1,000.00 USDT"),
    (D("5"), "BTC", D("1"), None, "5 BTC"),
    (None, "USDT", D("0.01"), None, ""),
])
def test_an_amount_goes_to_its_unit_on_the_honest_side(value, asset, unit, up, expected) -> None:
    assert fmt.amount(value, asset, unit, up=up) == expected


@pytest.mark.parametrize(("value", "asset", "expected"), [
    (D("10000"), "USDT", "10,000.00 USDT"),
    (D("10000.005"), "USDC", "10,000.00 USDC"),
    (D("0.010650000000000000"), "BTC", "0.01065 BTC"),
    (D("0.123456789"), "ETH", "0.12345679 ETH"),
    (D("12"), "BNB", "12 BNB"),
    (D("0E-18"), "BTC", "0 BTC"),
    (None, "BTC", ""),
])
def test_a_balance_is_written_with_its_asset(value, asset, expected) -> None:
    assert fmt.balance(value, asset) == expected


def test_amounts_of_a_symbols_assets_go_to_its_step_and_to_the_cent() -> None:
    from console.exchange.precision import amount_of

    assert amount_of(RULES, D("0.0123456"), "BTC", up=True) == "0.01235 BTC"
    assert amount_of(RULES, D("297058.58823235"), "USDT", up=True) == "297,058.59 USDT"
    eth_btc = SymbolRules(symbol="ETH/BTC", market=Market.SPOT, base="ETH", quote="BTC", step_size=D("0.0001"),
                          min_qty=D("0.0001"), max_qty=D("100000"), market_step_size=D("0.0001"),
                          market_min_qty=D("0"), market_max_qty=D("1000"), tick_size=D("0.00001"),
                          min_price=D("0.00001"), max_price=D("922327"), min_notional=D("0.0001"))
    assert amount_of(eth_btc, D("0.0312345"), "BTC", up=False) == "0.03123 BTC"  # finer than a cent: the tick
