"""The route table: (method, path) -> handler, request weight, signed or not, counts as an order."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from console.paper import futures_api, public, spot_api

Handler = Callable[[Any, dict[str, str], bool], Any]


@dataclass(frozen=True)
class Route:
    handler: Handler
    weight: int = 1
    signed: bool = False
    order: bool = False
    mutates: bool = False


def _table() -> dict[tuple[str, str], Route]:
    r: dict[tuple[str, str], Route] = {}
    for prefix, futures in (("/api/v3", False), ("/fapi/v1", True)):
        heavy = 40 if futures else 80
        r[("GET", prefix + "/ping")] = Route(public.ping)
        r[("GET", prefix + "/time")] = Route(public.server_time)
        r[("GET", prefix + "/exchangeInfo")] = Route(public.exchange_info, 1 if futures else 20)
        r[("GET", prefix + "/ticker/24hr")] = Route(public.ticker_24hr, heavy // 2 if futures else 2)
        r[("GET", prefix + "/ticker/price")] = Route(public.ticker_price, 2)
        r[("GET", prefix + "/ticker/bookTicker")] = Route(public.book_ticker, 2)
        r[("GET", prefix + "/klines")] = Route(public.klines, 5 if futures else 2)
        r[("GET", prefix + "/depth")] = Route(public.depth, 5)
    r[("GET", "/fapi/v1/premiumIndex")] = Route(public.premium_index, 1)
    r[("GET", "/fapi/v1/markPriceKlines")] = Route(public.klines, 5)
    r[("GET", "/fapi/v1/indexPriceKlines")] = Route(public.index_price_klines, 5)
    r[("GET", "/fapi/v2/ticker/price")] = Route(public.ticker_price, 2)
    r[("GET", "/fapi/v1/fundingRate")] = Route(public.funding_rate, 1)
    r[("GET", "/api/v3/avgPrice")] = Route(public.avg_price, 2)
    r[("GET", "/api/v3/ticker")] = Route(public.rolling_ticker, 4)

    s = spot_api
    r[("GET", "/api/v3/account")] = Route(s.account, 20, signed=True)
    r[("POST", "/api/v3/order")] = Route(s.new_order, 1, signed=True, order=True, mutates=True)
    r[("POST", "/api/v3/order/test")] = Route(s.test_order, 1, signed=True)
    r[("GET", "/api/v3/order")] = Route(s.query_order, 4, signed=True)
    r[("DELETE", "/api/v3/order")] = Route(s.cancel_order, 1, signed=True, mutates=True)
    r[("GET", "/api/v3/openOrders")] = Route(s.open_orders, 6, signed=True)
    r[("DELETE", "/api/v3/openOrders")] = Route(s.cancel_open_orders, 1, signed=True, mutates=True)
    r[("GET", "/api/v3/allOrders")] = Route(s.all_orders, 20, signed=True)
    r[("POST", "/api/v3/orderList/oco")] = Route(s.new_oco, 1, signed=True, order=True, mutates=True)
    # Deprecated 2024-04-02 for /api/v3/orderList/oco but still served by Binance (its spot SDK 13.x
    # keeps "New OCO - Deprecated (TRADE)"; no changelog entry retires it): served as Binance does.
    r[("POST", "/api/v3/order/oco")] = Route(s.new_oco, 1, signed=True, order=True, mutates=True)
    r[("DELETE", "/api/v3/orderList")] = Route(s.cancel_list, 1, signed=True, mutates=True)
    r[("GET", "/api/v3/orderList")] = Route(s.query_list, 4, signed=True)
    r[("GET", "/api/v3/myTrades")] = Route(s.my_trades, 20, signed=True)

    f = futures_api
    r[("GET", "/fapi/v2/account")] = Route(f.account, 5, signed=True)
    r[("GET", "/fapi/v3/account")] = Route(f.account_v3, 5, signed=True)
    r[("GET", "/fapi/v2/balance")] = Route(f.balance, 5, signed=True)
    r[("GET", "/fapi/v3/balance")] = Route(f.balance, 5, signed=True)
    r[("POST", "/fapi/v1/order")] = Route(f.new_order, 1, signed=True, order=True, mutates=True)
    r[("GET", "/fapi/v1/order")] = Route(f.query_order, 1, signed=True)
    r[("DELETE", "/fapi/v1/order")] = Route(f.cancel_order, 1, signed=True, mutates=True)
    r[("GET", "/fapi/v1/openOrders")] = Route(f.open_orders, 1, signed=True)
    r[("DELETE", "/fapi/v1/allOpenOrders")] = Route(f.cancel_all, 1, signed=True, mutates=True)
    r[("GET", "/fapi/v1/allOrders")] = Route(f.all_orders, 5, signed=True)
    r[("GET", "/fapi/v1/userTrades")] = Route(f.user_trades, 5, signed=True)
    r[("GET", "/fapi/v1/income")] = Route(f.income, 30, signed=True)
    r[("GET", "/fapi/v1/forceOrders")] = Route(f.force_orders, 20, signed=True)
    r[("POST", "/fapi/v1/leverage")] = Route(f.set_leverage, 1, signed=True, mutates=True)
    r[("POST", "/fapi/v1/marginType")] = Route(f.set_margin_type, 1, signed=True, mutates=True)
    r[("GET", "/fapi/v2/positionRisk")] = Route(f.position_risk, 5, signed=True)
    r[("GET", "/fapi/v3/positionRisk")] = Route(f.position_risk_v3, 5, signed=True)
    r[("GET", "/fapi/v1/leverageBracket")] = Route(f.leverage_bracket, 1, signed=True)
    r[("GET", "/fapi/v1/symbolConfig")] = Route(f.symbol_config, 5, signed=True)
    r[("GET", "/fapi/v1/positionSide/dual")] = Route(f.position_mode, 30, signed=True)
    r[("POST", "/fapi/v1/algoOrder")] = Route(f.new_algo, 1, signed=True, order=True, mutates=True)
    r[("GET", "/fapi/v1/algoOrder")] = Route(f.query_algo, 1, signed=True)
    r[("DELETE", "/fapi/v1/algoOrder")] = Route(f.cancel_algo, 1, signed=True, mutates=True)
    r[("GET", "/fapi/v1/openAlgoOrders")] = Route(f.open_algos, 1, signed=True)
    r[("GET", "/fapi/v1/allAlgoOrders")] = Route(f.all_algos, 5, signed=True)
    return r


ROUTES = _table()
