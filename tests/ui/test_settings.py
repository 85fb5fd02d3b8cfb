"""Settings: venue, API keys stored encrypted and shown masked, connection test, paper reset, data folder."""
from __future__ import annotations

import pytest

from console.domain import Market, Venue
from console.errors import ConfigError
from tests.ui.conftest import frame, run_page, texts

KEY = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrSt01236789"  # 64 letters and digits, like Binance's
SECRET = "s3cr3tS3CR3Ts3cr3tS3CR3Ts3cr3tS3CR3Ts3cr3tS3CR3Ts3cr3tS3CR3Ts3cr"
OTHER_KEY = "ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210ZyXwVuTsRqPoNmLkJiHgFeDc4321"


def save_keys(at, name: str = "demo keys", key: str = KEY, secret: str = SECRET) -> None:
    at.text_input(key="acct_name").input(name)
    at.selectbox(key="acct_venue").select("demo")
    at.text_input(key="acct_key").input(key)
    at.text_input(key="acct_secret").input(secret)
    at.button(key="FormSubmitter:account-Save keys").click().run()


def test_the_page_names_the_venue_feed_and_data_folder(con, console_env) -> None:
    at = run_page("5_Settings.py")
    assert not at.exception
    page = texts(at.markdown)
    assert "**PAPER**" in page and "synthetic walk" in page
    assert str(console_env) in texts(at.code)
    assert "max trades per day" in set(frame(at, "limit")["limit"])
    wallet = frame(at, "amount")
    assert set(wallet["asset"]) == {"USDT"} and set(wallet["market"]) == {"spot", "futures"}


def test_keys_are_saved_masked_and_the_secret_is_a_password_field(con) -> None:
    at = run_page("5_Settings.py")
    assert at.text_input(key="acct_secret").proto.type == at.text_input(key="acct_secret").proto.PASSWORD
    save_keys(at)
    assert not at.exception
    assert "Saved the keys of demo keys (demo)." in texts(at.success)
    shown = frame(at, "api_key")
    assert list(shown["api_key"]) == ["AbCd…6789"]
    assert len(KEY) == len(SECRET) == 64
    page_text = "\n".join(str(e.value) for e in at.main if hasattr(e, "value"))
    assert KEY not in page_text and SECRET not in page_text


def test_a_missing_secret_is_refused_inline(con) -> None:
    at = run_page("5_Settings.py")
    save_keys(at, secret="")
    assert "the API secret is empty; paste it from Binance's API management page" in texts(at.error)
    assert con.setup.accounts().empty


def test_testing_the_paper_connection_reports_what_the_keys_may_do(con) -> None:
    at = run_page("5_Settings.py")
    at.selectbox(key="acct_chosen").select("paper")
    at.button(key="acct_test").click().run()
    lines = texts(at.success)
    assert "spot: signed in on paper; can read the account" in lines
    assert "futures: signed in on paper" in lines


def test_keys_can_be_deleted(con) -> None:
    at = run_page("5_Settings.py")
    save_keys(at)
    at.selectbox(key="acct_chosen").select("demo keys").run()
    at.button(key="acct_delete").click().run()
    assert "Deleted the keys of demo keys." in texts(at.success)
    assert con.setup.accounts().empty


def test_the_paper_reset_needs_a_confirmation(con) -> None:
    con.orders.place(market="spot", symbol="BTC/USDT", side="buy", amount="500", amount_in="quote")
    at = run_page("5_Settings.py")
    assert at.button(key="reset").disabled
    at.checkbox(key="reset_confirm").check().run()
    at.button(key="reset").click().run()
    assert "The paper exchange is back to its starting wallet." in texts(at.success)
    balances = con.overview.balances()
    spot = balances[balances["market"] == "spot"]
    assert list(spot["asset"]) == ["USDT"] and float(spot["total"].iloc[0]) == 10000.0


@pytest.mark.parametrize("key, secret, error", [
    ("AbCd1234", SECRET, "an HMAC API key is 64 letters and digits, and it has 8 characters; copy it again"),
    (KEY[:-1] + "-", SECRET, "an HMAC API key is 64 letters and digits, and it has 64 characters, among them '-'"),
    (" " + KEY + "x", SECRET, "and it has 65 characters"),
    (KEY, SECRET[:40], "an HMAC API secret is 64 letters and digits, and it has 40 characters"),
    (KEY, SECRET[:-2] + "_!", "64 characters, some neither letters nor digits"),
])
def test_keys_not_in_binances_format_are_refused_before_saving(con, key, secret, error) -> None:
    at = run_page("5_Settings.py")
    save_keys(at, key=key, secret=secret)
    assert not at.exception
    assert error in texts(at.error) and not at.success
    assert con.setup.accounts().empty
    assert secret[-6:] not in texts(at.error)  # the message shows no part of the secret


def test_saving_under_a_name_already_saved_asks_before_replacing_the_keys(con) -> None:
    at = run_page("5_Settings.py")
    save_keys(at)
    save_keys(at, key=OTHER_KEY)
    assert not at.exception
    assert "A profile named demo keys exists already. Replace its keys" in texts(at.warning)
    assert list(con.setup.accounts()["api_key"]) == ["AbCd…6789"]  # not replaced yet
    at.button(key="acct_replace_no").click().run()
    assert not at.warning and list(con.setup.accounts()["api_key"]) == ["AbCd…6789"]

    save_keys(at, key=OTHER_KEY)
    at.button(key="acct_replace_yes").click().run()
    assert "Replaced the keys of demo keys (demo)." in texts(at.success)
    assert list(con.setup.accounts()["api_key"]) == ["ZyXw…4321"]
    assert not [b for b in at.button if b.key == "acct_replace_yes"]


def test_the_facade_too_refuses_to_replace_keys_unasked(con) -> None:
    con.setup.save_account(name="main", venue="demo", api_key=KEY, api_secret=SECRET)
    with pytest.raises(ConfigError, match="a profile named 'main' exists already; confirm to replace its keys"):
        con.setup.save_account(name="main", venue="demo", api_key=OTHER_KEY, api_secret=SECRET)
    con.setup.save_account(name="main", venue="demo", api_key=OTHER_KEY, api_secret=SECRET, replace=True)
    assert list(con.setup.accounts()["api_key"]) == ["ZyXw…4321"]


def test_demo_keys_saved_and_tried_on_paper_get_no_balance_snapshots(con) -> None:
    con.setup.save_account(name="demo keys", venue="demo", api_key=KEY, api_secret=SECRET)
    demo = con.clients.get(Venue.DEMO, Market.SPOT, "demo keys")  # as the connection test builds it
    assert not con.overview.balances().empty  # the paper wallet, read through its own clients
    assert con.engine.snapshot_balances() > 0
    assert not demo.exchange.last_request_url  # Binance demo was never called
    venues = {v for (v,) in con.db.cursor().execute("SELECT DISTINCT venue FROM balance_snapshots").fetchall()}
    assert venues == {"paper"}
