"""Every page of a busy session writes numbers as a trader reads them: no ``None``, no exponent, prices
to the tick and quantities to the step, bot names instead of ids; the trades CSV likewise."""
from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from console.domain import Market
from tests.ui.conftest import dca_form, displayed, run_page

PAGES = ["streamlit_app.py", "1_Overview.py", "2_Bots.py", "3_Order_ticket.py", "4_Trades_and_PnL.py",
         "5_Settings.py", "6_Data.py", "7_Backtest.py", "8_Bot.py", "9_Notifications.py"]
PRICES = ("price", "entry_price", "mark_price", "last_price", "stop_price")
QUANTITIES = ("quantity", "position")
EXPONENT = re.compile(r"(?<![\w.-])-?\d+(?:\.\d+)?[eE][+-]?\d+(?![\w.])")  # 1E+30, 0E-18, 1.5e-07
NONE = re.compile(r"\b(?:None|nan|NaN|NaT)\b")


@pytest.fixture
def busy(con):
    """Bots that traded on spot and futures, orders by hand, open orders, a futures position."""
    spot = con.bots.create(dca_form("spot stacker"))
    futures = con.bots.create(dca_form("futures stacker") | {"market": "futures", "size": "250"})
    for bot_id in (spot, futures):
        con.bots.start(bot_id)
    con.engine.run_cycle()  # each buys on its first tick
    con.engine.run_cycle()  # and reads its position on the next
    con.bots.stop(futures)
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="333.33", amount_in="quote")
    con.orders.place(market="spot", symbol="BTC/USDT", side="sell", amount="0.00123", amount_in="base")
    con.orders.place(market="futures", symbol="BTC/USDT", side="buy", amount="177.77", amount_in="quote")
    price = con.orders.last_price("spot", "BTC/USDT")
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="0.001", price=str(price * 9 / 10))
    con.orders.place(market="futures", symbol="BTC/USDT", side="sell", amount="0.003",
                     price=str(price * Decimal("1.1")))
    con.engine.snapshot_balances()
    return con


def decimals(text: str) -> int:
    """How many decimals a written number has (0 for a whole one)."""
    return len(text.split(".")[1]) if "." in text else 0


def written(value: object) -> str:
    return "" if value is None else f"{value:f}" if isinstance(value, Decimal) else str(value)


def check_table(con, table: pd.DataFrame, where: str) -> list[str]:
    """What in one shown table a trader should not read."""
    found = []
    if "bot_id" in table.columns:
        found.append(f"{where}: a bot_id column instead of the bot's name")
    for name in table.columns:
        for i, value in enumerate(table[name]):
            text = written(value)
            if NONE.search(text) or EXPONENT.search(text):
                found.append(f"{where} {name}[{i}]: {text!r}")
    if "symbol" not in table.columns:
        return found
    for i, row in table.reset_index(drop=True).iterrows():
        market = Market(row["market"]) if "market" in table.columns else Market.FUTURES
        rules = con.client(market).rules(row["symbol"])
        for name, unit in [*((p, rules.tick_size) for p in PRICES), *((q, rules.step_size) for q in QUANTITIES)]:
            text = written(row.get(name, ""))
            if text and text != "nan" and decimals(text) > decimals(f"{unit.normalize():f}"):
                found.append(f"{where} {name}[{i}]: {text!r} has more decimals than {unit.normalize()}")
    return found


def check_page(con, at: AppTest, page: str) -> list[str]:
    found = [f"{page}: exception {e.value}" for e in at.exception]
    for n, shown in enumerate(at.dataframe):
        found += check_table(con, displayed(shown), f"{page} table {n}")
    texts = [(m.label, m.value) for m in at.metric]
    for kind in ("markdown", "caption", "success", "error", "warning", "info"):
        texts += [(kind, str(e.value)) for e in getattr(at, kind)]
    for kind, text in texts:
        if NONE.search(text) or EXPONENT.search(text):
            found.append(f"{page} {kind}: {text!r}")
    return found


def test_every_page_of_a_busy_session_writes_numbers_as_a_trader_reads_them(busy) -> None:
    found = []
    for page in PAGES:
        at = run_page(page)
        found += check_page(busy, at, page)
    assert not found, "\n".join(found)


