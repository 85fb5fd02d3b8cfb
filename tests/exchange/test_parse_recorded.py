"""Binance's recorded real answers become the domain objects the paper exchange's answers become.

Each recorded raw answer (../shared/data/responses, ccxt's static tests) goes through ccxt's own
parser, offline on the 2025-08-07 markets, then through console.exchange.parse, as a live answer
does. The paper exchange's answer to the same call, over HTTP through ccxt, must fill the same
fields of the same domain objects.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import ccxt
import pytest

from console.domain import AccountTrade, Balance, Market, Order, OrderStatus, OrderType, Position, Side
from console.exchange import parse
from console.exchange.connect import make_ccxt
from console.paper import PaperExchange

D = Decimal
SPOT, FUTURES = Market.SPOT, Market.FUTURES


def utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


@pytest.fixture(scope="module")
def recorded(shared_data: Path) -> dict[str, Any]:
    doc = json.loads((shared_data / "responses" / "binance_real_api_samples_ccxt_static.json").read_text())
    return {name: entry["httpResponse"] for name, entry in doc.items() if name != "_source"}


@pytest.fixture(scope="module")
def offline(ccxt_markets: dict[str, dict]) -> dict[Market, Any]:
    """ccxt's spot and USD-M adapters with the recorded markets set: they parse, never connect."""
    spot, usdm = ccxt.binance(), ccxt.binanceusdm()
    spot.set_markets([m for m in ccxt_markets.values() if m["spot"]])
    usdm.set_markets([m for m in ccxt_markets.values() if m["swap"]])
    return {SPOT: spot, FUTURES: usdm}


def _market(ex: Any, symbol: str) -> dict | None:
    # LTC/USDT and SOL/USDT spot are not among the 25 recorded spot markets: ccxt then parses
    # without one, as it does for a symbol it has not loaded.
    return ex.markets.get(symbol)


def order_of(ex: Any, raw: dict, symbol: str, market: Market) -> Order:
    key = symbol if market is SPOT else f"{symbol}:USDT"
    return parse.parse_order(ex.parse_order(raw, _market(ex, key)), symbol, market)


def trade_of(ex: Any, raw: dict, symbol: str, market: Market) -> AccountTrade:
    key = symbol if market is SPOT else f"{symbol}:USDT"
    return parse.parse_trade(ex.parse_trade(raw, _market(ex, key)), symbol, market)


def position_of(ex: Any, raw: dict, symbol: str) -> Position:
    return parse.parse_position(ex.parse_position_risk(raw, _market(ex, f"{symbol}:USDT")), symbol,
                                leverage=20, isolated=False)


def balances_of(ex: Any, raw: dict, market: Market) -> dict[str, Balance]:
    return parse.parse_balances(ex.parse_balance_custom(raw, "spot" if market is SPOT else "linear"), market)


