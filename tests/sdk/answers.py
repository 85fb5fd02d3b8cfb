"""Hold an SDK's parsed answer against the model it declares and the raw JSON it came from."""
from __future__ import annotations

import json
import re
import typing
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as Optional[List[Model]], if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    return {f.alias or name: f.annotation for name, f in model.model_fields.items() if name != "additional_properties"}


def audit(model: type[BaseModel], raw: Any, path: str = "$") -> tuple[set[str], set[str]]:
    """(keys the model does not declare, declared keys the answer lacks), as JSON paths."""
    unknown: set[str] = set()
    unset: set[str] = set()
    if isinstance(raw, list):
        for item in raw:
            u, n = audit(model, item, path + "[]")
            unknown |= u
            unset |= n
        return unknown, unset
    if not isinstance(raw, dict):
        return unknown, unset
    fields = _fields(model)
    unknown |= {f"{path}.{key}" for key in raw if key not in fields}
    unset |= {f"{path}.{key}" for key in fields if key not in raw}
    for key, annotation in fields.items():
        inner = _model_in(annotation)
        if inner is not None and raw.get(key) is not None:
            u, n = audit(inner, raw[key], f"{path}.{key}")
            unknown |= u
            unset |= n
    return unknown, unset


def _leaf(path: str) -> str:
    return re.sub(r"\[\]", "", path.rsplit(".", 1)[-1])


class Answers:
    """An SDK REST client whose every raw answer is kept, so a test can hold the parsed model
    against the JSON it was parsed from (the SDK's list models drop keys they do not know)."""

    def __init__(self, rest_api: Any) -> None:
        self.api = rest_api
        self.raw: list[Any] = []
        rest_api._session.hooks["response"].append(self._keep)

    def _keep(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self.raw.append(json.loads(response.text) if response.text else None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.api, name)

    def check(self, response: Any, model: type[BaseModel], *, extra: Iterable[str] = (),
              conditional: Iterable[str] = ()) -> Any:
        """The parsed answer, after checking that the SDK parsed it into ``model`` (a list of it for
        array models), that every key of the raw answer is declared by the model unless named in
        ``extra``, and that every declared key is present unless its name is in ``conditional``."""
        data = response.data()
        is_array = getattr(model, "is_array", lambda: False)()
        items = data if is_array else [data]
        assert isinstance(data, list) == is_array, f"{model.__name__}: the SDK handed back {type(data).__name__}"
        assert all(isinstance(item, model) for item in items), f"the SDK did not parse into {model.__name__}"
        unknown, unset = audit(model, self.raw[-1])
        undeclared = sorted(p for p in unknown if _leaf(p) not in set(extra))
        missing = sorted(p for p in unset if _leaf(p) not in set(conditional))
        assert not undeclared, f"keys {model.__name__} does not declare: {undeclared}"
        assert not missing, f"keys of {model.__name__} the paper did not send: {missing}"
        return data
