"""Schemas as small graphs of `Node`s, with the limits that keep the emulator's work per request small.

Both dialects become the same graph: the API's `Schema` message (a tree) and JSON Schema documents
(`response_json_schema`, `parameters_json_schema`), whose `$ref`s into the document may share or
recurse. One `Builder` serves one request, so its limits apply to all of the request's schemas
together. It refuses (SchemaError) a schema

* nested more than MAX_DEPTH levels (recursion through `$ref` aside),
* when the request's schemas pass MAX_NODES nodes or MAX_SCHEMA_BYTES serialized,
* whose shortest conforming JSON value is longer than MAX_VALUE_CHARS (the request's schemas
  together), or that has no finite value at all (a required property that recurses forever),
* with bounds nothing satisfies (minimum above maximum, min_items above max_items, ...) or
  non-finite numbers.

Each node's `cost` is about the length in characters of the shortest JSON value the emulator writes
for it (what the schema requires, nothing optional), found with
Knuth's generalisation of Dijkstra's algorithm (objects and arrays add up their parts, a choice
takes its cheapest option; recursion makes the graph cyclic, so a plain bottom-up pass would not do).
"""

from __future__ import annotations

import heapq
import json
import math
from dataclasses import dataclass, field
from typing import Any

from genai_protos import content_pb2
from google.protobuf import json_format, struct_pb2

MAX_DEPTH = 32
MAX_NODES = 10_000
MAX_SCHEMA_BYTES = 1 << 20
MAX_VALUE_CHARS = 100_000
_TOO_BIG = MAX_VALUE_CHARS + 1  # finite costs saturate here
INFINITE = MAX_VALUE_CHARS + 2  # the cost of a schema with no finite value

OBJECT, ARRAY, STRING, INTEGER, NUMBER = "object", "array", "string", "integer", "number"
BOOLEAN, NULL, ENUM, CONST, CHOICE = "boolean", "null", "enum", "const", "choice"
ALIAS = "alias"  # a single-schema allOf: the same as its one option (and, unlike CHOICE, draws nothing)
_EITHER = (CHOICE, ALIAS)
# Characters the emulator writes for a value it must write (what `_schema_values` does once nothing
# optional is added): a quoted word of up to 7 letters, a small integer, a float's repr, ...
_SCALAR_COST = {INTEGER: 3, NUMBER: 20, BOOLEAN: 5, NULL: 4}
_STRING_COST = 9
_DATE_COST = {"date": 12, "date-time": 22}

Type = content_pb2.Type
_PROTO_KINDS = {
    Type.OBJECT: OBJECT,
    Type.ARRAY: ARRAY,
    Type.STRING: STRING,
    Type.INTEGER: INTEGER,
    Type.NUMBER: NUMBER,
    Type.BOOLEAN: BOOLEAN,
    Type.NULL: NULL,
}
_JSON_KINDS = frozenset({OBJECT, ARRAY, STRING, INTEGER, NUMBER, BOOLEAN, NULL})


class SchemaError(ValueError):
    """A schema the emulator refuses; the message says why (and where, inside the schema).

    `field` is the request field holding the schema, once known.
    """

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(eq=False, slots=True)
class Node:
    """One schema: `kind` says which of the fields below matter."""

    kind: str
    props: list[tuple[str, Node, bool]] = field(default_factory=list)  # name, schema, nullable
    required: list[str] = field(default_factory=list)
    items: Node | None = None
    options: list[Node] = field(default_factory=list)  # CHOICE alternatives, the ALIAS target
    values: list[Any] = field(default_factory=list)  # ENUM members, or the one CONST value
    fmt: str = ""
    min_items: int = 0
    max_items: int | None = None
    min_length: int = 0
    max_length: int | None = None
    low: float | None = None
    high: float | None = None
    height: int = 0  # levels of nesting below and including this node; 0 while being built
    cost: int = INFINITE
    cheapest: Node | None = None  # for CHOICE and ALIAS: the option with the lowest cost


