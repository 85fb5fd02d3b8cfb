"""The account survives a restart and a crash: state lives in data_dir/paper.duckdb."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from console.domain import Market
from console.exchange.connect import make_ccxt
from console.paper import PaperExchange

from tests.conftest import ROOT
from tests.paper.conftest import KEY, SECRET

D = Decimal


def start(data_dir: Path, spot_rules: Path, futures_rules: Path) -> PaperExchange:
    exchange = PaperExchange(data_dir=data_dir, spot_rules=spot_rules, futures_rules=futures_rules,
                             api_key=KEY, api_secret=SECRET)
    exchange.feed.set_price("BTCUSDT", D("30000"))
    exchange.start()
    return exchange


def clients(exchange: PaperExchange) -> tuple:
    spot = make_ccxt(Market.SPOT, base_url=exchange.base_url, api_key=KEY, api_secret=SECRET)
    futures = make_ccxt(Market.FUTURES, base_url=exchange.base_url, api_key=KEY, api_secret=SECRET)
    return spot, futures


def test_state_survives_stop_and_start(tmp_path: Path, spot_rules: Path, futures_rules: Path) -> None:
    first = start(tmp_path, spot_rules, futures_rules)
    spot, futures = clients(first)
    spot.create_order("BTC/USDT", "market", "buy", 0.01)
    resting = spot.create_order("BTC/USDT", "limit", "buy", 0.001, 29000, {"clientOrderId": "keep-me"})
    futures.set_leverage(7, "BTC/USDT:USDT")
    futures.set_margin_mode("isolated", "ETH/USDT:USDT")
    futures.create_order("BTC/USDT:USDT", "market", "buy", 0.01)
    stop = futures.create_order("BTC/USDT:USDT", "market", "sell", 0.01, None, {"stopLossPrice": 25000, "reduceOnly": True})
    before = (first.spot.balances, first.futures.wallet, first.exchange_orders("spot"), first.exchange_trades("futures"))
    first.stop()
    assert (tmp_path / "paper.duckdb").is_file()

    second = start(tmp_path, spot_rules, futures_rules)
    try:
        assert (second.spot.balances, second.futures.wallet) == before[:2]
        assert second.exchange_orders("spot") == before[2]
        assert second.exchange_trades("futures") == before[3]
        spot, futures = clients(second)
        [position] = futures.fetch_positions(["BTC/USDT:USDT"])
        assert position["contracts"] == 0.01 and futures.fetch_leverage("BTC/USDT:USDT")["longLeverage"] == 7
        assert futures.fapiprivate_get_symbolconfig({"symbol": "ETHUSDT"})[0]["marginType"] == "ISOLATED"
        assert [o["id"] for o in futures.fetch_open_orders("BTC/USDT:USDT", None, None, {"trigger": True})] == [stop["id"]]
        assert spot.fetch_order(None, "BTC/USDT", {"origClientOrderId": "keep-me"})["status"] == "open"
        second.feed.set_price("BTCUSDT", D("28000"))  # the resting order still trades after the restart
        assert spot.fetch_order(resting["id"], "BTC/USDT")["status"] == "closed"
        new = spot.create_order("BTC/USDT", "market", "buy", 0.001)
        assert int(new["id"]) > int(resting["id"])  # ids are never reused
    finally:
        second.stop()


def test_stop_and_start_on_the_same_object(tmp_path: Path, spot_rules: Path, futures_rules: Path) -> None:
    exchange = start(tmp_path, spot_rules, futures_rules)
    spot, _ = clients(exchange)
    spot.create_order("BTC/USDT", "market", "buy", 0.01)
    exchange.stop()
    exchange.start()
    try:
        spot, _ = clients(exchange)
        spot.create_order("BTC/USDT", "market", "sell", 0.005)
        assert len(exchange.exchange_trades("spot")) == 2
    finally:
        exchange.stop()
    again = start(tmp_path, spot_rules, futures_rules)
    try:
        assert len(again.exchange_trades("spot")) == 2
        assert again.spot.balances["BTC"][0] == D("0.00999") - D("0.005")
    finally:
        again.stop()


@pytest.mark.parametrize("sync_writes", [False, True])
def test_an_acknowledged_order_survives_a_crash(tmp_path: Path, spot_rules: Path, futures_rules: Path,
                                                sync_writes: bool) -> None:
    script = textwrap.dedent(f"""
        import os
        from decimal import Decimal
        from pathlib import Path
        from console.paper import PaperExchange
        from console.paper.routes import ROUTES
        ex = PaperExchange(data_dir=Path({str(tmp_path)!r}), spot_rules=Path({str(spot_rules)!r}),
                           sync_writes={sync_writes})
        ex.feed.set_price("BTCUSDT", Decimal("30000"))
        ex.handle("POST", "/api/v3/order", ROUTES[("POST", "/api/v3/order")],
                  {{"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.01", "newClientOrderId": "crash-1"}})
        os._exit(0)  # no stop(), no flush: only what was synced before answering
    """)
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=60)
    exchange = start(tmp_path, spot_rules, futures_rules)
    try:
        [order] = exchange.exchange_orders("spot")
        assert (order["clientOrderId"], order["status"]) == ("crash-1", "FILLED")
        assert exchange.spot.balances["BTC"][0] == D("0.00999")
    finally:
        exchange.stop()
    with duckdb.connect(str(tmp_path / "paper.duckdb")) as con:  # and the journal reached DuckDB itself
        assert con.execute("SELECT count(*) FROM journal").fetchone()[0] >= 1


def test_reset_restores_the_starting_wallet(tmp_path: Path, spot_rules: Path, futures_rules: Path) -> None:
    exchange = start(tmp_path, spot_rules, futures_rules)
    spot, futures = clients(exchange)
    spot.create_order("BTC/USDT", "market", "buy", 0.01)
    futures.create_order("BTC/USDT:USDT", "market", "buy", 0.01)
    exchange.reset()
    assert exchange.exchange_orders("spot") == [] and exchange.exchange_trades("futures") == []
    assert spot.fetch_balance()["USDT"]["free"] == 10000.0
    assert futures.fetch_positions() == []
    exchange.stop()
    again = start(tmp_path, spot_rules, futures_rules)
    try:
        assert again.exchange_orders("spot") == [] and again.spot.balances == {"USDT": [D("10000"), D(0)]}
    finally:
        again.stop()


def test_custom_starting_balances() -> None:
    exchange = PaperExchange(starting_balances={"spot": {"USDT": D("500"), "BTC": D("1")}})
    assert exchange.spot.balances == {"USDT": [D("500"), D(0)], "BTC": [D("1"), D(0)]}
    assert exchange.futures.wallet == D("10000")


def test_journal_log_rewinds_and_replays_exactly_once(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from console.paper.store import Store, REWIND_AFTER
        store = Store(Path({str(tmp_path)!r}))
        store.open()
        n = 0
        while store._pos <= REWIND_AFTER:
            n += 1
            store.append({{"n": n, "pad": "x" * 1500}})
        store.flush()  # into DuckDB; the log starts over
        assert store._pos == 0
        for _ in range(3):
            n += 1
            store.append({{"n": n}})
        store.sync()
        print(n)
        os._exit(0)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=120, capture_output=True, text=True)
    total = int(done.stdout)
    from console.paper.store import Store

    store = Store(tmp_path)
    entries = store.open()
    store.close()
    assert [e["n"] for e in entries] == list(range(1, total + 1))
