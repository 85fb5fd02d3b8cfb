"""The paper exchange's parameter tables hold against Binance's own specification.

Spot rows against Binance's OpenAPI file (../shared/data/api_spec, v1.22.0) plus the changes the
tables name in SINCE_SPEC, and against Binance's spot SDK (generated from its current spec); USD-M
rows against Binance's USD-M SDK. A row that drifts from its source fails here.
"""
from __future__ import annotations

import enum
import importlib
import inspect
import re
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from binance_common.utils import snake_to_camel

from console.paper import spec_futures, spec_spot
from console.paper.routes import ROUTES

Rows = dict[str, tuple[Any, bool]]
LEGACY_OCO = ("POST", "/api/v3/order/oco")
SIGNED_NAMES = ("recvWindow", "timestamp", "signature")

# Where Binance's generated spot SDK is looser than, or disagrees with, its spec and docs.
SPOT_SDK_DIFFERS = {
    # the SDK types symbols as a Python list it sends JSON-encoded: a string on the wire
    **{(key, "symbols"): "string" for key in spec_spot.ENDPOINTS},
    # iceberg quantities are quantities (DECIMAL in the spec file and on POST /api/v3/order)
    **{(("POST", "/api/v3/orderList/oco"), f"{leg}IcebergQty"): "decimal" for leg in ("above", "below")},
    # a BUY OCO's LIMIT_MAKER is its below leg (the spec file lists LIMIT_MAKER for belowType)
    (("POST", "/api/v3/orderList/oco"), "belowType"): "superset",
    # one permission or a JSON list of them (the spec file: "'SPOT' or ['MARGIN','LEVERAGED']")
    (("GET", "/api/v3/exchangeInfo"), "permissions"): "string",
}


def kind_of_schema(schema: dict[str, Any]) -> Any:
    if "enum" in schema:
        return tuple(str(v) for v in schema["enum"])
    return {"integer": spec_spot.INT, "number": spec_spot.DECIMAL, "boolean": spec_spot.BOOL}.get(
        schema.get("type", ""), spec_spot.STRING)


def kind_of_annotation(annotation: Any) -> Any:
    args = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
    kind = args[0]
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return tuple(str(member.value) for member in kind)
    return {bool: spec_spot.BOOL, int: spec_spot.INT, float: spec_spot.DECIMAL}.get(kind, spec_spot.STRING)


