"""Settings: venue, API keys stored encrypted and shown masked, connection test, paper reset, data folder."""
from __future__ import annotations

from tests.ui.conftest import frame, run_page, texts

KEY = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
SECRET = "s3cr3t-s3cr3t-s3cr3t-s3cr3t"


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
    page_text = "\n".join(str(e.value) for e in at.main if hasattr(e, "value"))
    assert KEY not in page_text and SECRET not in page_text


def test_a_missing_secret_is_refused_inline(con) -> None:
    at = run_page("5_Settings.py")
    save_keys(at, secret="")
    assert "paste both the API key and the secret" in texts(at.error)
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
