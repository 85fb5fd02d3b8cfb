"""Normalisation tables with the real Binance rules of 2025-08-07; expected values worked by hand."""
from __future__ import annotations

import json
import re
from decimal import Decimal as D

import pytest

from console.domain import Market
from console.errors import InvalidOrder
from console.exchange.rules import rules_from_ccxt_market
from console.exchange.precision import (
    Rounding,
    check_notional,
    check_price_band,
    check_quote_amount,
    check_remainder,
    floor_to_step,
    normalize_price,
    normalize_quantity,
    round_to_tick,
    sellable,
    shown,
    smallest_quantity,
)

SPOT, FUT = Market.SPOT, Market.FUTURES


def test_rules_read_exactly_from_the_filters(rules):
    btc = rules("BTC/USDT")
    assert (btc.step_size, btc.min_qty, btc.max_qty) == (D("0.00001"), D("0.00001"), D("9000"))
    assert (btc.market_step_size, btc.market_max_qty) == (D(0), D("97.09521512"))
    assert (btc.tick_size, btc.min_price, btc.min_notional) == (D("0.01"), D("0.01"), D("5"))
    assert btc.taker_fee == D("0.001")
    fut = rules("BTC/USDT", FUT)
    assert (fut.step_size, fut.market_max_qty, fut.tick_size) == (D("0.001"), D("120"), D("0.1"))
    assert (fut.min_price, fut.min_notional, fut.taker_fee) == (D("556.8"), D("100"), D("0.0005"))
    assert fut.symbol == "BTC/USDT" and fut.base == "BTC" and fut.quote == "USDT"


@pytest.mark.parametrize("raw_file, market", [
    ("binance_spot_exchangeInfo_2025-08-07.json", SPOT),
    ("binance_usdm_exchangeInfo_2025-08-07.json", FUT),
])
def test_raw_exchange_info_gives_the_same_rules_as_ccxt_markets(exchange_info_dir, ccxt_markets, raw_file, market):
    raw = json.loads((exchange_info_dir / raw_file).read_text())
    by_id = {m["id"]: m for m in ccxt_markets.values() if (m["type"] == "spot") == (market is SPOT)}
    checked = 0
    for info in raw["symbols"]:
        if info["symbol"] not in by_id:
            continue
        unified = by_id[info["symbol"]]  # ccxt renames a few assets (YOYO -> YOYOW)
        from_raw = rules_from_ccxt_market({"base": unified["base"], "quote": unified["quote"], "info": info,
                                           "taker": unified["taker"], "maker": unified["maker"]}, market)
        assert from_raw == rules_from_ccxt_market(unified, market)
        checked += 1
    assert checked >= 20


def test_notional_range_price_bands_and_order_counts_are_read(rules, exchange_info_dir):
    btc = rules("BTC/USDT")
    assert (btc.max_notional, btc.max_notional_applies_to_market, btc.avg_price_mins) == (D("9000000"), False, 5)
    assert (btc.buy_price_up, btc.buy_price_down, btc.sell_price_up, btc.sell_price_down) == (D(5), D("0.2"), D(5), D("0.2"))
    assert (btc.max_num_orders, btc.max_num_algo_orders) == (200, 5)
    fut = rules("BTC/USDT", FUT)  # USD-M PERCENT_PRICE bounds a buy from above and a sell from below only
    assert (fut.buy_price_up, fut.buy_price_down, fut.sell_price_up, fut.sell_price_down) == (D("1.05"), 0, 0, D("0.95"))
    assert (fut.max_notional, fut.max_num_orders, fut.max_num_algo_orders) == (0, 200, 10)
    raw = json.loads((exchange_info_dir / "binance_spot_exchangeInfo_2021-04-02_20symbols.json").read_text())
    info = next(s for s in raw["symbols"] if s["symbol"] == "BNBBUSD")  # legacy PERCENT_PRICE, both sides alike
    bnb = rules_from_ccxt_market({"base": "BNB", "quote": "BUSD", "info": info}, SPOT)
    assert (bnb.buy_price_up, bnb.buy_price_down, bnb.sell_price_up, bnb.sell_price_down) == (D(5), D("0.2"), D(5), D("0.2"))
    assert (bnb.min_notional, bnb.max_notional) == (D(10), D(10000))


