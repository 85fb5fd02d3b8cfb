"""Order ticket: preview before confirmation, inline refusals, OCO, leverage, close and cancel."""
from __future__ import annotations

from decimal import Decimal

from tests.ui.conftest import frame, run_page, texts


def ticket(at, *, market: str = "spot", side: str = "buy", amount: str = "100", amount_in: str = "quote") -> None:
    at.radio(key="ticket_market").set_value(market).run()
    at.radio(key="ticket_side").set_value(side)
    at.radio(key="ticket_in").set_value(amount_in)
    at.text_input(key="ticket_amount").input(amount)
    at.button(key="ticket_preview_button").click().run()


def test_a_preview_comes_before_the_confirmation_and_the_order(con) -> None:
    at = run_page("3_Order_ticket.py")
    assert not at.exception
    assert not [b for b in at.button if b.key == "ticket_confirm"]
    ticket(at)
    preview = frame(at, "notional")
    assert preview.loc[0, "notional"] == "100.00" and preview.loc[0, "side"] == "buy"
    assert con.analytics.trades(con.analytics.filters()).empty  # nothing sent yet
    at.button(key="ticket_confirm").click().run()
    assert not at.exception
    assert "filled: buy" in texts(at.success)
    trades = con.analytics.trades(con.analytics.filters())
    assert len(trades) == 1 and trades.loc[0, "side"] == "buy"


def test_changing_the_ticket_after_the_preview_asks_for_a_new_preview(con) -> None:
    at = run_page("3_Order_ticket.py")
    ticket(at)
    at.text_input(key="ticket_amount").input("200").run()
    assert not [b for b in at.button if b.key == "ticket_confirm"]
    assert "The ticket changed since the preview: preview it again." in texts(at.caption)


def test_a_bad_amount_is_refused_inline_with_the_fix(con) -> None:
    at = run_page("3_Order_ticket.py")
    ticket(at, amount="-3")
    assert "amount -3 must be above zero; enter how much to buy" in texts(at.error)
    ticket(at, amount="ten")
    assert "amount 'ten' is not a number; write it like 0.001" in texts(at.error)


def test_selling_more_than_held_is_refused_with_the_shortfall(con) -> None:
    at = run_page("3_Order_ticket.py")
    ticket(at, side="sell", amount="1", amount_in="base")
    at.button(key="ticket_confirm").click().run()
    assert "short by" in texts(at.error)


def test_a_futures_position_opens_and_closes_from_its_button(con) -> None:
    at = run_page("3_Order_ticket.py")
    ticket(at, market="futures", amount="0.01", amount_in="base")
    at.button(key="ticket_confirm").click().run()
    positions = con.overview.positions()
    assert positions.loc[0, "quantity"] == Decimal("0.01")
    at.run()
    at.button(key="close_BTC/USDT").click().run()
    assert not at.exception
    assert "Closed the BTC/USDT position" in texts(at.success)
    assert con.overview.positions().empty


def test_leverage_is_set_and_refused_with_the_fix(con) -> None:
    at = run_page("3_Order_ticket.py")
    at.number_input(key="lev_value").set_value(5)
    at.button(key="FormSubmitter:leverage-Set leverage").click().run()
    assert not at.exception
    assert "BTC/USDT futures leverage set to 5x" in texts(at.success)


def test_an_oco_with_prices_on_the_wrong_side_is_refused(con) -> None:
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="200", amount_in="quote")
    at = run_page("3_Order_ticket.py")
    price = float(con.orders.last_price("spot", "BTC/USDT"))
    at.text_input(key="oco_qty").input("0.001")
    at.text_input(key="oco_tp").input(f"{price * 0.9:.2f}")
    at.text_input(key="oco_sl").input(f"{price * 0.8:.2f}")
    at.button(key="FormSubmitter:oco-Place OCO sell").click().run()
    assert "an OCO sell needs stop-loss < price < take-profit" in texts(at.error)


def test_an_oco_is_placed_and_its_legs_cancelled(con) -> None:
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="200", amount_in="quote")
    at = run_page("3_Order_ticket.py")
    price = float(con.orders.last_price("spot", "BTC/USDT"))
    at.text_input(key="oco_qty").input("0.001")
    at.text_input(key="oco_tp").input(f"{price * 1.2:.2f}")
    at.text_input(key="oco_sl").input(f"{price * 0.8:.2f}")
    at.button(key="FormSubmitter:oco-Place OCO sell").click().run()
    assert not at.exception and "placed: take-profit" in texts(at.success)
    orders = con.overview.open_orders()
    assert len(orders) == 2
    at.run()
    at.button(key=f"cancel_{orders.loc[0, 'client_order_id']}").click().run()
    assert "Cancelled" in texts(at.success)
    assert len(con.overview.open_orders()) < 2
