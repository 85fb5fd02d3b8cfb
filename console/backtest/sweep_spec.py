"""What a parameter sweep is: the bot config, the parameter ranges, symbols, dates, objective and constraints.

``console.backtest.sweep`` runs one; this module only defines and checks it, and gives it an id (a hash
of its definition unless it is named).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any

from console.domain import BotConfig
from console.engine.strategies import get_strategy
from console.engine.strategies.base import ParamSpec, ParamValue
from console.errors import ConfigError

SEARCHES = ("grid", "tpe", "random")


class Objective(str, Enum):
    """What a sweep maximises; each is a field of ``Metrics``."""

    NET_PROFIT = "net_profit"
    SHARPE = "sharpe"
    CALMAR = "calmar"
    PROFIT_FACTOR = "profit_factor"


@dataclass(frozen=True, kw_only=True)
class ParamRange:
    """The values one strategy parameter takes: ``values`` given, or ``low`` to ``high`` by ``step``.

    A grid uses every value; a search draws from the range (``step`` None: any float within it).
    """

    name: str
    values: tuple[ParamValue, ...] = ()
    low: float | None = None
    high: float | None = None
    step: float | None = None

    def __post_init__(self) -> None:
        ranged = self.low is not None and self.high is not None
        if not self.values and not ranged:
            raise ConfigError(f"give {self.name} some values (5,10,20) or a range (low:high:step, e.g. 5:50:5)")
        if ranged and self.low > self.high:  # type: ignore[operator]
            raise ConfigError(f"{self.name} range {self.low}:{self.high} runs backwards; put the low end first")
        if self.step is not None and self.step <= 0:
            raise ConfigError(f"{self.name} step {self.step} must be positive, e.g. 5")

    @classmethod
    def parse(cls, name: str, text: str) -> ParamRange:
        """Read ``5,10,20`` (values), ``5:50:5`` (low:high:step) or ``0.5:3`` (any value between)."""
        text = text.strip()
        if ":" in text:
            parts = [p.strip() for p in text.split(":")]
            if len(parts) not in (2, 3) or not all(parts):
                raise ConfigError(f"{name} range {text!r} must look like low:high or low:high:step, e.g. 5:50:5")
            try:
                numbers = [float(p) for p in parts]
            except ValueError:
                raise ConfigError(f"{name} range {text!r} has a part that is not a number; e.g. 5:50:5") from None
            return cls(name=name, low=numbers[0], high=numbers[1], step=numbers[2] if len(numbers) == 3 else None)
        values = tuple(v.strip() for v in text.split(",") if v.strip())
        return cls(name=name, values=tuple(_number_or_text(v) for v in values))

    def grid(self, spec: ParamSpec) -> list[ParamValue]:
        """Every value of the grid, typed and checked by the strategy's parameter."""
        if self.values:
            raw: list[Any] = list(self.values)
        else:
            if self.step is None:
                raise ConfigError(f"a grid needs a step for {self.name} ({self.low}:{self.high}:STEP) or its values")
            count = int(math.floor((self.high - self.low) / self.step + 1e-9)) + 1  # type: ignore[operator]
            raw = [self.low + i * self.step for i in range(count)]  # type: ignore[operator]
            if spec.kind is int:
                raw = [round(v) for v in raw]
        out: list[ParamValue] = []
        for value in raw:
            typed = spec.coerce(value)
            if typed not in out:
                out.append(typed)
        return out

    def distribution(self, spec: ParamSpec):
        """The optuna distribution a search draws this parameter from."""
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        if self.values:
            return CategoricalDistribution([spec.coerce(v) for v in self.values])
        low, high = spec.coerce(self.low), spec.coerce(self.high)
        if spec.kind is int:
            return IntDistribution(int(low), int(high), step=max(1, int(round(self.step or 1))))
        return FloatDistribution(float(low), float(high), step=self.step)

    def as_dict(self) -> dict:
        return {"name": self.name, "values": list(self.values), "low": self.low, "high": self.high, "step": self.step}


def _number_or_text(text: str) -> ParamValue:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


@dataclass(frozen=True, kw_only=True)
class Constraints:
    """What a trial must reach to count: at least ``min_trades`` round trips, at most ``max_drawdown_pct``."""

    min_trades: int = 0
    max_drawdown_pct: float | None = None

    def __post_init__(self) -> None:
        if self.min_trades < 0:
            raise ConfigError(f"min trades {self.min_trades} must be 0 or more")
        if self.max_drawdown_pct is not None and not 0 < self.max_drawdown_pct <= 100:
            raise ConfigError(f"max drawdown {self.max_drawdown_pct}% must be between 0 and 100, e.g. 25")

    def met(self, figures: Mapping[str, Any]) -> bool:
        if int(figures["trades"]) < self.min_trades:
            return False
        return self.max_drawdown_pct is None or float(figures["max_drawdown_pct"]) <= self.max_drawdown_pct