def test_legacy_min_notional_filter_with_apply_to_market(exchange_info_dir):
    raw = json.loads((exchange_info_dir / "binance_spot_exchangeInfo_2021-04-02_20symbols.json").read_text())
    info = next(s for s in raw["symbols"] if s["symbol"] == "BTCUSDT")
    r = rules_from_ccxt_market({"base": "BTC", "quote": "USDT", "info": info}, SPOT)
    assert (r.step_size, r.min_qty, r.min_notional, r.min_notional_applies_to_market) == (
        D("0.000001"), D("0.000001"), D("10"), True)


@pytest.mark.parametrize("symbol, market, quantity, market_order, expected", [
    ("BTC/USDT", SPOT, "0.123456", True, "0.12345"),      # floor to the 0.00001 step
    ("BTC/USDT", SPOT, "0.000019", True, "0.00001"),
    ("BTC/USDT", SPOT, "0.00001", False, "0.00001"),       # exactly the minimum
    ("BTC/USDT", SPOT, "100", False, "100"),               # LOT_SIZE allows 9000 for limit orders
    ("ETH/USDT", SPOT, "1.23456789", True, "1.2345"),
    ("LTC/BTC", SPOT, "2.9999", False, "2.999"),
    ("LRC/BTC", SPOT, "17.9", True, "17"),                 # whole units only
    ("BTC/USDT", FUT, "0.0125", True, "0.012"),
    ("XRP/USDT", FUT, "123.456", True, "123.4"),
    ("TRX/USDT", FUT, "99.99", False, "99"),
    ("BTC/USDT", FUT, "120", True, "120"),                 # MARKET_LOT_SIZE max, inclusive
])
def test_quantity_is_floored_to_the_step(rules, symbol, market, quantity, market_order, expected):
    assert normalize_quantity(rules(symbol, market), D(quantity), market_order=market_order) == D(expected)


@pytest.mark.parametrize("symbol, market, quantity, market_order, fix", [
    ("BTC/USDT", SPOT, "0.000004", True, "0.000004 BTC is below the minimum 0.00001 BTC for BTC/USDT; buy at least"),
    ("BTC/USDT", SPOT, "100", True, "above the maximum 97.09521512 BTC for market orders on BTC/USDT; lower it, or split"),
    ("BTC/USDT", FUT, "120.001", True, "above the maximum 120 BTC"),
    ("BTC/USDT", FUT, "1000.5", False, "above the maximum 1000 BTC for orders"),
    ("BTC/USDT", FUT, "0.0009", True, "below the minimum 0.001 BTC"),
    ("BTC/USDT", SPOT, "0", True, "must be a positive number of BTC"),
    ("BTC/USDT", SPOT, "-1", False, "must be a positive number of BTC"),
])
def test_quantity_that_cannot_be_made_valid_says_the_fix(rules, symbol, market, quantity, market_order, fix):
    with pytest.raises(InvalidOrder, match=fix.replace(".", r"\.")):
        normalize_quantity(rules(symbol, market), D(quantity), market_order=market_order)


def test_below_minimum_names_the_least_amount_and_its_value(rules):
    # at 95,000 the 5 USDT min notional needs 5/95000 = 0.0000526 -> 0.00006 BTC (5.70 USDT)
    with pytest.raises(InvalidOrder) as caught:
        normalize_quantity(rules("BTC/USDT"), D("0.000004"), market_order=True, price=D("95000"))
    assert str(caught.value).endswith("buy at least 0.00006 BTC (≈ 5.7 USDT)")


@pytest.mark.parametrize("symbol, market, price, rounding, expected", [
    ("BTC/USDT", SPOT, "30000.005", Rounding.NEAREST, "30000.01"),  # half up, like price_to_precision
    ("BTC/USDT", SPOT, "30000.004", Rounding.NEAREST, "30000"),
    ("BTC/USDT", SPOT, "30000.009", Rounding.DOWN, "30000"),
    ("BTC/USDT", SPOT, "30000.001", Rounding.UP, "30000.01"),
    ("BTC/USDT", SPOT, "30000.01", Rounding.UP, "30000.01"),       # already on the grid
    ("ETH/BTC", SPOT, "0.0312345", Rounding.NEAREST, "0.03123"),
    ("BTC/USDT", FUT, "30000.05", Rounding.NEAREST, "30000.1"),
    ("BTC/USDT", FUT, "30000.07", Rounding.DOWN, "30000"),
    ("VET/USDT", FUT, "0.0234561", Rounding.UP, "0.023457"),
    ("ADA/USDT", FUT, "0.35555", Rounding.NEAREST, "0.3556"),
])
def test_price_goes_to_the_tick(rules, symbol, market, price, rounding, expected):
    assert normalize_price(rules(symbol, market), D(price), rounding) == D(expected)