def sdk_rows(package: str) -> dict[tuple[str, str], Rows]:
    """(method, path) -> rows, read from the signatures of an official Binance SDK's REST methods."""
    out: dict[tuple[str, str], Rows] = {}
    api = importlib.import_module(f"{package}.rest_api.api")
    for module_name in [n for n in dir(api) if n.endswith("_api")]:
        module = importlib.import_module(f"{package}.rest_api.api.{module_name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for _, function in inspect.getmembers(cls, inspect.isfunction):
                source = inspect.getsource(function)
                found = re.search(r'method="(\w+)",\s*path="([^"]+)"', source)
                if found is None:
                    continue
                hints = typing.get_type_hints(function)
                rows: Rows = {snake_to_camel(p.name): (kind_of_annotation(hints[p.name]), p.default is p.empty)
                              for p in list(inspect.signature(function).parameters.values())[1:]}
                if "is_signed=True" in source:
                    rows.update(timestamp=(spec_spot.INT, True), signature=(spec_spot.STRING, True))
                out[(found.group(1), found.group(2))] = rows
    return out


@pytest.fixture(scope="module")
def spot_sdk() -> dict[tuple[str, str], Rows]:
    return sdk_rows("binance_sdk_spot")


@pytest.fixture(scope="module")
def usdm_sdk() -> dict[tuple[str, str], Rows]:
    return sdk_rows("binance_sdk_derivatives_trading_usds_futures")


@pytest.fixture(scope="module")
def spec_file(shared_data: Path) -> dict[tuple[str, str], Rows]:
    doc = yaml.safe_load((shared_data / "api_spec" / "binance_spot_api.yaml").read_text())
    shared = doc["components"]["parameters"]
    out: dict[tuple[str, str], Rows] = {}
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            rows: Rows = {}
            for param in operation.get("parameters", []):
                param = shared[param["$ref"].split("/")[-1]] if "$ref" in param else param
                rows[param["name"]] = (kind_of_schema(param.get("schema", {})), bool(param.get("required")))
            out[(method.upper(), path)] = rows
    return out


def same_kind(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, tuple) and isinstance(theirs, tuple):
        return set(ours) == set(theirs)
    return ours == theirs


def test_every_route_has_a_table_and_every_table_a_route() -> None:
    tables = {**spec_spot.ENDPOINTS, **spec_futures.ENDPOINTS}
    assert sorted(set(ROUTES) - set(tables)) == []
    assert sorted(set(tables) - set(ROUTES)) == []


def test_every_signed_route_takes_timestamp_and_signature() -> None:
    tables = {**spec_spot.ENDPOINTS, **spec_futures.ENDPOINTS}
    for key, route in ROUTES.items():
        assert all(name in tables[key] for name in SIGNED_NAMES) == route.signed, key


@pytest.mark.parametrize("key", sorted(k for k in spec_spot.ENDPOINTS if k != LEGACY_OCO), ids=" ".join)
def test_spot_rows_hold_against_the_spec_file(key: tuple[str, str], spec_file: dict[tuple[str, str], Rows]) -> None:
    ours, theirs = spec_spot.ENDPOINTS[key], spec_file[key]
    changed = {**spec_spot.SINCE_SPEC.get(key, {}), **(spec_spot.SINCE_SPEC["signed"] if "timestamp" in ours else {})}
    assert sorted(set(theirs) - set(ours)) == []
    assert sorted(set(ours) - set(theirs) - set(changed)) == [], "rows without a source"
    for name, (kind, required) in theirs.items():
        assert ours[name][1] == required, name
        assert same_kind(ours[name][0], kind) or name in changed, (name, ours[name][0], kind)


@pytest.mark.parametrize("key", sorted(spec_spot.ENDPOINTS), ids=" ".join)
def test_spot_rows_hold_against_binances_spot_sdk(key: tuple[str, str], spot_sdk: dict[tuple[str, str], Rows]) -> None:
    ours, theirs = spec_spot.ENDPOINTS[key], spot_sdk[key]
    assert sorted(set(ours) ^ set(theirs)) == []
    for name, (kind, required) in theirs.items():
        assert ours[name][1] == required, name
        differs = SPOT_SDK_DIFFERS.get((key, name))
        if differs == "superset":
            assert set(kind) <= set(ours[name][0]), name
        elif differs is not None:
            assert ours[name][0] == differs, name
        else:
            assert same_kind(ours[name][0], kind), (name, ours[name][0], kind)


@pytest.mark.parametrize("key", sorted(spec_futures.ENDPOINTS), ids=" ".join)
def test_usdm_rows_hold_against_binances_usdm_sdk(key: tuple[str, str], usdm_sdk: dict[tuple[str, str], Rows]) -> None:
    ours, theirs = spec_futures.ENDPOINTS[key], usdm_sdk[key]
    assert sorted(set(ours) ^ set(theirs)) == []
    for name, (kind, required) in theirs.items():
        assert ours[name][1] == required, name
        assert same_kind(ours[name][0], kind), (name, ours[name][0], kind)


def test_retired_usdm_order_parameters_are_gone_from_the_sdk(usdm_sdk: dict[tuple[str, str], Rows]) -> None:
    for key, rows in spec_futures.RETIRED.items():
        assert set(rows).isdisjoint(usdm_sdk[key])
        assert set(rows) <= set(usdm_sdk[("POST", "/fapi/v1/order/test")]), "the names Binance still reads"


@pytest.mark.parametrize("module", [spec_spot, spec_futures], ids=["spot", "usdm"])
def test_rules_by_value_name_parameters_and_values_of_their_endpoint(module: Any) -> None:
    for key, fields in module.BY_VALUE.items():
        rows = {**module.ENDPOINTS[key], **getattr(module, "RETIRED", {}).get(key, {})}
        for field, by_value in fields.items():
            kind = rows[field][0]
            for value, rule in by_value.items():
                assert value == "*" or value in kind, (key, field, value)
                for names in rule.values():
                    flat = [n for item in names for n in ((item,) if isinstance(item, str) else item)]
                    assert set(flat) <= set(rows), (key, field, value, flat)


def test_every_change_since_the_spec_file_is_a_real_change(spec_file: dict[tuple[str, str], Rows]) -> None:
    for key, changes in spec_spot.SINCE_SPEC.items():
        keys = [k for k, rows in spec_spot.ENDPOINTS.items()
                if "timestamp" in rows and k != LEGACY_OCO] if key == "signed" else [key]
        for endpoint in keys:
            for name in changes:
                ours, theirs = spec_spot.ENDPOINTS[endpoint][name], spec_file[endpoint].get(name)
                assert theirs is None or not same_kind(ours[0], theirs[0]), (endpoint, name, "unchanged")
