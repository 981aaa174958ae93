"""Deterministic JSON values that fit a schema graph (structured output and function-call arguments).

The rules are the same for both schema dialects (see `_schema_graph`):

* object: every declared property (plus any `required` name not declared) in `property_ordering`
  order, then sorted by name; a nullable property that is not required is null;
* array: 1-3 items, clamped to min_items/max_items;
* enum: one of the members; string: 1-3 words (dates/date-times for those formats), padded or cut
  to min_length/max_length; integer: 0-99, number: 0.00-99.99, both clamped to minimum/maximum;
  boolean: true or false; any_of: one of the alternatives.

A `Budget` of characters keeps values small whatever the schema: an optional part (array items
beyond min_items, a property that is not required, a costlier alternative) is only added when the
shortest value it could take still fits in what is left, and below MAX_DEPTH levels nothing optional
is added. What a schema requires is always written, so values conform; the schema checks keep that
part under MAX_VALUE_CHARS. Within the budget the choices are the ones the emulator always made.
"""

from __future__ import annotations

from typing import Any

from genai_protos import content_pb2

from ._random import Rng
from ._schema_graph import (
    ALIAS,
    ARRAY,
    BOOLEAN,
    CHOICE,
    CONST,
    ENUM,
    INTEGER,
    MAX_DEPTH,
    NULL,
    NUMBER,
    OBJECT,
    Builder,
    Node,
    SchemaError,
)

VALUE_BUDGET = 20_000  # characters of optional content per candidate
_MAX_WALK = 256  # levels; only a contrived recursive schema gets here (its cheapest value is that deep)


class Budget:
    """Characters left for optional parts; shared by the values of one candidate."""

    __slots__ = ("left",)

    def __init__(self, chars: int = VALUE_BUDGET) -> None:
        self.left = chars


def _string(rng: Rng, fmt: str, min_length: int, max_length: int | None) -> str:
    if fmt == "date-time":
        day = f"2025-{1 + rng.below(12):02d}-{1 + rng.below(28):02d}"
        return f"{day}T{rng.below(24):02d}:{rng.below(60):02d}:00Z"
    if fmt == "date":
        return f"2025-{1 + rng.below(12):02d}-{1 + rng.below(28):02d}"
    text = " ".join(rng.words(1 + rng.below(3)))
    if len(text) < min_length:
        pieces = [text]
        size = len(text)
        while size < min_length:
            word = rng.words(1)[0]
            pieces.append(word)
            size += 1 + len(word)
        text = " ".join(pieces)
    if max_length is not None:
        text = text[:max_length]
    return text


def _lean_string(rng: Rng, fmt: str, min_length: int, max_length: int | None) -> str:
    """One word (or a date), lengthened only as far as min_length asks: for values past the budget."""
    if fmt in ("date", "date-time"):
        return _string(rng, fmt, min_length, max_length)
    pieces = rng.words(1)
    size = len(pieces[0])
    while size < min_length:
        word = rng.words(1)[0]
        pieces.append(word)
        size += 1 + len(word)
    text = " ".join(pieces)
    return text[:max_length] if max_length is not None else text


