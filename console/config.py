"""Settings, read once from environment variables (documented in the README).

| variable | default | meaning |
|---|---|---|
| CONSOLE_DATA_DIR | $XDG_DATA_HOME/binance-console (~/.local/share/...) | DuckDB files, key file |
| CONSOLE_VENUE | paper | paper, demo or live |
| CONSOLE_PAPER_FEED | synthetic | synthetic, replay or live |
| CONSOLE_PAPER_CANDLES | (none) | candle CSV for the replay feed (spot; futures use the same prices) |
| CONSOLE_PAPER_SPEED | 60 | replay speed: candle seconds per wall-clock second |
| CONSOLE_PAPER_SEED | 7 | seed of the synthetic walk |
| CONSOLE_PAPER_PORT | 0 | port of the in-process paper exchange (0 picks a free one) |
| CONSOLE_PAPER_URL | (none) | use a paper exchange already running there (`python -m console.paper`) |
| CONSOLE_PAPER_API_KEY / CONSOLE_PAPER_API_SECRET | paper-key / paper-secret | its keys, with CONSOLE_PAPER_URL |
| CONSOLE_CYCLE_SECONDS | 2 | how often the engine ticks the running bots |
| CONSOLE_LIVE_CONFIRMED | (none) | must be "yes" to start on the live venue |
| CONSOLE_SYNC_INTENTS | (none) | "yes": sync each order's intent to disk before it is sent (survives a power cut) |
| CONSOLE_HISTORY_ARCHIVE_URL | https://data.binance.vision | Binance's public data archive (monthly/daily zips) |
| CONSOLE_HISTORY_REST_URL | (none: api.binance.com, fapi.binance.com) | one REST base serving /api/v3 and /fapi/v1 klines |
| CONSOLE_SWEEP_SCHEDULER | (none: a LocalCluster of this machine's cores) | dask scheduler for sweeps, e.g. tcp://10.0.0.5:8786 |
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from console.domain import Venue
from console.errors import ConfigError

FEEDS = ("synthetic", "replay", "live")


def default_data_dir(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "binance-console"


@dataclass(frozen=True, kw_only=True)
class PaperSettings:
    feed: str = "synthetic"
    candles: Path | None = None
    speed: float = 60.0
    seed: int = 7
    port: int = 0
    url: str = ""  # an external paper exchange; empty: start one in-process
    api_key: str = "paper-key"
    api_secret: str = "paper-secret"

    def __post_init__(self) -> None:
        if self.feed not in FEEDS:
            raise ConfigError(
                f"CONSOLE_PAPER_FEED={self.feed!r} is not a feed; use one of {', '.join(FEEDS)}"
            )
        if self.feed == "replay" and self.candles is None:
            raise ConfigError(
                "the replay feed needs a candle file; set CONSOLE_PAPER_CANDLES to a CSV "
                "with timestamp,open,high,low,close,volume"
            )
        if self.candles is not None and not self.candles.is_file():
            raise ConfigError(
                f"CONSOLE_PAPER_CANDLES={self.candles} does not exist; give the path of a candle CSV"
            )
        if not math.isfinite(self.speed) or self.speed <= 0:
            raise ConfigError(f"CONSOLE_PAPER_SPEED={self.speed} must be a positive number, e.g. 60")
        if self.url and not self.url.startswith(("http://127.", "http://localhost", "http://[::1]")):
            raise ConfigError(
                f"CONSOLE_PAPER_URL={self.url!r} must be a paper exchange on this machine, "
                "e.g. http://127.0.0.1:8765"
            )
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"CONSOLE_PAPER_PORT={self.port} must be 0 (any free port) or 1-65535")


BINANCE_ARCHIVE_URL = "https://data.binance.vision"
BINANCE_REST_URLS = {"spot": "https://api.binance.com", "futures": "https://fapi.binance.com"}


@dataclass(frozen=True, kw_only=True)
class HistorySettings:
    """Where market history is downloaded from: Binance's public archive and REST by default."""

    archive_url: str = BINANCE_ARCHIVE_URL
    rest_url: str = ""  # one base serving /api/v3 and /fapi/v1; empty: Binance's two hosts

    def __post_init__(self) -> None:
        for name, url in (("CONSOLE_HISTORY_ARCHIVE_URL", self.archive_url),
                          ("CONSOLE_HISTORY_REST_URL", self.rest_url)):
            if url and (not url.startswith(("http://", "https://")) or " " in url or url.endswith("/")):
                raise ConfigError(
                    f"{name}={url!r} is not a base URL; write it like https://host[:port] "
                    "(http or https, no trailing slash)"
                )
        if not self.archive_url:
            raise ConfigError(f"CONSOLE_HISTORY_ARCHIVE_URL is empty; unset it to use {BINANCE_ARCHIVE_URL}")

    def rest_base(self, market: str) -> str:
        """The REST base URL for ``market`` ("spot" or "futures")."""
        return self.rest_url or BINANCE_REST_URLS[market]


@dataclass(frozen=True, kw_only=True)
class RiskDefaults:
    max_trades_per_day: int = 20
    max_daily_loss: Decimal = Decimal("100")  # quote currency
    max_position_quote: Decimal = Decimal("1000")


