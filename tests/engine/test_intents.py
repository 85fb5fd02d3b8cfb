"""The order intent log, against the paper exchange over real HTTP and a real DuckDB file.

Each order's intent is one line in the data folder's ``intents.log`` before it is sent, moved into
the DuckDB journal behind the order on the writer; readers see it before it is moved; a replay
journals what a killed process left, once; a torn last line is skipped; ``sync`` syncs each line.
"""
from __future__ import annotations

import json
import threading
from decimal import Decimal

import pytest

from console.config import load_settings
from console.domain import Market, OrderRequest, OrderStatus, OrderType, Side, Venue
from console.engine import intents
from console.engine.intents import FILE, IntentLog
from console.engine.recorder import LEGS, LIST, Owner
from console.storage import journal
from console.storage.db import Database
from console.storage.journal import JournalEntry

D = Decimal
SPOT = Market.SPOT
PERSON = Owner(Venue.PAPER, SPOT, "paper", None)


@pytest.fixture
def btc(stack):
    stack.exchange.feed.set_price("BTCUSDT", D("30000"))
    return stack


def log_of(stack) -> IntentLog:
    found = stack.engine.gateway.intents
    assert found is not None and found.path == stack.db_path.parent / FILE
    return found


def lines(stack) -> list[dict]:
    return [json.loads(line) for line in log_of(stack).path.read_text().splitlines() if line]


def buy(stack, owner: Owner = PERSON, *, behind: bool = False, quote: str = "300"):
    return stack.engine.gateway.place(owner, OrderRequest(symbol="BTC/USDT", market=SPOT, side=Side.BUY,
                                                          quote_quantity=D(quote)), behind=behind)


def intent(cid: str, at) -> JournalEntry:
    return JournalEntry(client_order_id=cid, bot_id=None, venue=Venue.PAPER, market=SPOT, symbol="BTC/USDT",
                        side=Side.BUY, type=OrderType.LIMIT, status=OrderStatus.PENDING, exchange_order_id=None,
                        request={"quantity": "0.001", "price": "29000.10", "account": "paper"}, response=None,
                        created_at=at, updated_at=at)


class HeldWriter:
    """Hold the engine's writer on a task until released, so nothing queued behind it is written."""

    def __init__(self, stack) -> None:
        self.release = threading.Event()
        stack.engine.writer.submit(lambda: self.release.wait(30))

    def __enter__(self) -> HeldWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()


def test_an_order_is_one_line_with_decimals_as_strings_before_it_is_journaled(btc):
    before = btc.db.now()
    with HeldWriter(btc):
        order = buy(btc, behind=True)
        [line] = lines(btc)
        [logged] = line["intents"]
        assert logged["id"] == order.client_order_id
        assert logged["request"]["quote_quantity"] == "300" and logged["side"] == "buy"
        with pytest.raises(Exception, match="not in the journal"):  # not moved: the writer is held
            journal.get(btc.db.cursor(), order.client_order_id)
    btc.engine.writer.flush()
    entry = journal.get(btc.db.cursor(), order.client_order_id)
    assert entry.status is OrderStatus.FILLED and entry.request["quote_quantity"] == "300"
    assert entry.request["account"] == "paper"
    assert before <= entry.created_at <= entry.updated_at  # dated when it was logged


def test_an_oco_logs_its_list_and_both_legs_in_one_line(btc):
    held = buy(btc).filled * D("0.99")
    oco = btc.engine.gateway.place_oco(PERSON, "BTC/USDT", held.quantize(D("0.00001")), D("31500"), D("28500"))
    logged = lines(btc)[-1]["intents"]
    legs = [oco.take_profit.client_order_id, oco.stop_loss.client_order_id]
    assert [e["id"] for e in logged] == legs
    assert all(e["request"][LEGS] == legs and e["request"][LIST] for e in logged)
    for cid in legs:
        assert journal.get(btc.db.cursor(), cid).request[LEGS] == legs