def test_the_backtest_page_after_runs_writes_numbers_as_a_trader_reads_them(busy, shared_data) -> None:
    from datetime import date

    from tests.ui.test_backtest_page import BTC_1H, run_backtest

    busy.history.import_csv((shared_data / BTC_1H).read_bytes(), market="spot", symbol="BTCUSDT", timeframe="1h")
    at = run_page("7_Backtest.py")
    run_backtest(at, busy, tp="2", sl="1")
    at.button(key="bt_save").click().run()
    at.date_input(key="bt_to").set_value(date(2021, 1, 31))
    at.button(key="bt_run").click().run()
    busy.backtests.wait(60)
    at.run()
    at.button(key="bt_save").click().run()
    at.multiselect(key="bt_compare").set_value(list(busy.backtests.saved()["id"])).run()
    assert len(at.metric) >= 12 and len(at.dataframe) >= 4  # metrics, trades, saved runs, comparison
    found = check_page(busy, at, "7_Backtest.py")
    assert not found, "\n".join(found)


def test_the_busy_pages_show_bot_names_and_their_positions(busy) -> None:
    bots = run_page("2_Bots.py")
    log = next(d.value for d in bots.dataframe if "message" in d.value.columns)
    assert {"spot stacker", "futures stacker"} <= set(log["bot"])
    spot_line = next(str(m.value) for m in bots.markdown
                     if str(m.value).startswith(("**spot stacker**", "**[spot stacker]")))
    held = re.search(r"position (\S+)", spot_line).group(1)
    assert Decimal(held) > 0
    assert decimals(held) <= decimals(f"{busy.client(Market.SPOT).rules('BTC/USDT').step_size.normalize():f}")
    assert "PnL today: " in spot_line and decimals(spot_line.rsplit("PnL today: ", 1)[1]) == 2
    pnl = run_page("4_Trades_and_PnL.py")
    trades = next(d.value for d in pnl.dataframe if "client_order_id" in d.value.columns)
    assert {"spot stacker", "futures stacker", ""} <= set(trades["bot"])  # "" by hand
    ticket = run_page("3_Order_ticket.py")
    line = next(str(m.value) for m in ticket.markdown if str(m.value).startswith("**BTC/USDT** long"))
    size, price = re.search(r"long (\S+) @ (\S+) ·", line).groups()
    rules = busy.client(Market.FUTURES).rules("BTC/USDT")
    assert decimals(size) <= decimals(f"{rules.step_size.normalize():f}")
    assert decimals(price) <= decimals(f"{rules.tick_size.normalize():f}")


def test_the_trades_csv_of_a_busy_session_is_plain(busy) -> None:
    text = busy.analytics.trades_csv(busy.analytics.filters()).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) >= 5
    assert not EXPONENT.search(text) and not NONE.search(text)
    for row in rows:
        assert row["ts"].endswith("Z")
        for name in ("price", "quantity", "quote_quantity", "commission", "pnl", "realized_pnl"):
            value = row[name]
            assert value == "" or value == "0" or not value.endswith("0") or "." not in value, (name, value)
            assert value == "" or Decimal(value).is_finite()
    assert {"spot stacker", "futures stacker", ""} <= {r["bot"] for r in rows}


def shown_table(frame: pd.DataFrame) -> AppTest:
    """Draw ``frame`` with ``ui.table`` in a script of its own and return the run."""
    def script(frame) -> None:
        from console import ui

        ui.table(frame, key="shown")

    return AppTest.from_function(script, args=(frame,), default_timeout=30).run()


def column_types(element) -> dict[str, str]:
    """The column_config type of each column a shown table names."""
    config = json.loads(element.proto.columns)
    return {name: spec.get("type_config", {}).get("type", "") for name, spec in config.items()}


def test_a_table_is_shown_with_blanks_labels_money_and_utc_times() -> None:
    from datetime import datetime

    frame = pd.DataFrame({
        "id": [1, 2], "bot_id": [3, None], "bot": ["grid", ""],
        "ts": [datetime(2026, 12, 2, 10), datetime(2026, 12, 2, 11)],
        "entry_price": [Decimal("9403.43"), None], "pnl_today": [Decimal("0.2084"), Decimal("-0E-18")],
        "commission": [5.51e-06, float("nan")], "next_run": [datetime(2026, 12, 2, 10), None],
    })
    at = shown_table(frame)
    assert not at.exception
    [element] = at.dataframe
    shown = displayed(element)
    assert list(shown.columns) == ["bot", "ts", "entry_price", "pnl_today", "commission", "next_run"]
    assert list(shown["entry_price"]) == ["9403.43", ""] and list(shown["pnl_today"]) == ["0.21", "0.00"]
    assert list(shown["commission"]) == ["0.00000551", ""]
    assert list(shown["next_run"]) == ["2026-12-02 10:00 UTC", ""]
    config = json.loads(element.proto.columns)
    assert config["ts"]["label"] == "time (UTC)" and config["entry_price"]["label"] == "entry price"