EXPECTED: dict[str, tuple[Callable[[dict[Market, Any], Any], Any], Any]] = {
    "fetchOrder_spot_market_FILLED": (
        lambda ex, raw: order_of(ex[SPOT], raw, "LTC/USDT", SPOT),
        Order(client_order_id="x-R4BD3S825806ed40c861260428a48c", exchange_order_id="3397148653", symbol="LTC/USDT",
              market=SPOT, side=Side.SELL, type=OrderType.MARKET, status=OrderStatus.FILLED, quantity=D("0.1"),
              average_price=D("90.8"), filled=D("0.1"), quote_filled=D("9.08"), timestamp=utc(1679571174472))),
    "createOrder_spot_limit_iceberg_NEW": (
        lambda ex, raw: order_of(ex[SPOT], raw, "SOL/USDT", SPOT),
        Order(client_order_id="x-R4BD3S824d31be3228a348eaa0a303", exchange_order_id="9780331417", symbol="SOL/USDT",
              market=SPOT, side=Side.BUY, type=OrderType.LIMIT, status=OrderStatus.OPEN, quantity=D("0.05"),
              price=D("241"), timestamp=utc(1737635557417))),
    "fetchOpenOrders_spot_LIMIT_MAKER": (
        lambda ex, raw: order_of(ex[SPOT], raw[0], "LTC/USDT", SPOT),
        Order(client_order_id="x-R4BD3S82102a551f8c1642bba06728", exchange_order_id="3811057334", symbol="LTC/USDT",
              market=SPOT, side=Side.BUY, type=OrderType.LIMIT_MAKER, status=OrderStatus.OPEN, quantity=D("0.2"),
              price=D("50"), timestamp=utc(1699380855570))),
    "fetchMyTrades_spot": (
        lambda ex, raw: trade_of(ex[SPOT], raw[0], "LTC/USDT", SPOT),
        AccountTrade(trade_id="309520010", exchange_order_id="3784695242", symbol="LTC/USDT", market=SPOT,
                     side=Side.SELL, price=D("69.63"), quantity=D("0.2"), quote_quantity=D("13.926"),
                     commission=D("0.013926"), commission_asset="USDT", realized_pnl=None,
                     timestamp=utc(1698138992358))),
    "fetchBalance_spot": (
        lambda ex, raw: balances_of(ex[SPOT], raw, SPOT),
        {"LTC": Balance(asset="LTC", free=D("0.919741")), "ETH": Balance(asset="ETH", free=D("0.02229833"))}),
    "createOrders_usdm_limit_NEW": (
        lambda ex, raw: order_of(ex[FUTURES], raw[0], "BTC/USDT", FUTURES),
        Order(client_order_id="x-xcKtGhcu04075babaeb34c55af79ba", exchange_order_id="4087922044", symbol="BTC/USDT",
              market=FUTURES, side=Side.SELL, type=OrderType.LIMIT, status=OrderStatus.OPEN, quantity=D("0.2"),
              price=D("110001"), timestamp=utc(1739781831932))),
    "fetchOpenOrder_usdm_postonly_GTX": (
        lambda ex, raw: order_of(ex[FUTURES], raw, "LTC/USDT", FUTURES),
        Order(client_order_id="x-xcKtGhcu68f8383451844295b3e8b9", exchange_order_id="664082074", symbol="LTC/USDT",
              market=FUTURES, side=Side.BUY, type=OrderType.LIMIT, status=OrderStatus.OPEN, quantity=D("0.2"),
              price=D("50"), timestamp=utc(1707907323991))),
    "fetchMyTrades_usdm": (
        lambda ex, raw: trade_of(ex[FUTURES], raw[0], "BTC/USDT", FUTURES),
        AccountTrade(trade_id="272536245", exchange_order_id="3524852987", symbol="BTC/USDT", market=FUTURES,
                     side=Side.BUY, price=D("36567.1"), quantity=D("0.01"), quote_quantity=D("365.671"),
                     commission=D("0.1462684"), commission_asset="USDT", realized_pnl=D(0),
                     timestamp=utc(1699972836419))),
    "fetchPositions_usdm": (
        lambda ex, raw: position_of(ex[FUTURES], raw[0], "BTC/USDT"),
        # v3 positionRisk names neither leverage nor margin type: they come from what the client set
        Position(symbol="BTC/USDT", quantity=D("0.009"), entry_price=D("67445.9"), mark_price=D("67582.2"),
                 unrealized_pnl=D("1.2267"), leverage=20, isolated=False, liquidation_price=D("64846.78939917"))),
    "fetchBalance_usdm": (
        lambda ex, raw: balances_of(ex[FUTURES], raw, FUTURES),
        {"USDT": Balance(asset="USDT", free=D("31.022612"))}),
}


def test_every_recorded_answer_is_parsed(recorded: dict[str, Any]) -> None:
    assert set(recorded) - set(EXPECTED) == {"fetchOHLCV_usdm_1m"}  # candles: test_recorded_candles


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_recorded_answer_becomes_the_exact_domain_object(case: str, recorded: dict[str, Any],
                                                         offline: dict[Market, Any]) -> None:
    build, expected = EXPECTED[case]
    assert build(offline, recorded[case]) == expected


