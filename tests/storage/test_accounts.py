from __future__ import annotations

import stat
from pathlib import Path

import pytest

from console.domain import Venue
from console.errors import InvalidInput, StorageError
from console.storage import accounts
from console.storage.db import Database
from console.storage.secrets import KeyBox

API_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
API_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


def test_key_file_is_owner_only_and_reused(data_dir: Path) -> None:
    box = KeyBox.open(data_dir)
    assert stat.S_IMODE((data_dir / "secret.key").stat().st_mode) == 0o600
    assert KeyBox.open(data_dir).decrypt(box.encrypt("hello")) == "hello"


def test_secrets_never_reach_the_database_file_in_plaintext(data_dir: Path) -> None:
    path = data_dir / "console.duckdb"
    db = Database.open(path)
    box = KeyBox.open(data_dir)
    accounts.save(db.cursor(), box, name="main", venue=Venue.DEMO, api_key=API_KEY, api_secret=API_SECRET)
    assert accounts.get(db.cursor(), box, "main").api_secret == API_SECRET
    db.close()
    written = b"".join(p.read_bytes() for p in data_dir.iterdir() if p.name.startswith("console.duckdb"))
    assert b"main" in written  # the file does hold the account
    for fragment in (API_SECRET, API_KEY, API_SECRET[10:30], API_KEY[10:30]):
        assert fragment.encode() not in written
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_accounts_round_trip_and_list_masked(db: Database, data_dir: Path) -> None:
    cur, box = db.cursor(), KeyBox.open(data_dir)
    accounts.save(cur, box, name="main", venue=Venue.DEMO, api_key=API_KEY, api_secret=API_SECRET)
    accounts.save(cur, box, name="alt", venue=Venue.LIVE, api_key="abcdefgh", api_secret="s3cret")
    got = accounts.get(cur, box, "main")
    assert (got.name, got.venue, got.api_key, got.api_secret) == ("main", Venue.DEMO, API_KEY, API_SECRET)
    assert API_SECRET not in repr(got) and API_KEY not in repr(got)
    views = accounts.list_masked(cur)
    assert [(v.name, v.venue, v.masked_key) for v in views] == [
        ("alt", Venue.LIVE, "ab…gh"),
        ("main", Venue.DEMO, "vmPU…Eh8A"),
    ]


def test_saving_again_replaces_the_keys(db: Database, data_dir: Path) -> None:
    cur, box = db.cursor(), KeyBox.open(data_dir)
    accounts.save(cur, box, name="main", venue=Venue.DEMO, api_key=API_KEY, api_secret=API_SECRET)
    accounts.save(cur, box, name="main", venue=Venue.LIVE, api_key="k" * 20, api_secret="new")
    got = accounts.get(cur, box, "main")
    assert (got.venue, got.api_secret) == (Venue.LIVE, "new")
    assert len(accounts.list_masked(cur)) == 1


def test_delete_and_missing_account(db: Database, data_dir: Path) -> None:
    cur, box = db.cursor(), KeyBox.open(data_dir)
    accounts.save(cur, box, name="main", venue=Venue.DEMO, api_key=API_KEY, api_secret=API_SECRET)
    accounts.delete(cur, "main")
    with pytest.raises(InvalidInput, match="no account named 'main'"):
        accounts.get(cur, box, "main")


def test_a_replaced_key_file_is_reported_with_the_fix(db: Database, tmp_path: Path) -> None:
    cur = db.cursor()
    accounts.save(cur, KeyBox.open(tmp_path / "one"), name="main", venue=Venue.DEMO, api_key=API_KEY, api_secret=API_SECRET)
    with pytest.raises(StorageError, match="restore the original key file"):
        accounts.get(cur, KeyBox.open(tmp_path / "two"), "main")


def test_a_damaged_key_file_is_reported(data_dir: Path) -> None:
    data_dir.mkdir(mode=0o700)
    (data_dir / "secret.key").write_text("not a key")
    with pytest.raises(StorageError, match="damaged"):
        KeyBox.open(data_dir)


def test_empty_keys_are_refused(db: Database, data_dir: Path) -> None:
    with pytest.raises(InvalidInput, match="both the API key and the secret"):
        accounts.save(db.cursor(), KeyBox.open(data_dir), name="x", venue=Venue.DEMO, api_key="k", api_secret=" ")
