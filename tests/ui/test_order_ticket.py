"""Order ticket: every order previewed in full before its Confirm, refusals in words before the click,
limit and stop orders, futures take-profit / stop-loss, OCO, partial close, owners, history."""
from __future__ import annotations

from decimal import Decimal

import pytest

from console.domain import Market
from console.errors import OrderRejected
from console.exchange.connect import make_ccxt
from tests.ui.conftest import dca_form, frame, run_page, texts


def ticket(at, *, market: str = "spot", side: str = "buy", amount: str = "100", amount_in: str = "quote",
           kind: str = "market", price: str = "", stop: str = "", reduce_only: bool = False, tp: str = "",
           sl: str = "", symbol: str = "BTC/USDT") -> None:
    """Fill the ticket and press Preview."""
    at.radio(key="ticket_market").set_value(market).run()
    at.selectbox(key=f"ticket_symbol_{market}").set_value(symbol)
    at.radio(key=f"ticket_kind_{market}").set_value(kind).run()
    at.radio(key="ticket_side").set_value(side)
    at.radio(key="ticket_in").set_value(amount_in)
    at.text_input(key="ticket_amount").input(amount)
    if price:
        at.text_input(key="ticket_price").input(price)
    if stop:
        at.text_input(key="ticket_stop").input(stop)
    if market == "futures":
        at.checkbox(key="ticket_reduce").set_value(reduce_only).run()
        if tp or sl:
            at.text_input(key="ticket_tp").input(tp)
            at.text_input(key="ticket_sl").input(sl)
    at.button(key="ticket_preview_button").click().run()


def shown(at) -> dict[str, str]:
    """The ticket's preview as {what: value}."""
    table = frame(at, "what")
    return dict(zip(table["what"], table["value"]))


def confirms(at, key: str = "ticket_confirm") -> bool:
    return any(b.key == key for b in at.button)


def every_text(at) -> str:
    return "\n".join(texts(part) for part in (at.error, at.success, at.warning, at.markdown, at.caption))


def price_of(con, market: str = "spot", symbol: str = "BTC/USDT") -> Decimal:
    return con.orders.last_price(market, symbol)


def test_a_market_buy_previews_its_quantity_notional_fee_and_balance_before_it_is_sent(con) -> None:
    at = run_page("3_Order_ticket.py")
    assert not at.exception and not confirms(at)
    ticket(at)
    rows = shown(at)
    assert rows["notional"] == "100.00 USDT"
    assert rows["quantity"].startswith("≈ 0.") and "BTC" in rows["quantity"]
    assert rows["fee"].endswith("BTC (0.1%)")  # a spot buy pays its fee in the asset received
    assert rows["balance"] == "needs 100.00 USDT, 10,000.00 USDT free"
    assert con.analytics.trades(con.analytics.filters()).empty  # nothing sent yet
    at.button(key="ticket_confirm").click().run()
    assert not at.exception
    assert "Filled market buy" in texts(at.success) and "fee" in texts(at.success)
    trades = con.analytics.trades(con.analytics.filters())
    assert len(trades) == 1 and trades.loc[0, "side"] == "buy"


def test_changing_the_ticket_after_the_preview_asks_for_a_new_preview(con) -> None:
    at = run_page("3_Order_ticket.py")
    ticket(at)
    at.text_input(key="ticket_amount").input("200").run()
    assert not confirms(at)
    assert "The ticket changed since the preview: preview it again." in texts(at.caption)


def test_a_bad_amount_is_refused_inline_with_the_fix(con) -> None:
    at = run_page("3_Order_ticket.py")
    ticket(at, amount="-3")
    assert "amount -3 must be above zero; enter how much to buy" in texts(at.error)
    ticket(at, amount="ten")
    assert "amount 'ten' is not a number; write it like 0.001" in texts(at.error)


def test_a_shortfall_is_shown_at_the_preview_not_after_the_confirm(con) -> None:
    at = run_page("3_Order_ticket.py")
    ticket(at, side="sell", amount="1", amount_in="base")
    assert "short by" in texts(at.error)
    assert not confirms(at)


def test_a_limit_buy_is_normalised_placed_and_cancelled_in_words(con) -> None:
    at = run_page("3_Order_ticket.py")
    ticket(at, kind="limit", amount="0.0123456", amount_in="base", price="60000.004")
    rows = shown(at)
    assert rows["quantity"].startswith("0.01234 BTC")  # floored to the step
    assert rows["limit price"].startswith("60,000.00 USDT")  # to the tick
    assert rows["notional"] == "740.40 USDT"
    at.button(key="ticket_confirm").click().run()
    assert "Placed limit buy 0.01234 BTC @ 60,000.00" in texts(at.success)
    [order] = con.orders.open_orders()
    at.run()
    at.button(key=f"cancel_{order['client_order_id']}").click().run()
    assert "Cancelled limit buy 0.01234 BTC @ 60,000.00" in texts(at.success)
    assert con.orders.open_orders() == []