@pytest.mark.parametrize("symbol, market, price, fix", [
    ("BTC/USDT", FUT, "500", "below the minimum 556.8 USDT for BTC/USDT; use a price of at least 556.8"),
    ("BTC/USDT", SPOT, "2000000", "above the maximum 1000000 USDT"),
    ("BTC/USDT", SPOT, "0", "must be a positive number of USDT"),
])
def test_price_outside_the_filter_says_the_fix(rules, symbol, market, price, fix):
    with pytest.raises(InvalidOrder, match=fix):
        normalize_price(rules(symbol, market), D(price))


@pytest.mark.parametrize("symbol, market, quantity, price, reduce_only, ok", [
    ("BTC/USDT", SPOT, "0.0001", "30000", False, False),    # 3 USDT < 5
    ("BTC/USDT", SPOT, "0.00017", "30000", False, True),    # 5.1 USDT
    ("BTC/USDT", FUT, "0.003", "30000", False, False),      # 90 USDT < 100
    ("BTC/USDT", FUT, "0.004", "30000", False, True),       # 120 USDT
    ("BTC/USDT", FUT, "0.003", "30000", True, True),        # reduce-only closes are exempt
    ("ETH/USDT", FUT, "0.007", "3000", False, True),        # 21 USDT >= 20
    ("ETH/USDT", FUT, "0.006", "3000", False, False),       # 18 USDT < 20
])
def test_min_notional_is_checked_at_the_price_used(rules, symbol, market, quantity, price, reduce_only, ok):
    r = rules(symbol, market)
    if ok:
        assert check_notional(r, D(quantity), D(price), market_order=True, reduce_only=reduce_only) == D(quantity) * D(price)
    else:
        with pytest.raises(InvalidOrder, match="below the minimum order value"):
            check_notional(r, D(quantity), D(price), market_order=True, reduce_only=reduce_only)


def test_notional_error_names_the_smallest_order(rules):
    with pytest.raises(InvalidOrder, match=r"buy at least 0\.00017 BTC \(≈ 5\.1 USDT\)"):
        check_notional(rules("BTC/USDT"), D("0.0001"), D("30000"), market_order=True)
    assert smallest_quantity(rules("BTC/USDT", FUT), D("30000"), market_order=True) == D("0.004")


@pytest.mark.parametrize("held, quantity, price, remainder", [
    ("0.01", "0.01", "30000", "0"),            # sell all
    ("0.010004", "0.01", "30000", "0.000004"),  # sub-step remainder is unavoidable
    ("0.01", "0.005", "30000", "0.005"),        # 150 USDT left: sellable later
])
def test_remainder_that_can_be_sold_later_is_allowed(rules, held, quantity, price, remainder):
    assert check_remainder(rules("BTC/USDT"), D(held), D(quantity), D(price)) == D(remainder)


def test_partial_sell_leaving_dust_is_refused_with_sell_all(rules):
    # 0.0001 BTC left at 30,000 is 3 USDT, below the 5 USDT minimum: it could never be sold
    with pytest.raises(InvalidOrder, match=r"would leave 0\.0001 BTC \(≈ 3 USDT\).*sell all 0\.0101 BTC instead"):
        check_remainder(rules("BTC/USDT"), D("0.0101"), D("0.01"), D("30000"))
    assert not sellable(rules("BTC/USDT"), D("0.0001"), D("30000"))
    assert sellable(rules("BTC/USDT"), D("0.0002"), D("30000"))


@pytest.mark.parametrize("symbol, market, quantity, price, market_order, fix", [
    ("BTC/USDT", SPOT, "100", "95000", False, "is worth 9500000 USDT, above the maximum order value 9000000 USDT for "
                                               "BTC/USDT; buy at most 94.73684 BTC"),
    ("BTC/USDT", SPOT, "90.00001", "100000", False, "above the maximum order value 9000000 USDT"),
    ("BTC/USDT", SPOT, "0.0001", "49999.99", False, "below the minimum order value 5 USDT"),
    ("BTC/USDT", SPOT, "0.00009", "50000", True, "below the minimum order value 5 USDT"),
    ("BTC/USDT", FUT, "0.004", "24999.9", False, "below the minimum order value 100 USDT"),
])
def test_notional_outside_the_range_says_the_fix(rules, symbol, market, quantity, price, market_order, fix):
    with pytest.raises(InvalidOrder, match=re.escape(fix)):
        check_notional(rules(symbol, market), D(quantity), D(price), market_order=market_order)


