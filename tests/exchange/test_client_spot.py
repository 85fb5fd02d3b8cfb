"""The spot client against the paper exchange, over real HTTP through real ccxt."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from console.domain import Market, OrderRequest, OrderStatus, OrderType, Side
from console.errors import (
    AuthenticationFailed,
    InsufficientBalance,
    InvalidOrder,
    OrderNotFound,
    UnknownSymbol,
    VenueUnreachable,
)

ORDER = "/api/v3/order"


def buy(quantity=None, quote=None, symbol="BTC/USDT", **kw):
    return OrderRequest(symbol=symbol, market=Market.SPOT, side=Side.BUY, quantity=quantity,
                        quote_quantity=quote, **kw)


def sell(quantity, symbol="BTC/USDT", **kw):
    return OrderRequest(symbol=symbol, market=Market.SPOT, side=Side.SELL, quantity=quantity, **kw)


def test_rules_come_from_the_exchange(make_client, rules):
    client = make_client()
    assert client.rules("BTC/USDT") == rules("BTC/USDT")
    with pytest.raises(UnknownSymbol, match="DOGE/USDT is not traded on Binance spot .*pick a listed symbol"):
        client.rules("DOGE/USDT")


def test_market_buy_reports_fill_average_and_commission(make_client, venue, journal):
    client = make_client()
    order = client.place_order(buy(D("0.0123456")), journal=journal)
    assert order.status is OrderStatus.FILLED and order.type is OrderType.MARKET
    assert order.filled == D("0.01234") and order.client_order_id.startswith("cc-")
    assert len(order.client_order_id) <= 36
    assert order.average_price == order.quote_filled / order.filled
    assert order.commissions == (("BTC", D("0.00001234")),)  # 0.1 % of what was received
    assert sum(f.quantity for f in order.fills) == order.filled
    assert journal.events == [("pending", order.client_order_id), ("resolved", order.client_order_id)]
    assert [o["clientOrderId"] for o in venue.exchange_orders("spot")] == [order.client_order_id]


def test_market_buy_by_quote_amount_spends_that_amount(make_client, journal):
    client = make_client()
    order = client.place_order(buy(quote=D("100.009")), journal=journal)
    assert order.quote_filled <= D("100") and order.quote_filled > D("99.9")
    assert order.filled == order.quote_filled / order.average_price


def test_preview_normalises_and_estimates_the_fee_without_sending(make_client, venue):
    client = make_client()
    before = venue.stats.requests(ORDER)
    preview = client.preview(buy(D("0.0123456")))
    assert (preview.quantity, preview.price, preview.notional) == (D("0.01234"), D("30000"), D("370.2"))
    assert (preview.fee, preview.fee_asset) == (D("0.00001234"), "BTC")
    assert venue.stats.requests(ORDER) == before


def test_order_below_the_minimum_is_refused_before_sending(make_client, venue, journal):
    client = make_client()
    with pytest.raises(InvalidOrder, match=r"buy at least 0\.00017 BTC \(≈ 5\.1 USDT\)"):
        client.place_order(buy(D("0.0001")), journal=journal)
    assert venue.stats.requests(ORDER) == 0


def test_balance_check_names_the_shortfall_and_sends_nothing(make_client, venue, journal):
    client = make_client()
    usdt = client.balances()["USDT"].free
    wanted = (usdt / D("30000") + D("1")).quantize(D("0.00001"))
    with pytest.raises(InsufficientBalance) as caught:
        client.place_order(buy(wanted), journal=journal)
    assert caught.value.asset == "USDT" and caught.value.shortfall == wanted * D("30000") - usdt
    assert "short by" in str(caught.value)
    assert venue.stats.requests(ORDER) == 0 and journal.events == []


def test_balances_are_cached_and_follow_own_orders(make_client, venue, journal):
    client = make_client()
    before = client.balances()
    order = client.place_order(buy(D("0.01")), journal=journal)
    after = client.balances()
    assert venue.stats.requests("/api/v3/account") == 1
    btc_before = before["BTC"].free if "BTC" in before else D(0)
    assert after["BTC"].free == btc_before + order.filled - order.commission
    assert after["USDT"].free == before["USDT"].free - order.quote_filled
    assert client.balances(fresh=True) == after


def test_partial_sell_leaving_dust_is_refused_and_sell_all_works(make_client, venue, journal):
    client = make_client()
    bought = client.place_order(buy(D("0.001")), journal=journal)
    held = bought.filled - bought.commission  # 0.000999 BTC
    with pytest.raises(InvalidOrder, match=r"would leave .* sell all 0\.00099 BTC instead"):
        client.place_order(sell(D("0.0009")), journal=journal)
    sold = client.sell_all("BTC/USDT", journal=journal)
    assert sold.side is Side.SELL and sold.filled == D("0.00099") and held - sold.filled < D("0.00001")


def test_limit_order_rests_and_is_cancelled_by_client_id(make_client, journal):
    client = make_client()
    order = client.place_order(buy(D("0.001"), type=OrderType.LIMIT, price=D("25000.004")), journal=journal)
    assert order.status is OrderStatus.OPEN and order.price == D("25000")
    assert [o.client_order_id for o in client.open_orders("BTC/USDT")] == [order.client_order_id]
    assert [o.client_order_id for o in client.open_orders()] == [order.client_order_id]
    cancelled = client.cancel_order("BTC/USDT", client_order_id=order.client_order_id)
    assert cancelled.status is OrderStatus.CANCELLED and client.open_orders("BTC/USDT") == []
    with pytest.raises(OrderNotFound):
        client.cancel_order("BTC/USDT", client_order_id=order.client_order_id)


def test_fetch_order_by_client_id(make_client, journal):
    client = make_client()
    placed = client.place_order(buy(D("0.001")), journal=journal)
    found = client.fetch_order("BTC/USDT", placed.client_order_id)
    assert (found.exchange_order_id, found.filled, found.commissions) == (
        placed.exchange_order_id, placed.filled, placed.commissions)
    with pytest.raises(OrderNotFound):
        client.fetch_order("BTC/USDT", "cc-never-sent")


def test_oco_sell_is_placed_on_the_safe_ticks_and_cancelled(make_client, journal):
    client = make_client()
    bought = client.place_order(buy(D("0.01")), journal=journal)
    held = bought.filled - bought.commission
    oco = client.place_oco_sell("BTC/USDT", held, D("31000.001"), D("29000.001"), journal=journal)
    assert oco.take_profit.type is OrderType.LIMIT_MAKER and oco.take_profit.price == D("31000.01")
    assert oco.stop_loss.type is OrderType.STOP_LOSS_LIMIT and oco.stop_loss.stop_price == D("29000.01")
    assert oco.stop_loss.price == D("28855")  # 0.5 % below the stop, rounded down
    assert oco.take_profit.quantity == D("0.00999")
    assert len(client.open_orders("BTC/USDT")) == 2
    client.cancel_oco("BTC/USDT", oco.list_id)
    assert client.open_orders("BTC/USDT") == []


def test_oco_with_prices_on_the_wrong_side_is_refused(make_client, journal):
    client = make_client()
    client.place_order(buy(D("0.01")), journal=journal)
    with pytest.raises(InvalidOrder, match="take-profit > current price > stop"):
        client.place_oco_sell("BTC/USDT", D("0.009"), D("29500"), D("29000"), journal=journal)


def test_candles_are_closed_only(make_client, fake_time):
    frame = make_client().candles("BTC/USDT", "1m", limit=50)
    assert list(frame.columns) == ["ts", "open", "high", "low", "close", "volume"]
    assert 0 < len(frame) <= 50
    assert frame["ts"].iloc[-1].timestamp() + 60 <= fake_time.now


def test_trades_since(make_client, journal):
    client = make_client()
    order = client.place_order(buy(D("0.001")), journal=journal)
    trades = client.trades("BTC/USDT")
    assert [t.exchange_order_id for t in trades] == [order.exchange_order_id] * len(trades)
    assert sum(t.quantity for t in trades) == order.filled


def test_ticker(make_client):
    ticker = make_client().ticker("BTC/USDT")
    assert D("29000") < ticker.last < D("31000")


def test_wrong_secret_is_an_authentication_error(make_client):
    with pytest.raises(AuthenticationFailed, match="check the key"):
        make_client(api_secret="wrong").balances()


def test_nothing_listening_is_unreachable(make_client):
    with pytest.raises(VenueUnreachable):
        make_client(base_url="http://127.0.0.1:9").ticker("BTC/USDT")


def test_quote_amount_below_the_min_notional_is_refused(make_client, venue, journal):
    with pytest.raises(InvalidOrder, match="below the minimum order value 5 USDT for BTC/USDT"):
        make_client().place_order(buy(quote=D("4")), journal=journal)
    assert venue.stats.requests(ORDER) == 0


def test_preview_warns_of_a_sell_that_would_leave_dust(make_client, journal):
    client = make_client()
    client.place_order(buy(D("0.001")), journal=journal)
    preview = client.preview(sell(D("0.0009")))
    assert preview.quantity == D("0.0009") and (preview.fee, preview.fee_asset) == (D("0.027"), "USDT")
    assert any("sell all 0.00099 BTC instead" in w for w in preview.warnings)


def test_limiter_takes_the_exchange_weight_count(make_client, venue):
    client = make_client()
    client.rules("BTC/USDT")
    client.balances()
    client.ticker("BTC/USDT")
    assert client.transport.limiter.used_weight == venue.stats.used_weight("spot") == 20 + 20 + 2


def test_clients_of_one_venue_share_the_limiter_and_the_ban_gate(venue):
    from console.domain import Venue
    from console.exchange.futures import FuturesClient
    from console.exchange.spot import SpotClient

    a, b = (SpotClient(Venue.PAPER, base_url=venue.base_url, api_key="paper-key", api_secret="paper-secret")
            for _ in range(2))
    futures = FuturesClient(Venue.PAPER, base_url=venue.base_url, api_key="paper-key", api_secret="paper-secret")
    assert a.transport.limiter is b.transport.limiter is not futures.transport.limiter
    assert a.transport.gate is b.transport.gate is not futures.transport.gate


def test_symbols_lists_what_trades(make_client):
    spot, futures = make_client().symbols(), make_client(Market.FUTURES).symbols()
    assert "BTC/USDT" in spot and "ETH/BTC" in spot and "EOS/ETH" not in spot  # EOSETH is on BREAK
    assert "BTC/USDT" in futures and "XRP/USDT" in futures and "ETH/BTC" not in futures


def test_permissions_tell_what_the_keys_may_do(make_client):
    assert make_client().permissions() == {"trade": True, "withdraw": True, "deposit": True}


def test_a_sell_of_exactly_ones_own_holding_may_leave_what_others_hold(make_client, journal):
    """A bot closing its own position leaves the rest of the account alone, even below the minimum."""
    client = make_client()
    bought = client.place_order(buy(D("0.001")), journal=journal)
    request = OrderRequest(symbol="BTC/USDT", market=Market.SPOT, side=Side.SELL, quantity=D("0.0009"),
                           keep_remainder=True)
    sold = client.place_order(request, journal=journal)
    assert sold.filled == D("0.0009")
    left = client.balances(fresh=True)["BTC"].free
    assert left == bought.filled - bought.commission - sold.filled