def test_readers_see_an_intent_before_it_is_moved(btc):
    bot = Owner(Venue.PAPER, SPOT, "paper", None)
    with HeldWriter(btc):
        order = btc.engine.gateway.place(bot, OrderRequest(symbol="BTC/USDT", market=SPOT, side=Side.BUY,
                                                           type=OrderType.LIMIT, quantity=D("0.001"),
                                                           price=D("20000")), behind=True)
        assert log_of(btc).waiting() == 1
        [seen] = journal.open_entries(btc.db.cursor(), venue=Venue.PAPER)
        assert seen.client_order_id == order.client_order_id and seen.status is OrderStatus.PENDING
        assert journal.open_entries(btc.db.cursor(), venue=Venue.DEMO) == []
    btc.engine.writer.flush()
    [seen] = journal.open_entries(btc.db.cursor())
    assert seen.status is OrderStatus.OPEN  # the table's entry, not the logged copy
    assert log_of(btc).waiting() == 0


def test_a_persons_order_is_journaled_before_its_record_while_the_writer_is_busy(btc):
    with HeldWriter(btc):
        order = buy(btc)  # recorded on the caller's thread: its intent is moved there first
        entry = journal.get(btc.db.cursor(), order.client_order_id)
        assert entry.status is OrderStatus.FILLED and entry.request["quote_quantity"] == "300"


def test_a_bots_settle_after_its_own_records_waits_for_no_other_record(btc):
    with HeldWriter(btc):
        other = buy(btc, behind=True)  # another owner's record, queued behind the held writer
        assert btc.engine.gateway.settle(bot_id=1, raise_temporary=True, flush=False) == 0
        with pytest.raises(Exception, match="not in the journal"):  # neither waited for nor moved
            journal.get(btc.db.cursor(), other.client_order_id)
        assert log_of(btc).waiting() == 1
    btc.engine.writer.flush()
    assert journal.get(btc.db.cursor(), other.client_order_id).status is OrderStatus.FILLED


def test_an_intent_is_moved_with_its_record_or_not_at_all(btc):
    ghost = Owner(Venue.PAPER, SPOT, "paper", 99)  # no such bot: its daily counters cannot be written
    order = buy(btc, ghost, behind=True)
    btc.engine.writer.flush()  # the record failed: the intent and the trade were rolled back together
    with pytest.raises(Exception, match="not in the journal"):
        journal.get(btc.db.cursor(), order.client_order_id)
    assert btc.db.cursor().execute("SELECT count(*) FROM trades").fetchone() == (0,)
    assert log_of(btc).waiting() == 1  # still in the log: the next settle moves it and looks the order up
    [seen] = journal.open_entries(btc.db.cursor())
    assert seen.client_order_id == order.client_order_id and seen.status is OrderStatus.PENDING


def test_the_log_is_emptied_once_enough_intents_are_moved(btc, monkeypatch):
    monkeypatch.setattr(intents, "COMPACT_AFTER", 3)
    buy(btc, quote="20")
    buy(btc, quote="20")
    assert len(lines(btc)) == 2
    with HeldWriter(btc):
        buy(btc, behind=True, quote="20")
        assert len(lines(btc)) == 3  # its record waits: not emptied yet
    btc.engine.writer.flush()
    assert log_of(btc).path.read_text() == "" and log_of(btc).logged() == []
    assert btc.db.cursor().execute("SELECT count(*) FROM orders").fetchone()[0] == 3


def test_the_log_keeps_only_the_intents_in_flight_when_it_is_compacted(btc, monkeypatch):
    monkeypatch.setattr(intents, "COMPACT_AFTER", 2)
    with HeldWriter(btc):
        in_flight = buy(btc, behind=True, quote="20")  # its entry waits on the held writer
        buy(btc, quote="20")
        buy(btc, quote="20")
        [line] = lines(btc)
        assert [e["id"] for e in line["intents"]] == [in_flight.client_order_id]
        assert [e.client_order_id for e in log_of(btc).logged()] == [in_flight.client_order_id]
    btc.engine.writer.flush()
    assert journal.get(btc.db.cursor(), in_flight.client_order_id).status is OrderStatus.FILLED
    buy(btc, quote="20")
    assert log_of(btc).path.read_text() == ""


