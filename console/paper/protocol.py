"""Binance wire conventions shared by the paper exchange: errors and number formats."""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

EIGHT = Decimal("0.00000001")


class ApiError(Exception):
    """An error answered the way Binance answers it: HTTP status plus {"code", "msg"}."""

    def __init__(self, status: int, code: int, msg: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{status} {code} {msg}")
        self.status = status
        self.code = code
        self.msg = msg
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        return {"code": self.code, "msg": self.msg}


def bad_request(code: int, msg: str) -> ApiError:
    return ApiError(400, code, msg)


def filter_failure(name: str) -> ApiError:
    return ApiError(400, -1013, f"Filter failure: {name}")


def invalid_symbol() -> ApiError:
    return ApiError(400, -1121, "Invalid symbol.")


def insufficient_balance() -> ApiError:
    return ApiError(400, -2010, "Account has insufficient balance for requested action.")


def margin_insufficient() -> ApiError:
    return ApiError(400, -2019, "Margin is insufficient.")


def order_missing() -> ApiError:
    return ApiError(400, -2013, "Order does not exist.")


def unknown_order() -> ApiError:
    return ApiError(400, -2011, "Unknown order sent.")


def mandatory(name: str) -> ApiError:
    return ApiError(400, -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def parse_decimal(params: dict[str, str], name: str, required: bool = False) -> Decimal | None:
    """Read a decimal parameter; raise -1102 when required and absent, -1100 when malformed."""
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise mandatory(name)
        return None
    try:
        value = Decimal(raw)
    except ArithmeticError:
        raise bad_request(-1100, f"Illegal characters found in parameter '{name}'; "
                                 "legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.") from None
    if not value.is_finite():
        raise bad_request(-1100, f"Illegal characters found in parameter '{name}'.")
    return value


def parse_int(params: dict[str, str], name: str, default: int | None = None) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise bad_request(-1100, f"Illegal characters found in parameter '{name}'; "
                                 "legal range is '^[0-9]{1,20}$'.") from None


def fmt8(value: Decimal) -> str:
    """Format like spot Binance: eight decimals."""
    return f"{value.quantize(EIGHT, rounding=ROUND_HALF_UP):f}"


def fmt(value: Decimal) -> str:
    """Format like USD-M Binance: plain, without trailing zeros."""
    if value == 0:
        return "0"
    text = f"{value.normalize():f}"
    return text


def round8(value: Decimal) -> Decimal:
    return value.quantize(EIGHT, rounding=ROUND_HALF_UP)


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    """Round down to a multiple of step (step 0 leaves value unchanged)."""
    if step == 0:
        return value
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    if step == 0:
        return value
    return (value / step).to_integral_value(rounding=ROUND_UP) * step