def test_number_columns_sort_as_numbers_and_read_as_each_rows_tick() -> None:
    frame = pd.DataFrame({
        "symbol": ["BTC/USDT", "ETH/BTC", "BTC/USDT", "DOGE/USDT"],
        "price": [Decimal("94034.35"), Decimal("0.03123"), Decimal("9.5"), Decimal("0.16321")],
        "quantity": [Decimal("0.00106"), Decimal("12.3456"), Decimal("100"), None],
        "pnl": [Decimal("-1234.5"), Decimal("0.004"), Decimal("10"), Decimal("2.346")],
        "note": ["a", "b", "c", "d"],
    })
    at = shown_table(frame)
    [element] = at.dataframe
    behind, shown = element.value, displayed(element)
    types = column_types(element)
    for name in ("price", "quantity", "pnl"):
        assert pd.api.types.is_float_dtype(behind[name]), name  # a click on the header sorts by value
        assert types[name] == "number", name
    assert types["note"] != "number" and types["symbol"] != "number"
    assert sorted(behind["price"]) == [0.03123, 0.16321, 9.5, 94034.35]  # not "0.03", "0.16", "9.5", "94034"
    assert list(shown["price"]) == ["94034.35", "0.03123", "9.5", "0.16321"]  # each row as its symbol wrote it
    assert list(shown["quantity"]) == ["0.00106", "12.3456", "100", ""]
    assert list(shown["pnl"]) == ["-1,234.50", "0.00", "10.00", "2.35"]


def test_balances_read_as_money_with_their_asset_and_sort_as_numbers() -> None:
    frame = pd.DataFrame({"market": ["spot", "spot", "futures"], "asset": ["USDT", "BTC", "USDT"],
                          "free": [Decimal("10000"), Decimal("0.01065000"), Decimal("0")],
                          "locked": [Decimal("0"), Decimal("0"), Decimal("0")],
                          "total": [Decimal("10000"), Decimal("0.01065000"), Decimal("0E-18")]})
    at = shown_table(frame)
    [element] = at.dataframe
    shown = displayed(element)
    assert list(shown["free"]) == ["10,000.00 USDT", "0.01065 BTC", "0.00 USDT"]
    assert list(shown["locked"]) == ["0.00 USDT", "0 BTC", "0.00 USDT"]  # one 0, written per asset
    assert list(element.value["total"]) == [10000.0, 0.01065, 0.0]


def test_the_bot_form_names_each_sizing_in_words(con) -> None:
    at = run_page("2_Bots.py")
    [sizing] = [s for s in at.selectbox if s.key and s.key.endswith("_sizing")][:1]
    assert sizing.options == ["Fixed quote amount", "Fraction of free balance", "Risk per trade"]
    assert sizing.value == "fixed_quote"  # the form still hands the enum value to the facade
    assert "fixed_quote" not in sizing.help


def test_a_bots_last_order_reads_to_the_step_and_tick(busy) -> None:
    status = busy.bots.status().set_index("name")
    for name, market in (("spot stacker", Market.SPOT), ("futures stacker", Market.FUTURES)):
        line = status.loc[name, "last_order"]
        side, size, symbol, at_, price = line.split(" ")
        rules = busy.client(market).rules(symbol)
        assert (side, symbol, at_) == ("buy", "BTC/USDT", "@") and Decimal(size) > 0
        assert decimals(size) <= decimals(f"{rules.step_size.normalize():f}"), line
        assert decimals(price) <= decimals(f"{rules.tick_size.normalize():f}"), line
        assert not EXPONENT.search(line) and not size.endswith("0")


def test_a_shortfall_reads_as_money_with_its_asset(con) -> None:
    from console.errors import InsufficientBalance

    with pytest.raises(InsufficientBalance) as caught:
        con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="3", amount_in="base")
    text = str(caught.value)
    need, free, short = re.search(r"needs ([\d,]+\.\d\d) USDT of free balance, ([\d,]+\.\d\d) USDT is free: "
                                  r"short by ([\d,]+\.\d\d) USDT; deposit or trade less", text).groups()
    assert free == "10,000.00"
    held = Decimal(need.replace(",", "")) - Decimal(free.replace(",", ""))
    assert Decimal(short.replace(",", "")) - held in (0, Decimal("0.01"))  # rounded up, never below
    with pytest.raises(InsufficientBalance, match=r"needs 1\.00000 BTC of free balance, 0\.00000 BTC is free: "
                                                   r"short by 1\.00000 BTC"):
        con.orders.place(market="spot", symbol="BTC/USDT", side="sell", amount="1", amount_in="base")