@pytest.mark.parametrize("symbol, market, quantity, price, market_order", [
    ("BTC/USDT", SPOT, "90", "100000", False),      # exactly the 9M maximum
    ("BTC/USDT", SPOT, "97", "95000", True),        # 9.2M: applyMaxToMarket is false
    ("BTC/USDT", SPOT, "0.0001", "50000", False),   # exactly the 5 USDT minimum, in Decimal
    ("BTC/USDT", SPOT, "0.00016", "31250", True),
    ("BTC/USDT", FUT, "0.004", "25000", False),     # exactly 100
    ("BTC/USDT", FUT, "1000", "4529764", False),    # USD-M has no maximum notional filter
])
def test_notional_within_the_range_or_at_a_bound_passes(rules, symbol, market, quantity, price, market_order):
    assert check_notional(rules(symbol, market), D(quantity), D(price), market_order=market_order) == D(quantity) * D(price)


@pytest.mark.parametrize("amount, expected", [("5", "5"), ("5.009", "5"), ("100.009", "100"), ("8999999.99", "8999999.99")])
def test_a_quote_amount_is_floored_to_the_tick_and_checked_as_the_notional(rules, amount, expected):
    assert check_quote_amount(rules("BTC/USDT"), D(amount)) == D(expected)


@pytest.mark.parametrize("amount, fix", [
    ("4.99", "4.99 USDT is below the minimum order value 5 USDT for BTC/USDT; buy at least 5 USDT worth"),
    ("0.001", "below the minimum order value 5 USDT"),
    ("1E+30", "amount 1E+30 USDT is far above anything BTC/USDT trades"),
    ("NaN", "amount NaN for BTC/USDT must be a positive number of USDT"),
    ("-5", "must be a positive number of USDT"),
])
def test_a_quote_amount_that_cannot_be_sent_says_the_fix(rules, amount, fix):
    with pytest.raises(InvalidOrder, match=re.escape(fix)):
        check_quote_amount(rules("BTC/USDT"), D(amount))


@pytest.mark.parametrize("market, price, reference, buy, fix", [
    (SPOT, "150000", "30000", True, None),             # 5 x the average price, inclusive
    (SPOT, "150000.01", "30000", True, "above 150000 USDT, the highest a buy order on BTC/USDT may have now "
                                       "(5 × the average price 30000); lower the price"),
    (SPOT, "6000", "30000", True, None),               # 0.2 x, inclusive
    (SPOT, "5999.99", "30000", True, "below 6000 USDT, the lowest a buy order"),
    (SPOT, "150000.01", "30000", False, "the highest a sell order"),
    (SPOT, "5999.99", "30000", False, "the lowest a sell order"),
    (SPOT, "1", "0", True, None),                      # no reference price: nothing to check
    (FUT, "31500", "30000", True, None),               # 1.05 x the mark price
    (FUT, "31500.1", "30000", True, "above 31500 USDT, the highest a buy order on BTC/USDT may have now "
                                    "(1.05 × the mark price 30000)"),
    (FUT, "600", "30000", True, None),                 # a buy has no floor
    (FUT, "28499.9", "30000", False, "below 28500 USDT, the lowest a sell order"),
    (FUT, "4000000", "30000", False, None),            # a sell has no ceiling
])
def test_limit_price_band_around_the_reference(rules, market, price, reference, buy, fix):
    check = lambda: check_price_band(rules("BTC/USDT", market), D(price), D(reference), buy=buy)  # noqa: E731
    if fix is None:
        check()
    else:
        with pytest.raises(InvalidOrder, match=re.escape(fix)):
            check()


@pytest.mark.parametrize("value, text", [
    ("95000", "95000"), ("0.00001", "0.00001"), ("1E+30", "1E+30"), ("1E-30", "1E-30"), ("NaN", "NaN"),
    ("-Infinity", "-Infinity"), ("123456789012345678901234", "1.234568E+23"),
    ("4115226300411522630.041133333", "4.115226E+18"), ("12345678901234567890", "12345678901234567890"),
])
def test_numbers_in_messages_stay_short(value, text):
    assert shown(D(value)) == text


@pytest.mark.parametrize("value, step, floored", [
    ("99999999999999999999.99999999", "0.00000001", "99999999999999999999.99999999"),  # 20 + 8 digits: past 28
    ("12345678901234567890.123456789", "0.0001", "12345678901234567890.1234"),
])
def test_rounding_keeps_every_digit_binance_reads(value, step, floored):
    assert floor_to_step(D(value), D(step)) == D(floored)
    assert round_to_tick(D(value), D(step), Rounding.DOWN) == D(floored)
