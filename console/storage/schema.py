"""The database schema, as numbered migrations applied in order at start.

Add a change as the next number; never edit a migration that has shipped.
Money and quantities are ``DECIMAL(38,18)``; timestamps are ``TIMESTAMP`` in UTC
(naive in the database, aware UTC in the records). There are no foreign keys:
trades and events outlive the bot that made them.
"""
from __future__ import annotations

# Trades summed per UTC day, venue, market, bot and symbol: what the analytics read
# instead of scanning every trade. Kept by ``trades.record`` in the trade's own
# transaction; this statement rebuilds it from the trades (migration 2, bulk imports).
# bot_id 0 stands for manual trades (bot ids start at 1).
REBUILD_TRADE_DAYS = """
    DELETE FROM trade_days;
    INSERT INTO trade_days
    SELECT CAST(ts AS DATE), venue, market, coalesce(bot_id, 0), symbol,
           COUNT(*), SUM(pnl), SUM(commission_quote),
           COUNT(*) FILTER (WHERE closing),
           COUNT(*) FILTER (WHERE closing AND pnl > 0),
           COUNT(*) FILTER (WHERE closing AND pnl < 0),
           coalesce(SUM(pnl) FILTER (WHERE closing AND pnl > 0), 0),
           coalesce(SUM(pnl) FILTER (WHERE closing AND pnl < 0), 0)
    FROM trades GROUP BY ALL;
"""

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "accounts, bots, orders journal, trades, lots, events, balance snapshots",
        """
        CREATE TABLE accounts (
            name VARCHAR PRIMARY KEY,
            venue VARCHAR NOT NULL,
            api_key_enc VARCHAR NOT NULL,
            api_secret_enc VARCHAR NOT NULL,
            masked_key VARCHAR NOT NULL,
            updated_at TIMESTAMP NOT NULL
        );
        CREATE SEQUENCE bot_ids START 1;
        CREATE TABLE bots (
            id INTEGER PRIMARY KEY DEFAULT nextval('bot_ids'),
            name VARCHAR NOT NULL UNIQUE,
            config JSON NOT NULL,
            state VARCHAR NOT NULL,
            reason VARCHAR NOT NULL DEFAULT '',
            trades_today INTEGER NOT NULL DEFAULT 0,
            pnl_today DECIMAL(38,18) NOT NULL DEFAULT 0,
            day DATE NOT NULL,
            updated_at TIMESTAMP NOT NULL
        );
        CREATE TABLE orders (
            client_order_id VARCHAR PRIMARY KEY,
            bot_id INTEGER,
            venue VARCHAR NOT NULL,
            market VARCHAR NOT NULL,
            symbol VARCHAR NOT NULL,
            side VARCHAR NOT NULL,
            type VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            exchange_order_id VARCHAR,
            request JSON NOT NULL,
            response JSON,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL
        );
        CREATE SEQUENCE trade_ids START 1;
        CREATE TABLE trades (
            id BIGINT NOT NULL DEFAULT nextval('trade_ids'),
            bot_id INTEGER,
            account VARCHAR NOT NULL,
            venue VARCHAR NOT NULL,
            market VARCHAR NOT NULL,
            exchange_order_id VARCHAR NOT NULL,
            client_order_id VARCHAR NOT NULL,
            symbol VARCHAR NOT NULL,
            side VARCHAR NOT NULL,
            order_type VARCHAR NOT NULL,
            price DECIMAL(38,18) NOT NULL,
            quantity DECIMAL(38,18) NOT NULL,
            quote_quantity DECIMAL(38,18) NOT NULL,
            commission DECIMAL(38,18) NOT NULL,
            commission_asset VARCHAR NOT NULL,
            commission_quote DECIMAL(38,18) NOT NULL,
            pnl DECIMAL(38,18) NOT NULL,
            realized_pnl DECIMAL(38,18),
            closing BOOLEAN NOT NULL,
            ts TIMESTAMP NOT NULL,
            UNIQUE (venue, market, exchange_order_id)
        );
        CREATE SEQUENCE lot_ids START 1;
        CREATE TABLE lots (
            id BIGINT NOT NULL DEFAULT nextval('lot_ids'),
            venue VARCHAR NOT NULL,
            account VARCHAR NOT NULL,
            bot_key INTEGER NOT NULL,
            symbol VARCHAR NOT NULL,
            quantity DECIMAL(38,18) NOT NULL,
            cost DECIMAL(38,18) NOT NULL,
            opened_at TIMESTAMP NOT NULL
        );
        CREATE SEQUENCE event_ids START 1;
        CREATE TABLE events (
            id BIGINT NOT NULL DEFAULT nextval('event_ids'),
            bot_id INTEGER,
            kind VARCHAR NOT NULL,
            message VARCHAR NOT NULL,
            ts TIMESTAMP NOT NULL
        );
        CREATE TABLE balance_snapshots (
            venue VARCHAR NOT NULL,
            market VARCHAR NOT NULL,
            asset VARCHAR NOT NULL,
            free DECIMAL(38,18) NOT NULL,
            locked DECIMAL(38,18) NOT NULL,
            value_quote DECIMAL(38,18) NOT NULL,
            ts TIMESTAMP NOT NULL
        );
        """,
    ),
    (
        2,
        "trades summed per day, bot and symbol for the analytics",
        """
        CREATE TABLE trade_days (
            day DATE NOT NULL,
            venue VARCHAR NOT NULL,
            market VARCHAR NOT NULL,
            bot_id INTEGER NOT NULL,
            symbol VARCHAR NOT NULL,
            trades BIGINT NOT NULL,
            net_pnl DECIMAL(38,18) NOT NULL,
            fees DECIMAL(38,18) NOT NULL,
            closes BIGINT NOT NULL,
            wins BIGINT NOT NULL,
            losses BIGINT NOT NULL,
            gross_win DECIMAL(38,18) NOT NULL,
            gross_loss DECIMAL(38,18) NOT NULL,
            PRIMARY KEY (day, venue, market, bot_id, symbol)
        );
        """
        + REBUILD_TRADE_DAYS,
    ),
    (
        3,
        "bookkeeping adjustments among the trades; holdings outside the books",
        """
        ALTER TABLE trades ADD COLUMN adjustment BOOLEAN DEFAULT false;
        CREATE SEQUENCE outside_ids START 1;
        CREATE TABLE outside_holdings (
            id BIGINT NOT NULL DEFAULT nextval('outside_ids'),
            venue VARCHAR NOT NULL,
            market VARCHAR NOT NULL,
            account VARCHAR NOT NULL,
            holding VARCHAR NOT NULL,
            quantity DECIMAL(38,18) NOT NULL,
            note VARCHAR NOT NULL,
            ts TIMESTAMP NOT NULL
        );
        """,
    ),
    (
        4,
        "backtest runs and their trades",
        """
        CREATE SEQUENCE IF NOT EXISTS backtest_run_ids START 1;
        CREATE TABLE IF NOT EXISTS backtest_runs (
            id BIGINT PRIMARY KEY DEFAULT nextval('backtest_run_ids'),
            created_at TIMESTAMP NOT NULL,
            name VARCHAR NOT NULL,
            symbol VARCHAR NOT NULL,
            market VARCHAR NOT NULL,
            timeframe VARCHAR NOT NULL,
            strategy VARCHAR NOT NULL,
            config VARCHAR NOT NULL,
            data_start TIMESTAMP NOT NULL,
            data_end TIMESTAMP NOT NULL,
            candles INTEGER NOT NULL,
            starting_balance DECIMAL(38,18) NOT NULL,
            final_equity DECIMAL(38,18) NOT NULL,
            metrics VARCHAR NOT NULL
        );
        CREATE TABLE IF NOT EXISTS backtest_trades (
            run_id BIGINT NOT NULL,
            seq INTEGER NOT NULL,
            direction VARCHAR NOT NULL,
            entry_ts TIMESTAMP NOT NULL,
            exit_ts TIMESTAMP NOT NULL,
            quantity DECIMAL(38,18) NOT NULL,
            entry_price DECIMAL(38,18) NOT NULL,
            exit_price DECIMAL(38,18) NOT NULL,
            fees DECIMAL(38,18) NOT NULL,
            funding DECIMAL(38,18) NOT NULL,
            pnl DECIMAL(38,18) NOT NULL,
            exit_reason VARCHAR NOT NULL,
            PRIMARY KEY (run_id, seq)
        );
        """,
    ),
    (
        5,
        "parameter sweeps and their trials",
        """
        CREATE TABLE IF NOT EXISTS sweeps (
            id VARCHAR PRIMARY KEY,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL,
            name VARCHAR NOT NULL,
            symbols VARCHAR NOT NULL,
            strategy VARCHAR NOT NULL,
            definition VARCHAR NOT NULL,
            state VARCHAR NOT NULL,
            total INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS sweep_trials (
            sweep_id VARCHAR NOT NULL,
            key VARCHAR NOT NULL,
            stage VARCHAR NOT NULL,
            symbol VARCHAR NOT NULL,
            window_start TIMESTAMP NOT NULL,
            window_end TIMESTAMP NOT NULL,
            params VARCHAR NOT NULL,
            metrics VARCHAR NOT NULL,
            score DOUBLE,
            feasible BOOLEAN NOT NULL,
            error VARCHAR NOT NULL,
            seconds DOUBLE NOT NULL,
            finished_at TIMESTAMP NOT NULL,
            PRIMARY KEY (sweep_id, key)
        );
        """,
    ),
    (
        6,
        "notifications and their channels' settings",
        """
        CREATE SEQUENCE IF NOT EXISTS notification_ids;
        CREATE TABLE IF NOT EXISTS notifications (
            id BIGINT PRIMARY KEY DEFAULT nextval('notification_ids'),
            source VARCHAR NOT NULL UNIQUE,
            ts TIMESTAMP NOT NULL,
            kind VARCHAR NOT NULL,
            bot_id INTEGER,
            title VARCHAR NOT NULL,
            message VARCHAR NOT NULL,
            delivered VARCHAR NOT NULL DEFAULT '',
            attempts INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE IF NOT EXISTS notify_settings (
            key VARCHAR PRIMARY KEY,
            value VARCHAR NOT NULL
        );
        INSERT OR IGNORE INTO notify_settings
            SELECT 'floor.events', CAST(coalesce(max(id), 0) AS VARCHAR) FROM events;
        INSERT OR IGNORE INTO notify_settings
            SELECT 'floor.trades', CAST(coalesce(max(id), 0) AS VARCHAR) FROM trades;
        """,
    ),
)