class Builder:
    """Turns the schemas of one request into graphs, sharing the request's limits between them."""

    def __init__(self) -> None:
        self._nodes_left = MAX_NODES
        self._bytes_left = MAX_SCHEMA_BYTES
        self._chars_left = MAX_VALUE_CHARS
        self._nodes: list[Node] = []
        self._memo: dict[int, Node] = {}
        self._root: Any = None

    def proto(self, schema: content_pb2.Schema) -> Node:
        """The graph of an API `Schema` message."""
        self._spend_bytes(schema.ByteSize())
        start = len(self._nodes)
        return self._finish(self._from_proto(schema, 1, ""), start)

    def json(self, document: struct_pb2.Value) -> Node:
        """The graph of a JSON Schema document."""
        self._spend_bytes(document.ByteSize())  # before converting it: a huge one costs nothing
        return self.json_data(json_format.MessageToDict(document))

    def json_data(self, document: Any) -> Node:
        """The graph of a JSON Schema document given as plain Python data (already converted)."""
        start = len(self._nodes)
        self._memo, self._root = {}, document
        try:
            return self._finish(self._from_json(self._root, 1, ""), start)
        finally:
            self._memo, self._root = {}, None

    # -- shared ----------------------------------------------------------------------------------

    def _spend_bytes(self, size: int) -> None:
        self._bytes_left -= size
        if self._bytes_left < 0:
            raise SchemaError(f"the request's schemas are larger than {MAX_SCHEMA_BYTES} bytes in total")

    def _new(self, kind: str) -> Node:
        self._nodes_left -= 1
        if self._nodes_left < 0:
            raise SchemaError(f"the request's schemas have more than {MAX_NODES} nodes in total")
        node = Node(kind)
        self._nodes.append(node)
        return node

    def _finish(self, root: Node, start: int) -> Node:
        _compute_costs(self._nodes[start:])
        if root.cost == INFINITE:
            raise SchemaError(
                "no finite value fits the schema: a required property, a minimum item count or "
                "every alternative leads back into the schema itself"
            )
        if root.cost >= _TOO_BIG:
            raise SchemaError(f"the shortest value that fits is longer than {MAX_VALUE_CHARS} characters")
        self._chars_left -= root.cost
        if self._chars_left < 0:
            raise SchemaError(
                f"the shortest values that fit the request's schemas are longer than {MAX_VALUE_CHARS} "
                "characters in total"
            )
        return root

    @staticmethod
    def _too_deep() -> SchemaError:
        return SchemaError(f"the schema nests more than {MAX_DEPTH} levels deep")

    # -- the API's Schema message ------------------------------------------------------------------

    def _from_proto(self, schema: content_pb2.Schema, depth: int, where: str) -> Node:
        if depth > MAX_DEPTH:
            raise self._too_deep()
        if schema.any_of:
            node = self._new(CHOICE)
            node.options = [
                self._from_proto(option, depth + 1, f"{where}.any_of[{i}]")
                for i, option in enumerate(schema.any_of)
            ]
            return _close(node)
        if schema.enum:
            node = self._new(ENUM)
            node.values = list(schema.enum)
            return _close(node)
        kind = _PROTO_KINDS.get(schema.type)
        if kind is None:  # unspecified: guessed from what is set
            kind = OBJECT if schema.properties else ARRAY if schema.HasField("items") else STRING
        node = self._new(kind)
        if kind == OBJECT:
            node.required = list(schema.required)
            names = [name for name in schema.property_ordering if name in schema.properties]
            names += sorted(set(schema.properties) - set(names))
            for name in names:
                prop = schema.properties[name]
                child = self._from_proto(prop, depth + 1, f"{where}.properties[{name!r}]")
                node.props.append((name, child, prop.nullable))
        elif kind == ARRAY:
            node.items = self._from_proto(schema.items, depth + 1, f"{where}.items")
            node.min_items = max(schema.min_items, 0)
            node.max_items = schema.max_items if schema.max_items > 0 else None
        elif kind in (INTEGER, NUMBER):
            node.low = schema.minimum if schema.HasField("minimum") else None
            node.high = schema.maximum if schema.HasField("maximum") else None
        elif kind == STRING:
            node.fmt = schema.format
            node.min_length = max(schema.min_length, 0)
            node.max_length = schema.max_length if schema.max_length > 0 else None
        _check_bounds(node, where)
        return _close(node)

    # -- JSON Schema documents -------------------------------------------------------------------

    def _from_json(self, schema: Any, depth: int, where: str) -> Node:
        schema = self._deref(schema, where)
        if isinstance(schema, dict):
            known = self._memo.get(id(schema))
            if known is not None:
                # A $ref to a schema being built is recursion (bounded by the value budget); one
                # to a finished schema nests that schema's levels here.
                if known.height and depth - 1 + known.height > MAX_DEPTH:
                    raise self._too_deep()
                return known
        if depth > MAX_DEPTH:
            raise self._too_deep()
        if not isinstance(schema, dict):  # `true`, a number, ...: kept as the old null value
            return _close(self._new(NULL))
        if "const" in schema:
            node = self._new(CONST)
            node.values = [schema["const"]]
            return _close(self._remember(schema, node))
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            node = self._new(ENUM)
            node.values = list(enum)
            return _close(self._remember(schema, node))
        for key in ("anyOf", "oneOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                node = self._remember(schema, self._new(CHOICE))
                node.options = [
                    self._from_json(option, depth + 1, f"{where}.{key}[{i}]")
                    for i, option in enumerate(options)
                ]
                return _close(node)
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1:
            node = self._remember(schema, self._new(ALIAS))
            node.options = [self._from_json(all_of[0], depth + 1, f"{where}.allOf[0]")]
            return _close(node)
        kind = _json_kind(schema)
        node = self._remember(schema, self._new(kind))
        if kind == OBJECT:
            self._json_object(node, schema, depth, where)
        elif kind == ARRAY:
            node.items = self._from_json(schema.get("items", {}), depth + 1, f"{where}.items")
            node.min_items = _count_keyword(schema, "minItems", where) or 0
            node.max_items = _count_keyword(schema, "maxItems", where)
        elif kind in (INTEGER, NUMBER):
            node.low = _number_keyword(schema, "minimum", where)
            node.high = _number_keyword(schema, "maximum", where)
        elif kind == STRING:
            node.fmt = str(schema.get("format", ""))
            node.min_length = _count_keyword(schema, "minLength", where) or 0
            node.max_length = _count_keyword(schema, "maxLength", where)
        _check_bounds(node, where)
        return _close(node)

    def _json_object(self, node: Node, schema: dict[str, Any], depth: int, where: str) -> None:
        props = schema.get("properties") or {}
        required = schema.get("required") or []
        if not isinstance(props, dict):
            raise SchemaError(_problem(where, "properties must be an object"))
        if not isinstance(required, list):
            raise SchemaError(_problem(where, "required must be a list of names"))
        node.required = [str(name) for name in required]
        for name in sorted(props):
            prop = props[name]
            target = self._deref(prop, where)
            child = self._from_json(prop, depth + 1, f"{where}.properties[{name!r}]")
            node.props.append((name, child, _json_nullable(target)))

    def _remember(self, schema: dict[str, Any], node: Node) -> Node:
        self._memo[id(schema)] = node
        return node

    def _deref(self, schema: Any, where: str) -> Any:
        """Follow `$ref` ("#" or "#/a/b/0") until a schema that is not only a reference."""
        seen: list[int] = []
        while isinstance(schema, dict):
            ref = schema.get("$ref")
            if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")):
                return schema
            if id(schema) in seen or len(seen) > MAX_DEPTH:
                raise SchemaError(_problem(where, f"$ref {ref!r} only leads to more references"))
            seen.append(id(schema))
            schema = _pointer(self._root, ref)
        return schema


def _problem(where: str, text: str) -> str:
    """`text`, naming the place inside the schema unless it is the schema itself."""
    return f"{text} (at {where.lstrip('.')})" if where else text


def _pointer(root: Any, ref: str) -> Any:
    node = root
    for raw in ref[2:].split("/") if ref != "#" else ():
        key = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node.get(key, {})
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return {}  # unresolvable references mean "anything", as they always have here
    return node


def _json_kind(schema: dict[str, Any]) -> str:
    declared = schema.get("type")
    if isinstance(declared, list):
        non_null = [t for t in declared if t != "null"]
        declared = non_null[0] if non_null else NULL
    if isinstance(declared, str):
        return declared if declared in _JSON_KINDS else STRING
    if "properties" in schema:
        return OBJECT
    if "items" in schema:
        return ARRAY
    return STRING


def _json_nullable(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    declared = schema.get("type")
    return (isinstance(declared, list) and "null" in declared) or bool(schema.get("nullable"))


def _count_keyword(schema: dict[str, Any], key: str, where: str) -> int | None:
    value = schema.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 2**63:
        raise SchemaError(_problem(where, f"{key} must be a non-negative integer, got {value!r}"))
    return int(value)


def _number_keyword(schema: dict[str, Any], key: str, where: str) -> float | None:
    value = schema.get(key)
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return None  # ignored, as it always was
    return float(value)


def _check_bounds(node: Node, where: str) -> None:
    """Refuse bounds that no value satisfies, so that every generated value can conform."""
    low, high = node.low, node.high
    for bound in (low, high):
        if bound is not None and not math.isfinite(bound):
            raise SchemaError(_problem(where, "minimum and maximum must be finite numbers"))
    if low is not None and high is not None:
        if low > high:
            raise SchemaError(_problem(where, "minimum is greater than maximum"))
        if node.kind == INTEGER and math.ceil(low) > math.floor(high):
            raise SchemaError(_problem(where, "no integer lies between minimum and maximum"))
    if node.max_items is not None and node.min_items > node.max_items:
        raise SchemaError(_problem(where, "the minimum item count is greater than the maximum"))
    if node.max_length is not None and node.min_length > node.max_length:
        raise SchemaError(_problem(where, "the minimum length is greater than the maximum"))


def _close(node: Node) -> Node:
    """Record the node's height once its children are built (children being built count as 0)."""
    children = [child for _, child, _ in node.props] + node.options
    if node.items is not None:
        children.append(node.items)
    node.height = 1 + max((child.height for child in children), default=0)
    return node


def _needs(node: Node) -> set[int]:
    """The children whose cost this node's cost depends on (for CHOICE: any one of them)."""
    if node.kind == OBJECT:
        required = set(node.required)
        return {id(child) for name, child, _ in node.props if name in required}
    if node.kind == ARRAY and node.min_items > 0 and node.items is not None:
        return {id(node.items)}
    if node.kind in _EITHER:
        return {id(option) for option in node.options}
    return set()


def _own_cost(node: Node) -> int:
    """The node's cost once the costs of the children it needs are known."""
    kind = node.kind
    if kind == OBJECT:
        required = set(node.required)
        cost = 2
        declared = set()
        for name, child, _ in node.props:
            if name in required:
                cost += len(name) + 4 + child.cost
                declared.add(name)
        cost += sum(len(name) + 4 + _STRING_COST for name in required - declared)  # a short string
        return min(cost, _TOO_BIG)
    if kind == ARRAY:
        if node.min_items == 0 or node.items is None:
            return 2
        return min(2 + node.min_items * (node.items.cost + 2), _TOO_BIG)
    if kind == STRING:
        if node.fmt in _DATE_COST:
            return _DATE_COST[node.fmt]
        return min(_STRING_COST + node.min_length, _TOO_BIG)
    if kind in (ENUM, CONST):
        return min(min(map(_json_length, node.values)), _TOO_BIG)
    return _SCALAR_COST.get(kind, 4)


def _json_length(value: Any) -> int:
    return len(value) + 2 if isinstance(value, str) else len(json.dumps(value, ensure_ascii=False))


def _compute_costs(nodes: list[Node]) -> None:
    """Fill in `cost` (and `cheapest`) for every node, in increasing order of cost."""
    by_id = {id(node): node for node in nodes}
    waiting: dict[int, int] = {}
    parents: dict[int, list[Node]] = {}
    heap: list[tuple[int, int, Node]] = []
    order = 0
    for node in nodes:
        node.cost, node.cheapest = INFINITE, None
        needs = _needs(node)
        waiting[id(node)] = len(needs)
        for child in needs:
            if child in by_id:
                parents.setdefault(child, []).append(node)
        if not needs:
            heapq.heappush(heap, (_own_cost(node), order, node))
            order += 1
    done: set[int] = set()
    while heap:
        cost, _, node = heapq.heappop(heap)
        if id(node) in done:
            continue
        done.add(id(node))
        node.cost = cost
        for parent in parents.get(id(node), ()):
            if id(parent) in done:
                continue
            if parent.kind in _EITHER:
                if parent.cheapest is None:  # the first option to finish is the cheapest
                    parent.cheapest = node
                    heapq.heappush(heap, (cost, order, parent))
                    order += 1
            else:
                waiting[id(parent)] -= 1
                if waiting[id(parent)] == 0:
                    heapq.heappush(heap, (_own_cost(parent), order, parent))
                    order += 1