def test_a_spot_stop_limit_on_the_wrong_side_is_refused_before_the_confirm(con) -> None:
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="200", amount_in="quote")
    price = price_of(con)
    at = run_page("3_Order_ticket.py")
    above = str((price * Decimal("1.02")).quantize(Decimal("0.01")))
    ticket(at, side="sell", kind="stop_limit", amount="0.001", amount_in="base", stop=above, price=above)
    assert "a stop-limit sell triggers when the price falls to its stop" in texts(at.error)
    assert "or use a take-profit limit sell" in texts(at.error) and not confirms(at)
    stop = str((price * Decimal("0.97")).quantize(Decimal("0.01")))
    limit = str((price * Decimal("0.96")).quantize(Decimal("0.01")))
    ticket(at, side="sell", kind="stop_limit", amount="0.001", amount_in="base", stop=stop, price=limit)
    rows = shown(at)
    assert rows["stop"].startswith(f"{Decimal(stop):,f} USDT") and rows["fee"].endswith("USDT (0.1%, at most)")
    at.button(key="ticket_confirm").click().run()
    assert not at.exception and "Placed stop-limit sell 0.00100 BTC" in texts(at.success)


def test_a_spot_take_profit_limit_sell_rests_above_the_price(con) -> None:
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="200", amount_in="quote")
    price = price_of(con)
    at = run_page("3_Order_ticket.py")
    stop = str((price * Decimal("1.03")).quantize(Decimal("0.01")))
    ticket(at, side="sell", kind="take_profit_limit", amount="0.001", amount_in="base", stop=stop, price=stop)
    assert shown(at)["order"] == "take-profit limit sell BTC/USDT spot"
    at.button(key="ticket_confirm").click().run()
    assert f"Placed take-profit limit sell 0.00100 BTC @ {Decimal(stop):,f}, trigger {Decimal(stop):,f}" \
        in texts(at.success)
    [order] = con.orders.open_orders()
    assert order["text"].startswith("BTC/USDT take-profit limit sell")


def test_a_futures_stop_limit_rests_as_a_conditional_order_with_its_limit_price(con) -> None:
    con.orders.place(market="futures", symbol="BTC/USDT", side="buy", amount="0.01")
    price = price_of(con, "futures")
    at = run_page("3_Order_ticket.py")
    stop, limit = (str(int(price * Decimal(f))) for f in ("0.95", "0.94"))
    ticket(at, market="futures", side="sell", kind="stop_limit", amount="0.01", amount_in="base", stop=stop,
           price=limit, reduce_only=True)
    rows = shown(at)
    assert "then a limit order" in rows["trigger"] and rows["limit price"].startswith(f"{int(limit):,}")
    at.button(key="ticket_confirm").click().run()
    assert "Placed stop-limit sell 0.010 BTC futures (reduce-only)" in texts(at.success)
    [order] = con.orders.open_orders()
    assert f"@ {int(limit):,}" in order["text"] and f"trigger {int(stop):,}" in order["text"]
    at.run()
    at.button(key=f"cancel_{order['client_order_id']}").click().run()
    assert "Cancelled stop-limit sell 0.010 BTC futures" in texts(at.success)


def test_a_futures_entry_shows_leverage_margin_and_an_estimated_liquidation_then_rests_its_exits(con) -> None:
    con.orders.set_leverage("BTC/USDT", 5)
    price = price_of(con, "futures")
    at = run_page("3_Order_ticket.py")
    tp, sl = (str(int(price * Decimal(f))) for f in ("1.05", "0.95"))
    ticket(at, market="futures", amount="0.01", amount_in="base", tp=tp, sl=sl)
    rows = shown(at)
    assert rows["leverage"] == "5x (isolated)"
    margin = Decimal(rows["margin"].split()[0].replace(",", ""))
    assert abs(margin - price * Decimal("0.01") / 5) < margin / 100
    liq = Decimal(rows["liquidation (estimate)"].split()[1].replace(",", ""))
    assert price * Decimal("0.78") < liq < price * Decimal("0.82") and "estimate" in rows["liquidation (estimate)"]
    assert rows["fee"].endswith("USDT (0.05%)")
    assert "reduce-only, placed once the entry fills" in rows["take-profit"] and "stop-loss" in rows
    at.button(key="ticket_confirm").click().run()
    said = texts(at.success)
    assert "Filled market buy 0.010 BTC futures" in said and "Placed take-profit sell" in said
    assert "Placed stop sell" in said
    resting = [o["text"] for o in con.orders.open_orders()]
    assert len(resting) == 2 and all("(reduce-only)" in t for t in resting)
    position = con.orders.positions().iloc[0]
    assert position["owner"] == "manual"
    assert abs(position["liquidation_price"] - liq) < liq / 500  # the estimate is the exchange's figure, near enough


