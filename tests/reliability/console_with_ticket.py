"""The headless console with a person at the ticket, for the crash campaign.

``python -m tests.reliability.console_with_ticket`` starts the Console as ``python -m console`` does
and, in a thread, keeps a manual spot OCO sell on ETH/USDT in motion: it buys some ETH once, then
again and again cancels the OCO it placed last and places a new one around the current price. Every
order request waits a second at the campaign's exchange, so a SIGKILL lands with a manual OCO (or
its cancel) in flight. It prints ``ticket: N`` lines as OCOs are placed.
"""
from __future__ import annotations

import threading
from decimal import ROUND_UP, Decimal

from console.config import load_settings
from console.domain import Market
from console.errors import ConsoleError
from console.lifecycle import serve_until_stopped

SYMBOL = "ETH/USDT"
CENT = Decimal("0.01")
STEP = Decimal("0.0001")


def keep_an_oco_in_motion(con, stop: threading.Event) -> None:
    placed = 0
    resting: str | None = None
    try:
        con.orders.place(market="spot", symbol=SYMBOL, side="buy", amount="60", amount_in="quote")
    except ConsoleError as e:
        print(f"ticket: buy refused: {e}", flush=True)
    while not stop.wait(0.3):
        try:
            if resting is not None:
                con.orders.cancel(Market.SPOT, SYMBOL, resting)
                resting = None
            price = con.orders.last_price("spot", SYMBOL)
            quantity = (Decimal(8) / price).quantize(STEP, rounding=ROUND_UP)
            oco = con.orders.place_oco(symbol=SYMBOL, quantity=str(quantity),
                                       take_profit=str((price * Decimal("1.01")).quantize(CENT)),
                                       stop_loss=str((price * Decimal("0.99")).quantize(CENT)))
            resting = oco.take_profit.client_order_id
            placed += 1
            print(f"ticket: {placed}", flush=True)
        except ConsoleError as e:  # a leg filled meanwhile, the ETH ran out: as a person, try again
            resting = None
            print(f"ticket: {type(e).__name__}: {e}", flush=True)


def main() -> int:
    from console.service import Console

    try:
        con = Console(load_settings())
    except ConsoleError as e:
        print(f"cannot start: {e}", flush=True)
        return 2
    stop = threading.Event()
    person = threading.Thread(target=keep_an_oco_in_motion, args=(con, stop), daemon=True)

    def ready() -> None:
        print(f"console running: {con.banner().text}; {con.engine.reconciled} fill(s) reconciled", flush=True)
        person.start()

    def close() -> None:
        stop.set()
        person.join(timeout=30)
        con.close()

    serve_until_stopped(close, ready=ready)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