@dataclass(frozen=True, kw_only=True)
class WalkForward:
    """Rolling windows: tune on ``train_ms``, test the chosen parameters on the next ``test_ms``; move by ``step_ms``."""

    train_ms: int
    test_ms: int
    step_ms: int

    def __post_init__(self) -> None:
        if min(self.train_ms, self.test_ms, self.step_ms) <= 0:
            raise ConfigError("walk-forward train, test and step lengths must all be positive, e.g. 90d, 30d, 30d")


@dataclass(frozen=True, kw_only=True)
class SweepSpec:
    """A whole sweep's definition. Its ``sweep_id`` is a hash of it unless a name is given as ``id``."""

    config: BotConfig
    ranges: tuple[ParamRange, ...]
    symbols: tuple[str, ...]
    start_ms: int
    end_ms: int
    objective: Objective = Objective.NET_PROFIT
    constraints: Constraints = Constraints()
    search: str = "grid"
    trials: int = 0  # a search's number of trials (grid: every combination)
    seed: int = 7
    starting_balance: Decimal = Decimal("10000")
    walk_forward: WalkForward | None = None
    id: str = ""

    def __post_init__(self) -> None:
        strategy = get_strategy(self.config.strategy)
        names = [p.name for p in strategy.params]
        for r in self.ranges:
            if r.name not in names:
                raise ConfigError(f"{self.config.strategy} has no parameter {r.name!r}; sweep one of {', '.join(names)}")
        if len({r.name for r in self.ranges}) != len(self.ranges):
            raise ConfigError("each parameter may have one range only; remove the repeated one")
        if not self.ranges:
            raise ConfigError(f"give at least one parameter range, e.g. {names[0]}=5:50:5")
        if not self.symbols:
            raise ConfigError("give at least one symbol, e.g. BTC/USDT")
        if self.end_ms <= self.start_ms:
            raise ConfigError("the sweep's end date must come after its start date")
        if self.search not in SEARCHES:
            raise ConfigError(f"search {self.search!r} is not one of {', '.join(SEARCHES)}")
        if self.search != "grid" and self.trials < 1:
            raise ConfigError(f"a {self.search} search needs a number of trials, e.g. 100")
        if self.search == "grid":
            self.grid()  # refuses a range without a step now, not on a worker
        object.__setattr__(self, "objective", Objective(self.objective))

    @property
    def strategy_specs(self) -> dict[str, ParamSpec]:
        return {p.name: p for p in get_strategy(self.config.strategy).params}

    def grid(self) -> list[dict[str, ParamValue]]:
        """Every combination of the ranges (the grid search's parameter sets)."""
        specs = self.strategy_specs
        axes = [[(r.name, v) for v in r.grid(specs[r.name])] for r in self.ranges]
        return [dict(combo) for combo in itertools.product(*axes)]

    def definition(self) -> dict:
        """The spec as JSON-ready values (what the store keeps and the id hashes)."""
        from console.storage.bots import config_to_json

        wf = self.walk_forward
        return {"config": json.loads(config_to_json(self.config)), "ranges": [r.as_dict() for r in self.ranges],
                "symbols": list(self.symbols), "start_ms": self.start_ms, "end_ms": self.end_ms,
                "objective": self.objective.value,
                "constraints": {"min_trades": self.constraints.min_trades,
                                "max_drawdown_pct": self.constraints.max_drawdown_pct},
                "search": self.search, "trials": self.trials, "seed": self.seed,
                "starting_balance": str(self.starting_balance),
                "walk_forward": None if wf is None else {"train_ms": wf.train_ms, "test_ms": wf.test_ms,
                                                         "step_ms": wf.step_ms}}

    @property
    def sweep_id(self) -> str:
        if self.id:
            return self.id
        return hashlib.sha256(json.dumps(self.definition(), sort_keys=True).encode()).hexdigest()[:16]

    @classmethod
    def from_definition(cls, values: Mapping[str, Any], id: str = "") -> SweepSpec:  # noqa: A002
        """Rebuild a spec from ``definition()``."""
        from console.storage.bots import config_from_json

        wf = values.get("walk_forward")
        return cls(config=config_from_json(json.dumps(values["config"])),
                   ranges=tuple(ParamRange(name=r["name"], values=tuple(r["values"]), low=r["low"], high=r["high"],
                                           step=r["step"]) for r in values["ranges"]),
                   symbols=tuple(values["symbols"]), start_ms=int(values["start_ms"]), end_ms=int(values["end_ms"]),
                   objective=Objective(values["objective"]), constraints=Constraints(**values["constraints"]),
                   search=values["search"], trials=int(values["trials"]), seed=int(values["seed"]),
                   starting_balance=Decimal(values["starting_balance"]),
                   walk_forward=WalkForward(**wf) if wf else None, id=id)