def test_a_position_beyond_what_the_leverage_bracket_allows_is_refused_before_the_confirm(con) -> None:
    con.orders.set_leverage("SOL/USDT", 75)  # the first bracket: at most 5,000 USDT of position
    at = run_page("3_Order_ticket.py")
    ticket(at, market="futures", symbol="SOL/USDT", amount="6000", amount_in="quote")
    error = texts(at.error)
    assert "is more than the 5,000.00 USDT Binance allows at 75x" in error and "lower the leverage" in error
    assert not confirms(at)
    ticket(at, market="futures", symbol="SOL/USDT", amount="1000", amount_in="quote")
    assert shown(at)["leverage"] == "75x (isolated)" and confirms(at)


def test_reduce_only_previews_what_it_will_close_and_refuses_without_a_position(con) -> None:
    at = run_page("3_Order_ticket.py")
    ticket(at, market="futures", side="sell", amount="2", amount_in="base", reduce_only=True, symbol="ETH/USDT")
    error = texts(at.error)
    assert "a reduce-only sell on ETH/USDT has no position to reduce" in error and "untick Reduce only" in error
    assert not confirms(at) and "{" not in error
    con.orders.place(market="futures", symbol="ETH/USDT", side="buy", amount="0.5")
    ticket(at, market="futures", side="sell", amount="2", amount_in="base", reduce_only=True, symbol="ETH/USDT")
    rows = shown(at)
    assert rows["quantity"].startswith("0.500 ETH") and rows["reduces"].startswith("0.500 of the 0.500 ETH long")
    assert "reduce-only closes only the 0.500 ETH held, not 2" in texts(at.warning)
    con.orders.close_position("ETH/USDT")  # the position goes before the click: the exchange's refusal, in words
    at.button(key="ticket_confirm").click().run()
    assert not at.exception
    said = every_text(at)
    assert "no position to reduce" in said and '"code"' not in said and "Traceback" not in said


def test_a_refusal_the_exchange_gives_is_said_in_words_never_as_json(con) -> None:
    from console.service.ticket import in_words

    raw = 'place_order on Binance paper futures was refused by the exchange: binanceusdm {"code":-2022,' \
          '"msg":"ReduceOnly Order is rejected."}; adjust the order and try again'
    said = in_words(raw)
    assert '{"code"' not in said and "reduce-only" in said and "ReduceOnly Order is rejected" in said


def test_a_futures_stop_rests_as_a_conditional_order_and_cancels_in_words(con) -> None:
    price = price_of(con, "futures")
    at = run_page("3_Order_ticket.py")
    ticket(at, market="futures", kind="stop_market", side="buy", amount="0.01", amount_in="base",
           stop=str(int(price * Decimal("0.9"))))
    assert "it would trigger at once" in texts(at.error) and not confirms(at)
    ticket(at, market="futures", kind="stop_market", side="buy", amount="0.01", amount_in="base",
           stop=str(int(price * Decimal("1.1"))))
    assert shown(at)["trigger"].startswith(f"{int(price * Decimal('1.1')):,}")
    at.button(key="ticket_confirm").click().run()
    assert "Placed stop buy 0.010 BTC futures, trigger" in texts(at.success)
    [order] = con.orders.open_orders()
    at.run()
    at.button(key=f"cancel_{order['client_order_id']}").click().run()
    assert "Cancelled stop buy 0.010 BTC futures" in texts(at.success)
    assert con.orders.open_orders() == []


def test_a_position_closes_in_part_then_whole_each_after_a_preview(con) -> None:
    con.orders.place(market="futures", symbol="BTC/USDT", side="buy", amount="0.02")
    at = run_page("3_Order_ticket.py")
    at.text_input(key="close_amount_BTC/USDT").input("25%")
    at.button(key="close_BTC/USDT").click().run()
    rows = shown(at)
    assert rows["order"] == "market sell 0.005 BTC, reduce-only" and rows["closes"] == "0.005 of 0.020 BTC, by hand"
    assert con.orders.positions().loc[0, "quantity"] == Decimal("0.020")  # nothing sent yet
    at.button(key="close_confirm_BTC/USDT").click().run()
    assert not at.exception and "Filled market sell 0.005 BTC futures (reduce-only)" in texts(at.success)
    assert con.orders.positions().loc[0, "quantity"] == Decimal("0.015")
    at.text_input(key="close_amount_BTC/USDT").input("")
    at.button(key="close_BTC/USDT").click().run()
    assert shown(at)["closes"].startswith("the whole position")
    at.button(key="close_confirm_BTC/USDT").click().run()
    assert "Filled market sell 0.015 BTC futures (reduce-only)" in texts(at.success)
    assert con.orders.positions().empty


