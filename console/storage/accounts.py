"""Named API-key profiles per venue.

The API key and the secret are stored encrypted (``KeyBox``); only a masked key
(``abcd…wxyz``) is stored readable, for display. ``get`` decrypts, for the
exchange client only; the UI lists ``list_masked``.
"""
from __future__ import annotations

from dataclasses import dataclass

from console.domain import Venue
from console.errors import InvalidInput
from console.storage.db import Cursor, atomic, stamp
from console.storage.secrets import KeyBox


@dataclass(frozen=True, kw_only=True)
class Account:
    name: str
    venue: Venue
    api_key: str
    api_secret: str

    def __repr__(self) -> str:  # keeps secrets out of logs and tracebacks
        return f"Account(name={self.name!r}, venue={self.venue.value!r}, api_key={mask(self.api_key)!r})"


@dataclass(frozen=True, kw_only=True)
class AccountView:
    name: str
    venue: Venue
    masked_key: str


def mask(api_key: str) -> str:
    """Show at most the first and last four characters: ``abcd…wxyz``."""
    shown = 4 if len(api_key) >= 16 else 2 if len(api_key) >= 8 else 0
    return f"{api_key[:shown]}…{api_key[-shown:]}" if shown else "…"


def save(cur: Cursor, keybox: KeyBox, *, name: str, venue: Venue, api_key: str, api_secret: str) -> None:
    """Add the account ``name``, or replace its venue and keys."""
    name = name.strip()
    if not name:
        raise InvalidInput("give the account a name")
    if not api_key.strip() or not api_secret.strip():
        raise InvalidInput(f"account {name}: paste both the API key and the secret")
    row = [
        Venue(venue).value,
        keybox.encrypt(api_key.strip()),
        keybox.encrypt(api_secret.strip()),
        mask(api_key.strip()),
        stamp(cur),
        name,
    ]
    with atomic(cur):
        if cur.execute("SELECT 1 FROM accounts WHERE name = ?", [name]).fetchone():
            cur.execute(
                "UPDATE accounts SET venue = ?, api_key_enc = ?, api_secret_enc = ?, masked_key = ?, "
                "updated_at = ? WHERE name = ?",
                row,
            )
        else:
            cur.execute(
                "INSERT INTO accounts (venue, api_key_enc, api_secret_enc, masked_key, updated_at, name) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                row,
            )


def get(cur: Cursor, keybox: KeyBox, name: str) -> Account:
    """Return the account with its decrypted keys; raise InvalidInput if there is none."""
    row = cur.execute(
        "SELECT venue, api_key_enc, api_secret_enc FROM accounts WHERE name = ?", [name]
    ).fetchone()
    if row is None:
        raise InvalidInput(f"there is no account named {name!r}; add it on the Accounts page")
    return Account(name=name, venue=Venue(row[0]), api_key=keybox.decrypt(row[1]), api_secret=keybox.decrypt(row[2]))


def list_masked(cur: Cursor) -> list[AccountView]:
    """Every account, by name, with its masked key only."""
    rows = cur.execute("SELECT name, venue, masked_key FROM accounts ORDER BY name").fetchall()
    return [AccountView(name=n, venue=Venue(v), masked_key=m) for n, v, m in rows]


def delete(cur: Cursor, name: str) -> None:
    """Remove the account ``name`` (no error if it is already gone)."""
    with atomic(cur):
        cur.execute("DELETE FROM accounts WHERE name = ?", [name])