@dataclass(frozen=True, kw_only=True)
class Settings:
    data_dir: Path
    venue: Venue = Venue.PAPER
    paper: PaperSettings = PaperSettings()
    history: HistorySettings = HistorySettings()
    risk: RiskDefaults = RiskDefaults()
    live_confirmed: bool = False
    cycle_seconds: float = 2.0
    sync_intents: bool = False  # fsync each order intent before it is sent (a power cut loses none)
    sweep_scheduler: str = ""  # a dask scheduler for parameter sweeps; empty: a LocalCluster

    def __post_init__(self) -> None:
        if self.venue is Venue.LIVE and not self.live_confirmed:
            raise ConfigError(
                "the live venue trades real money; set CONSOLE_LIVE_CONFIRMED=yes to confirm, "
                "or use CONSOLE_VENUE=paper"
            )
        if not math.isfinite(self.cycle_seconds) or not 0.05 <= self.cycle_seconds <= 3600:
            raise ConfigError(
                f"CONSOLE_CYCLE_SECONDS={self.cycle_seconds} must be between 0.05 and 3600, e.g. 2"
            )
        if self.sweep_scheduler and (not self.sweep_scheduler.startswith(("tcp://", "tls://"))
                                     or " " in self.sweep_scheduler):
            raise ConfigError(
                f"CONSOLE_SWEEP_SCHEDULER={self.sweep_scheduler!r} is not a dask scheduler address; write it "
                "like tcp://10.0.0.5:8786, or unset it to run sweeps on this machine"
            )

    @property
    def console_db(self) -> Path:
        return self.data_dir / "console.duckdb"

    @property
    def paper_dir(self) -> Path:
        return self.data_dir / "paper"

    @property
    def history_dir(self) -> Path:
        return self.data_dir / "history"


def _number(env: Mapping[str, str], name: str, default: str, kind: type) -> int | float:
    raw = env.get(name, default).strip()
    try:
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number; write e.g. {name}={default}") from None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from ``env`` (default: ``os.environ``); raise ConfigError with the fix."""
    env = os.environ if env is None else env
    venue_raw = env.get("CONSOLE_VENUE", "paper").strip().lower()
    try:
        venue = Venue(venue_raw)
    except ValueError:
        raise ConfigError(
            f"CONSOLE_VENUE={venue_raw!r} is not a venue; use paper, demo or live"
        ) from None
    candles = env.get("CONSOLE_PAPER_CANDLES", "").strip()
    paper = PaperSettings(
        feed=env.get("CONSOLE_PAPER_FEED", "replay" if candles else "synthetic").strip().lower(),
        candles=Path(candles).expanduser() if candles else None,
        speed=float(_number(env, "CONSOLE_PAPER_SPEED", "60", float)),
        seed=int(_number(env, "CONSOLE_PAPER_SEED", "7", int)),
        port=int(_number(env, "CONSOLE_PAPER_PORT", "0", int)),
        url=env.get("CONSOLE_PAPER_URL", "").strip().rstrip("/"),
        api_key=env.get("CONSOLE_PAPER_API_KEY", "paper-key"),
        api_secret=env.get("CONSOLE_PAPER_API_SECRET", "paper-secret"),
    )
    data_dir_raw = env.get("CONSOLE_DATA_DIR", "").strip()
    data_dir = Path(data_dir_raw).expanduser() if data_dir_raw else default_data_dir(env)
    return Settings(
        data_dir=data_dir,
        venue=venue,
        paper=paper,
        history=HistorySettings(
            archive_url=env.get("CONSOLE_HISTORY_ARCHIVE_URL", BINANCE_ARCHIVE_URL).strip().rstrip("/"),
            rest_url=env.get("CONSOLE_HISTORY_REST_URL", "").strip().rstrip("/"),
        ),
        live_confirmed=env.get("CONSOLE_LIVE_CONFIRMED", "").strip().lower() == "yes",
        cycle_seconds=float(_number(env, "CONSOLE_CYCLE_SECONDS", "2", float)),
        sync_intents=_yes_no(env, "CONSOLE_SYNC_INTENTS"),
        sweep_scheduler=env.get("CONSOLE_SWEEP_SCHEDULER", "").strip(),
    )


def _yes_no(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw not in ("", "yes", "no"):
        raise ConfigError(f"{name}={env[name]!r} must be yes or no (or unset: no)")
    return raw == "yes"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (owner-only, 0700) if needed and return it."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.chmod(0o700)
    except OSError as e:
        raise ConfigError(
            f"cannot use the data folder {path}: {e.strerror}; set CONSOLE_DATA_DIR to a writable folder"
        ) from e
    return path


def parse_decimal(raw: object, what: str) -> Decimal:
    """Parse a user-given number as a finite Decimal, or raise InvalidInput-type ConfigError."""
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ConfigError(f"{what} {raw!r} is not a number; write it like 0.001") from None
    if not value.is_finite():
        raise ConfigError(f"{what} {raw!r} is not a finite number; write it like 0.001")
    return value