def test_recorded_usdm_realized_pnl_and_fee_are_exact_decimals(recorded: dict[str, Any],
                                                              offline: dict[Market, Any]) -> None:
    raw = dict(recorded["fetchMyTrades_usdm"][0], side="SELL", buyer=False, realizedPnl="-0.91539999")
    trade = trade_of(offline[FUTURES], raw, "BTC/USDT", FUTURES)
    assert (trade.side, trade.realized_pnl, trade.commission) == (Side.SELL, D("-0.91539999"), D("0.14626840"))
    assert str(trade.commission) == "0.14626840"  # the exchange's own digits, never through a float


def test_recorded_candles(recorded: dict[str, Any], offline: dict[Market, Any]) -> None:
    usdm = offline[FUTURES]
    rows = usdm.parse_ohlcvs(recorded["fetchOHLCV_usdm_1m"], usdm.markets["BTC/USDT:USDT"], "1m")
    frame = parse.candles_frame(rows, "1m", now_ms=1712738640000)
    assert list(frame["close"]) == [71481.9, 70459.4, 70459.4] and list(frame["volume"]) == [0.002, 0.12, 1.542]
    assert frame["ts"].iloc[0] == utc(1712738460000)


# the paper's answers fill the same fields --------------------------------------------------------
def filled_in(value: Any) -> dict[str, bool]:
    """Which fields of a domain object (or of each in a dict of them) carry a value."""
    if isinstance(value, dict):
        return {key: all(filled_in(v).values()) for key, v in value.items()}
    return {f.name: getattr(value, f.name) not in (None, (), "") for f in fields(value)}


def _paper_cases(venue: PaperExchange) -> dict[str, Any]:
    keys = dict(base_url=venue.base_url, api_key="paper-key", api_secret="paper-secret", timeout_ms=10_000)
    spot, usdm = make_ccxt(SPOT, **keys), make_ccxt(FUTURES, **keys)
    spot.load_markets()
    usdm.load_markets()
    btc, perp = "BTC/USDT", "BTC/USDT:USDT"
    sold = spot.create_order(btc, "market", "buy", 0.001)
    limit = spot.create_order(btc, "limit", "buy", 0.001, 20000)
    spot.create_order(btc, "LIMIT_MAKER", "buy", 0.001, 20000)
    # large enough for the cross wallet not to cover a fall to zero: a liquidation price to report
    usdm.create_order(perp, "market", "buy", 0.4)
    resting = usdm.create_order(perp, "limit", "sell", 0.01, 31000)
    open_perp = usdm.fetch_open_orders(perp)
    return {
        "fetchOrder_spot_market_FILLED": parse.parse_order(spot.fetch_order(sold["id"], btc), btc, SPOT),
        "createOrder_spot_limit_iceberg_NEW": parse.parse_order(limit, btc, SPOT),
        "fetchOpenOrders_spot_LIMIT_MAKER": parse.parse_order(spot.fetch_open_orders(btc)[-1], btc, SPOT),
        "fetchMyTrades_spot": parse.parse_trade(spot.fetch_my_trades(btc)[0], btc, SPOT),
        "fetchBalance_spot": parse.parse_balances(spot.fetch_balance(), SPOT),
        "createOrders_usdm_limit_NEW": parse.parse_order(resting, btc, FUTURES),
        "fetchOpenOrder_usdm_postonly_GTX": parse.parse_order(open_perp[0], btc, FUTURES),
        "fetchMyTrades_usdm": parse.parse_trade(usdm.fetch_my_trades(perp)[0], btc, FUTURES),
        "fetchPositions_usdm": parse.parse_position(usdm.fetch_positions([perp])[0], btc, leverage=20,
                                                    isolated=False),
        "fetchBalance_usdm": parse.parse_balances(usdm.fetch_balance(), FUTURES),
    }


def test_paper_answers_fill_the_fields_real_answers_fill(recorded: dict[str, Any], offline: dict[Market, Any],
                                                         venue: PaperExchange) -> None:
    ours = _paper_cases(venue)
    for case, (build, _) in EXPECTED.items():
        real = build(offline, recorded[case])
        if isinstance(real, dict):  # balances: every asset the real account holds is a Balance like ours
            assert {type(b) for b in ours[case].values()} == {Balance} and all(filled_in(real).values()), case
            continue
        assert filled_in(ours[case]) == filled_in(real), case