def _integer(rng: Rng, low: float | None, high: float | None) -> int:
    lo = int(-(-low // 1)) if low is not None else None  # ceil
    hi = int(high // 1) if high is not None else None
    if lo is not None and hi is not None:
        return lo + rng.below(max(hi - lo, 0) + 1) if hi >= lo else lo
    if lo is not None:
        return lo + rng.below(100)
    value = rng.below(100)
    return min(value, hi) if hi is not None else value


def _number(rng: Rng, low: float | None, high: float | None) -> float:
    value = rng.below(10_000) / 100
    if low is not None and high is not None:
        return low + (high - low) * rng.below(1_001) / 1_000 if high >= low else low
    if low is not None:
        return low + value
    return min(value, high) if high is not None else value


def _count(rng: Rng, min_items: int, max_items: int | None) -> int:
    n = max(1 + rng.below(3), min_items)
    return min(n, max_items) if max_items is not None else n


class _Writer:
    """Writes one value; `rich` parts are those above MAX_DEPTH that the budget can pay for."""

    def __init__(self, rng: Rng, budget: Budget) -> None:
        self.rng = rng
        self.budget = budget

    def value(self, node: Node, depth: int) -> Any:
        if depth > _MAX_WALK:
            raise SchemaError(f"the schema's shortest value nests more than {_MAX_WALK} levels deep")
        rng, budget, kind = self.rng, self.budget, node.kind
        rich = depth <= MAX_DEPTH
        if kind == CHOICE:
            pick = rng.choice(node.options)
            cheapest = node.cheapest
            assert cheapest is not None  # the schema checks refuse choices without a finite option
            if not rich or pick.cost - cheapest.cost > budget.left:
                pick = cheapest
            return self.value(pick, depth + 1)
        if kind == ALIAS:
            return self.value(node.options[0], depth + 1)
        if kind == ENUM:
            member = rng.choice(node.values)
            budget.left -= len(member) + 2 if isinstance(member, str) else 8
            return member
        if kind == CONST:
            budget.left -= node.cost
            return node.values[0]
        if kind == OBJECT:
            return self._object(node, depth, rich)
        if kind == ARRAY:
            items = node.items
            assert items is not None
            n = _count(rng, node.min_items, node.max_items)
            floor = node.min_items
            if not rich:
                n = floor
            while n > floor and (n - floor) * items.cost > budget.left:
                n -= 1
            budget.left -= 2 + 2 * n
            return [self.value(items, depth + 1) for _ in range(n)]
        budget.left -= 6
        if kind == INTEGER:
            return _integer(rng, node.low, node.high)
        if kind == NUMBER:
            return _number(rng, node.low, node.high)
        if kind == BOOLEAN:
            return rng.below(2) == 0
        if kind == NULL:
            return None
        write = _string if rich and budget.left > 0 else _lean_string
        text = write(rng, node.fmt, node.min_length, node.max_length)
        budget.left -= len(text)
        return text

    def _object(self, node: Node, depth: int, rich: bool) -> dict[str, Any]:
        required = set(node.required)
        budget = self.budget
        value: dict[str, Any] = {}
        budget.left -= 2
        for name, child, nullable in node.props:
            if name in required:
                value[name] = self.value(child, depth + 1)
            elif not rich:
                continue
            elif nullable:
                value[name] = None
            elif child.cost <= budget.left:
                value[name] = self.value(child, depth + 1)
            else:
                continue
            budget.left -= len(name) + 4
        for name in node.required:
            filler = _string(self.rng, "", 0, None)  # drawn even when unused: the draws stay in step
            if budget.left <= 0:
                filler = filler.split(" ", 1)[0]
            if name not in value:
                value[name] = filler
                budget.left -= len(name) + len(filler) + 6
        return value


def generate(node: Node, rng: Rng, budget: Budget | None = None) -> Any:
    """A JSON-compatible value that conforms to the schema graph `node`."""
    return _Writer(rng, budget if budget is not None else Budget()).value(node, 1)


def generate_at(node: Node, rng: Rng, budget: Budget, field: str) -> Any:
    """`generate`, with any SchemaError naming `field`, the request field that holds the schema."""
    try:
        return generate(node, rng, budget)
    except SchemaError as exc:
        exc.field = field
        raise


def from_schema(schema: content_pb2.Schema, rng: Rng) -> Any:
    """A value for an API `Schema` message (SchemaError if the schema is refused)."""
    return generate(Builder().proto(schema), rng)


def from_json_schema(document: Any, rng: Rng) -> Any:
    """A value for a JSON Schema document given as plain Python data."""
    return generate(Builder().json_data(document), rng)
