"""Every request the console sends, across its flows, holds against Binance's parameter tables.

The paper exchange records each request as it arrives (before it checks it); each one is then held
against the tables taken from Binance's spec (console.paper.params). The flows: bots entering and
exiting on spot and futures with and without take-profit / stop-loss, the ticket (market, limit,
OCO, leverage, close, cancel) and the kill switch with orders resting and positions open.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from console.config import load_settings
from console.domain import Market
from console.paper.params import ENDPOINTS, validate
from console.paper.protocol import ApiError
from console.service import Console
from console.storage import trades
from tests.engine.conftest import spot_bot

Seen = list[tuple[str, str, dict[str, str]]]
INTERNAL = ("remainder", "keep_remainder", "bot", "bot_id", "owner", "journal", "behind")


def record(exchange) -> Seen:
    seen: Seen = []
    exchange.observers.append(lambda method, path, params: seen.append((method, path, dict(params))))
    return seen


def refused(seen: Seen) -> list[str]:
    """Every recorded request the tables refuse, as 'METHOD path: code msg (params)'."""
    bad = []
    for method, path, params in seen:
        if (method, path) not in ENDPOINTS:
            bad.append(f"{method} {path}: no such endpoint in Binance's spec")
            continue
        try:
            validate(method, path, params)
        except ApiError as e:
            shown = {k: v for k, v in params.items() if k != "signature"}
            bad.append(f"{method} {path}: {e.code} {e.msg} ({shown})")
        leaked = [k for k in params if k in INTERNAL]
        if leaked:
            bad.append(f"{method} {path}: internal field(s) {leaked} on the wire")
    return bad


def endpoints(seen: Seen) -> set[tuple[str, str]]:
    return {(method, path) for method, path, _ in seen}


def test_bots_on_both_markets_with_and_without_protection_send_only_what_binance_reads(stack):
    seen = record(stack.exchange)
    ids = [
        stack.add_bot(**spot_bot(name="spot plain")),
        stack.add_bot(**spot_bot(name="spot protected", take_profit_pct=Decimal("1.5"),
                                 stop_loss_pct=Decimal("1.5"))),
        stack.add_bot(**spot_bot(name="perp plain", market=Market.FUTURES, leverage=3, allow_short=True)),
        stack.add_bot(**spot_bot(name="perp protected", market=Market.FUTURES, leverage=2, allow_short=True,
                                 take_profit_pct=Decimal("1.5"), stop_loss_pct=Decimal("1.5"))),
        stack.add_bot(**spot_bot(name="dca", strategy="dca",
                                 params={"interval_hours": 4, "max_entries": 3, "take_profit_pct": 1})),
    ]
    for bot_id in ids:
        stack.engine.start_bot(bot_id)
    stack.cycles(120)
    cur = stack.db.cursor()
    for bot_id in ids:
        sides = {t.side for t in trades.for_bot(cur, bot_id)}
        assert len(sides) == 2, f"bot {bot_id} should have entered and exited in 120 hours: {sides}"
    assert refused(seen) == []
    hit = endpoints(seen)
    for needed in [("POST", "/api/v3/order"), ("POST", "/api/v3/orderList/oco"), ("POST", "/fapi/v1/order"),
                   ("POST", "/fapi/v1/leverage"), ("POST", "/fapi/v1/marginType"), ("POST", "/fapi/v1/algoOrder")]:
        assert needed in hit, f"the flows never sent {needed}"


@pytest.fixture
def console(tmp_path):
    con = Console(load_settings({"CONSOLE_DATA_DIR": str(tmp_path / "data")}), start_engine=False)
    yield con
    con.close()


def test_the_ticket_and_the_kill_switch_send_only_what_binance_reads(console):
    con = console
    seen = record(con.paper.exchange)
    btc = con.orders.last_price("spot", "BTC/USDT")
    con.orders.preview(market="spot", symbol="BTC/USDT", side="buy", amount="50", amount_in="quote")
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="200", amount_in="quote")
    resting = con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="0.001",
                              price=str((btc * Decimal("0.9")).quantize(Decimal("0.01"))))
    con.orders.cancel("spot", "BTC/USDT", resting.client_order_id)
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="0.001",
                    price=str((btc * Decimal("0.95")).quantize(Decimal("0.01"))))
    con.orders.place_oco(symbol="BTC/USDT", quantity="0.0005",
                  take_profit=str((btc * Decimal("1.05")).quantize(Decimal("0.01"))),
                  stop_loss=str((btc * Decimal("0.95")).quantize(Decimal("0.01"))))
    con.orders.set_leverage("ETH/USDT", 4)
    con.orders.place(market="futures", symbol="ETH/USDT", side="buy", amount="0.05")
    con.orders.close_position("ETH/USDT")
    con.orders.place(market="futures", symbol="BTC/USDT", side="sell", amount="0.002")
    eth = con.orders.last_price("futures", "ETH/USDT")
    con.orders.place(market="futures", symbol="ETH/USDT", side="buy", amount="0.05",
                    price=str((eth * Decimal("0.97")).quantize(Decimal("0.01"))))
    report = con.kill_switch(sell_spot=True)
    assert report.complete, str(report)
    assert con.overview.open_orders().empty
    assert refused(seen) == []
    hit = endpoints(seen)
    for needed in [("POST", "/api/v3/order"), ("DELETE", "/api/v3/order"), ("POST", "/api/v3/orderList/oco"),
                   ("DELETE", "/api/v3/orderList"), ("POST", "/fapi/v1/leverage"), ("POST", "/fapi/v1/order"),
                   ("DELETE", "/fapi/v1/order")]:
        assert needed in hit, f"the flows never sent {needed}"


def test_the_full_ticket_sends_only_what_binance_reads(console):
    """Previews (every kind), limit and stop-limit spot orders, an OCO, a futures entry with its take-profit
    and stop-loss, a futures stop, a cancel of each, a partial and a whole close."""
    con = console
    seen = record(con.paper.exchange)
    btc = con.orders.last_price("spot", "BTC/USDT")
    perp = con.orders.last_price("futures", "BTC/USDT")

    def at(price: Decimal, factor: str) -> str:
        return str((price * Decimal(factor)).quantize(Decimal("1")))

    con.orders.confirm(market="spot", symbol="BTC/USDT", side="buy", amount="300", amount_in="quote")
    spot = [dict(kind="limit", side="buy", amount="0.001", price=at(btc, "0.9")),
            dict(kind="stop_limit", side="sell", amount="0.001", stop_price=at(btc, "0.97"), price=at(btc, "0.96")),
            dict(kind="stop_limit", side="buy", amount="0.001", stop_price=at(btc, "1.03"), price=at(btc, "1.04")),
            dict(kind="take_profit_limit", side="sell", amount="0.001", stop_price=at(btc, "1.03"),
                 price=at(btc, "1.03")),
            dict(kind="take_profit_limit", side="buy", amount="0.001", stop_price=at(btc, "0.97"),
                 price=at(btc, "0.97"))]
    for values in spot:
        ticket = dict(market="spot", symbol="BTC/USDT", amount_in="base", **values)
        con.orders.check(**ticket)
        done = con.orders.confirm(**ticket)
        con.orders.cancel_said("spot", "BTC/USDT", done.orders[0].client_order_id)
    oco = dict(symbol="BTC/USDT", quantity="0.001", take_profit=at(btc, "1.05"), stop_loss=at(btc, "0.95"))
    con.orders.check_oco(**oco)
    legs = con.orders.confirm_oco(**oco).orders
    con.orders.cancel_said("spot", "BTC/USDT", legs[0].client_order_id)

    con.orders.set_leverage("BTC/USDT", 5)
    entry = dict(market="futures", symbol="BTC/USDT", side="buy", amount="0.02", take_profit=at(perp, "1.05"),
                 stop_loss=at(perp, "0.95"))
    con.orders.check(**entry)
    done = con.orders.confirm(**entry)
    assert len(done.orders) == 3, done.text
    for order in done.orders[1:]:
        con.orders.cancel_said("futures", "BTC/USDT", order.client_order_id)
    stop = dict(market="futures", symbol="BTC/USDT", side="sell", kind="stop_market", amount="0.01",
                stop_price=at(perp, "0.9"), reduce_only=True)
    con.orders.check(**stop)
    resting = con.orders.confirm(**stop).orders[0]
    con.orders.cancel_said("futures", "BTC/USDT", resting.client_order_id)
    for kind, trigger, limit_at in (("stop_limit", "0.9", "0.89"), ("take_profit_limit", "1.1", "1.1"),
                                    ("take_profit_market", "1.1", "")):
        conditional = dict(market="futures", symbol="BTC/USDT", side="sell", kind=kind, amount="0.01",
                           stop_price=at(perp, trigger), reduce_only=True)
        if limit_at:
            conditional["price"] = at(perp, limit_at)
        con.orders.check(**conditional)
        placed = con.orders.confirm(**conditional).orders[0]
        assert con.orders.open_orders(), kind
        con.orders.cancel_said("futures", "BTC/USDT", placed.client_order_id)
    limit = dict(market="futures", symbol="BTC/USDT", side="sell", kind="limit", amount="0.01", price=at(perp, "1.02"),
                 reduce_only=True)
    con.orders.check(**limit)
    con.orders.cancel_said("futures", "BTC/USDT", con.orders.confirm(**limit).orders[0].client_order_id)
    con.orders.check_close("BTC/USDT", "50%")
    con.orders.close("BTC/USDT", "50%")
    con.orders.check_close("BTC/USDT")
    con.orders.close("BTC/USDT")
    assert con.orders.positions().empty and con.orders.open_orders() == []
    assert not con.orders.history().empty
    assert refused(seen) == []
    hit = endpoints(seen)
    for needed in [("POST", "/api/v3/order"), ("DELETE", "/api/v3/order"), ("POST", "/api/v3/orderList/oco"),
                   ("DELETE", "/api/v3/orderList"), ("POST", "/fapi/v1/order"), ("DELETE", "/fapi/v1/order"),
                   ("POST", "/fapi/v1/algoOrder"), ("DELETE", "/fapi/v1/algoOrder"),
                   ("GET", "/fapi/v1/leverageBracket"), ("GET", "/fapi/v1/openAlgoOrders")]:
        assert needed in hit, f"the flows never sent {needed}"