def test_a_position_shows_each_bot_and_the_manual_part_and_a_partial_close_keeps_to_the_manual_part(con) -> None:
    bot_id = con.bots.create({**dca_form("perp stacker"), "market": "futures", "size": "200"})
    con.bots.start(bot_id)
    con.engine.run_cycle()
    con.bots.stop(bot_id)
    con.orders.place(market="futures", symbol="BTC/USDT", side="buy", amount="0.01")
    at = run_page("3_Order_ticket.py")
    owner = con.orders.positions().loc[0, "owner"]
    assert owner.startswith("perp stacker 0.00") and owner.endswith("manual 0.010")
    assert "perp stacker" in texts(at.markdown)
    at.text_input(key="close_amount_BTC/USDT").input("0.011")
    at.button(key="close_BTC/USDT").click().run()
    assert "more than the 0.010 BTC held by hand" in texts(at.error) and not confirms(at, "close_confirm_BTC/USDT")


def test_an_oco_is_previewed_then_confirmed_and_its_legs_cancelled(con) -> None:
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="200", amount_in="quote")
    at = run_page("3_Order_ticket.py")
    price = price_of(con)
    at.text_input(key="oco_qty").input("0.001")
    at.text_input(key="oco_tp").input(f"{price * Decimal('0.9'):.2f}")
    at.text_input(key="oco_sl").input(f"{price * Decimal('0.8'):.2f}")
    at.button(key="oco_preview_button").click().run()
    assert "an OCO sell needs stop-loss < price < take-profit" in texts(at.error) and not confirms(at, "oco_confirm")
    at.text_input(key="oco_tp").input(f"{price * Decimal('1.2'):.2f}")
    at.text_input(key="oco_sl").input(f"{price * Decimal('0.8'):.2f}")
    at.button(key="oco_preview_button").click().run()
    rows = shown(at)
    assert rows["quantity"] == "0.00100 BTC" and rows["take-profit"].startswith("limit-maker sell at")
    assert con.orders.open_orders() == []  # nothing sent yet
    at.button(key="oco_confirm").click().run()
    assert not at.exception and "placed: Placed limit-maker sell 0.00100 BTC" in texts(at.success)
    orders = con.orders.open_orders()
    assert len(orders) == 2
    at.run()
    at.button(key=f"cancel_{orders[0]['client_order_id']}").click().run()
    assert texts(at.success).count("Cancelled") == 2  # both legs, in words
    assert con.orders.open_orders() == []


def test_leverage_is_set_and_refused_with_the_fix(con) -> None:
    at = run_page("3_Order_ticket.py")
    at.text_input(key="lev_value").input("5")
    at.button(key="FormSubmitter:leverage-Set leverage").click().run()
    assert not at.exception
    assert "BTC/USDT futures leverage set to 5x" in texts(at.success)
    at.text_input(key="lev_value").input("500")
    at.button(key="FormSubmitter:leverage-Set leverage").click().run()
    assert "leverage 500 is out of range: BTC/USDT allows 1\u2013125" in texts(at.error)


def test_the_history_lists_filled_cancelled_and_rejected_orders_with_their_owner(con) -> None:
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="100", amount_in="quote")
    resting = con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="0.001",
                               price=str(int(price_of(con) * Decimal("0.9"))))
    con.orders.cancel("spot", "BTC/USDT", resting.client_order_id)
    outside = make_ccxt(Market.FUTURES, base_url=con.paper.base_url, api_key=con.paper.keys()[0],
                        api_secret=con.paper.keys()[1])
    outside.load_markets()
    outside.create_order("ETH/USDT:USDT", "market", "buy", 0.1)  # a position the console did not open
    held = con.orders.positions()
    con.orders.place(market="futures", symbol="ETH/USDT", side="sell", amount="0.1", reduce_only=True)
    assert not held.empty
    with pytest.raises(OrderRejected):  # sent past the ticket's check: the exchange refuses, nothing to reduce
        con.orders.place_request(con.orders.request(market="futures", symbol="ETH/USDT", side="sell", amount="0.1",
                                                    reduce_only=True))
    at = run_page("3_Order_ticket.py")
    history = frame(at, "status")
    assert {"filled", "cancelled", "rejected"} <= set(history["status"])
    assert set(history["owner"]) == {"manual"}
    rejected = history[history["status"] == "rejected"].iloc[0]
    assert "reduce" in rejected["note"] and '{"code"' not in rejected["note"]