def test_replay_journals_what_the_table_lacks_once(tmp_path):
    db = Database.open(tmp_path / "console.duckdb")
    try:
        killed = IntentLog(tmp_path / FILE)  # a process that logged two intents and was killed
        killed.append([intent("a-1", db.now())])
        killed.append([intent("a-2", db.now())])
        with db.transaction() as cur:  # the first was moved before the kill, and has since filled
            journal.add_logged(cur, intent("a-1", db.now()))
            journal.update(cur, "a-1", status=OrderStatus.FILLED)
        restarted = IntentLog(tmp_path / FILE)
        assert restarted.replay(db) == 1
        assert restarted.replay(db) == 0 and IntentLog(tmp_path / FILE).replay(db) == 0
        assert journal.get(db.cursor(), "a-1").status is OrderStatus.FILLED
        replayed = journal.get(db.cursor(), "a-2")
        assert replayed.status is OrderStatus.PENDING and replayed.request["price"] == "29000.10"
        assert (tmp_path / FILE).read_text() == ""
    finally:
        db.close()


def test_a_torn_last_line_is_skipped_and_the_next_intent_starts_afresh(tmp_path):
    db = Database.open(tmp_path / "console.duckdb")
    try:
        IntentLog(tmp_path / FILE).append([intent("whole", db.now())])
        with open(tmp_path / FILE, "ab") as f:
            f.write(b'{"intents": [{"id": "torn", "bot": nu')  # the write a power cut stopped
        after = IntentLog(tmp_path / FILE)
        after.append([intent("next", db.now())])
        assert [e.client_order_id for e in intents.read(tmp_path / FILE)] == ["whole", "next"]
        assert after.replay(db) == 2
        ids = {r[0] for r in db.cursor().execute("SELECT client_order_id FROM orders").fetchall()}
        assert ids == {"whole", "next"}
    finally:
        db.close()


@pytest.mark.parametrize("sync, synced", [(False, 0), (True, 1)])
def test_sync_syncs_each_intent_to_disk(tmp_path, monkeypatch, sync, synced):
    calls: list[int] = []
    real = intents._sync
    monkeypatch.setattr(intents, "_sync", lambda fd: (calls.append(fd), real(fd))[1])
    db = Database.open(":memory:")
    try:
        log = IntentLog(tmp_path / FILE, sync=sync)
        log.append([intent("one", db.now())])
        log.append([intent("two", db.now())])
        assert len(calls) == 2 * synced
        assert [e.client_order_id for e in intents.read(tmp_path / FILE)] == ["one", "two"]
    finally:
        db.close()


@pytest.mark.parametrize("raw, on", [("yes", True), ("", False), ("no", False)])
def test_the_setting_turns_syncing_on(tmp_path, raw, on):
    settings = load_settings({"CONSOLE_DATA_DIR": str(tmp_path), "CONSOLE_SYNC_INTENTS": raw})
    assert settings.sync_intents is on


def test_the_engine_replays_the_log_before_it_reconciles(btc):
    """An intent logged by a process killed before it sent: journaled at start, then marked never sent."""
    btc.engine.stop()
    log_of(btc).append([intent("never-sent", btc.db.now())])
    with open(log_of(btc).path, "ab") as f:
        f.write(b'{"intents": [')  # and a torn line after it
    btc.clock.advance(60)  # past the time a request could take to arrive
    btc.new_engine()
    btc.engine.start()
    entry = journal.get(btc.db.cursor(), "never-sent")
    assert entry.status is OrderStatus.REJECTED
    assert log_of(btc).waiting() == 0
