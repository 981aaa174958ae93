"""Function calling (pure): which calls a candidate makes, their ids and arguments, and how the
results the client sends back are echoed.

The rules are documented for users in docs/emulator.md ("Function calling"). In short:

* A round of calls comes from text. Each whole-word mention of a declared (and allowed) function is
  one call (at most MAX_REPEATS per function), in declaration order; then one call per trigger, in
  the order written: `[[call:NAME]]` (any name), `[[bad-args:NAME]]` (arguments of the wrong types),
  `[[missing-args:NAME]]` (required arguments left out). In ANY mode, a round with no call calls the
  first allowed function.
* When the last content holds function responses, AUTO mode answers in text unless the turn's
  prompt says `[[chain:N]]` and fewer than N rounds were made; ANY mode calls again.
* Each call's id is `call-` and 16 hex digits of SHA-256 over the candidate's seed and the call's
  position, so ids differ within a reply and from one request of a conversation to the next.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from genai_protos import content_pb2, generative_service_pb2
from google.protobuf import json_format

from ._random import Rng, digest
from ._schema_graph import (
    ALIAS,
    ARRAY,
    BOOLEAN,
    CHOICE,
    CONST,
    ENUM,
    INTEGER,
    NULL,
    NUMBER,
    OBJECT,
    STRING,
    Node,
)
from ._schema_values import Budget, generate_at
from ._schemas import RequestSchemas

gs = generative_service_pb2
Mode = content_pb2.FunctionCallingConfig.Mode
MODE_NONE = Mode.NONE
MODE_ANY = Mode.ANY

MAX_REPEATS = 8  # calls of one function from mentions, per candidate
MAX_TRIGGERS = 16  # calls from triggers, per candidate (the first ones written)
DISTINCT_DRAWS = 8  # tries at arguments that differ from the same function's earlier calls
ID_PREFIX = "call-"
WRONG_NUMBER = 1.5  # what a string parameter gets from [[bad-args:NAME]]

FIT, BAD, MISSING, CHAIN = "call", "bad-args", "missing-args", "chain"
_TRIGGER = re.compile(r"\[\[(call|bad-args|missing-args|chain):([^\[\]\s]{1,128})\]\]")
_WORD = re.compile(r"\w+")


def text_of(content: content_pb2.Content) -> str:
    """The text parts of a content, joined by spaces."""
    return " ".join(part.text for part in content.parts if part.WhichOneof("data") == "text")


def last_turn(contents: Sequence[content_pb2.Content]) -> content_pb2.Content:
    """The last content whose role is not `model` (the last content if there is none)."""
    for content in reversed(contents):
        if content.role != "model":
            return content
    return contents[-1]


def _responds(content: content_pb2.Content) -> bool:
    return any(part.HasField("function_response") for part in content.parts)


def _calls_in(content: content_pb2.Content) -> list[content_pb2.FunctionCall]:
    return [part.function_call for part in content.parts if part.HasField("function_call")]


def _prompt_index(contents: Sequence[content_pb2.Content]) -> int:
    """Where the current turn starts: the last content from the user that is not function results."""
    for i in range(len(contents) - 1, -1, -1):
        if contents[i].role != "model" and not _responds(contents[i]):
            return i
    return -1


def _chain_length(text: str) -> int:
    for match in _TRIGGER.finditer(text) if "[[" in text else ():
        if match[1] == CHAIN and match[2].isascii() and match[2].isdigit():
            return max(int(match[2]), 1)
    return 1


class _Mentions:
    """How often the text mentions names as whole words; the text is scanned once, not once per name."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._words: Counter[str] | None = None

    def count(self, name: str) -> int:
        """Whole-word occurrences of `name`, at most MAX_REPEATS."""
        if _WORD.fullmatch(name):
            if self._words is None:
                self._words = Counter(_WORD.findall(self._text))
            return min(self._words[name], MAX_REPEATS)
        # Names with dots or dashes: rare, and there are at most MAX_FUNCTION_DECLARATIONS of them.
        found = re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", self._text)
        return sum(1 for _ in itertools.islice(found, MAX_REPEATS))


def _triggers(text: str) -> Iterator[tuple[str, str]]:
    """(name, kind) of each call trigger, in the order written."""
    for match in _TRIGGER.finditer(text):
        if match[1] != CHAIN:
            yield match[2], match[1]


def _wanted(request: gs.GenerateContentRequest, text: str) -> list[tuple[str, str]]:
    """(name, kind) of each call a round started by `text` makes."""
    if not request.tools and "[[" not in text:
        return []
    triggers: list[tuple[str, str]] = []
    if "[[" in text:
        triggers = list(itertools.islice(_triggers(text), MAX_TRIGGERS))
        text = _TRIGGER.sub(" ", text)  # a trigger's name is not also a mention
    config = request.tool_config.function_calling_config
    allowed = set(config.allowed_function_names)
    names = [name for name in _declared(request) if not allowed or name in allowed]
    mentions = _Mentions(text)
    wanted = [(name, FIT) for name in names for _ in range(mentions.count(name))]
    wanted += triggers
    if not wanted and config.mode == MODE_ANY and names:
        wanted = [(names[0], FIT)]
    return wanted


def _declared(request: gs.GenerateContentRequest) -> dict[str, tuple[int, int]]:
    """Each declared name -> (tool, declaration) indexes of its first declaration, in order."""
    found: dict[str, tuple[int, int]] = {}
    for t, tool in enumerate(request.tools):
        for k, decl in enumerate(tool.function_declarations):
            found.setdefault(decl.name, (t, k))
    return found


def call_id(seed: bytes, position: int) -> str:
    """The id of a candidate's call at `position` (0-based) for the candidate's `seed`."""
    return ID_PREFIX + digest(seed, b"call-id", str(position).encode())[:8].hex()


def function_calls(
    request: gs.GenerateContentRequest, seed: bytes, schemas: RequestSchemas
) -> list[content_pb2.Part]:
    """Function-call parts per the documented rules (empty when the model should answer in text)."""
    if request.tool_config.function_calling_config.mode == MODE_NONE:
        return []
    contents = request.contents
    if _responds(contents[-1]):  # the client sent results: call again, or answer in text
        start = _prompt_index(contents)
        text = text_of(contents[start]) if start >= 0 else ""
        if request.tool_config.function_calling_config.mode != MODE_ANY:
            rounds = sum(1 for c in contents[start + 1 :] if c.role == "model" and _calls_in(c))
            if rounds >= _chain_length(text):
                return []
    else:
        text = text_of(last_turn(contents))
    wanted = _wanted(request, text)
    if not wanted:
        return []
    declared = _declared(request)
    budget = Budget()  # shared by all of the candidate's calls
    earlier: dict[str, list[str]] = {}  # name -> the JSON of its calls' arguments so far
    parts = []
    for position, (name, kind) in enumerate(wanted):
        seen = earlier.setdefault(name, [])
        where = declared.get(name)
        parameters = schemas.parameters.get(where) if where is not None else None
        args: dict[str, Any]
        if kind == BAD and where is not None:
            rng = Rng(digest(seed, b"bad-args", name.encode(), str(len(seen)).encode()))
            args = _wrong_args(parameters[1] if parameters else None, rng)
        else:
            args = _fitting_args(parameters, seed, name, seen, budget)
            if kind == MISSING and parameters is not None:
                root = _object_root(parameters[1])
                for required in root.required if root is not None else ():
                    args.pop(required, None)
        seen.append(json.dumps(args, sort_keys=True))
        part = content_pb2.Part()
        call = part.function_call
        call.id = call_id(seed, position)
        call.name = name
        call.args.update(args)
        parts.append(part)
    return parts


def _fitting_args(
    parameters: tuple[str, Node] | None, seed: bytes, name: str, seen: list[str], budget: Budget
) -> dict[str, Any]:
    """Arguments that fit the schema; for a repeated call, ones unlike the earlier calls' if a few
    draws find them."""
    if parameters is None:
        return {}
    path, node = parameters
    left = budget.left
    args: dict[str, Any] = {}
    for draw in range(DISTINCT_DRAWS):
        budget.left = left
        pieces = [seed, b"call", name.encode()]
        if seen or draw:  # the first call keeps the seed it always had
            pieces += [str(len(seen)).encode(), str(draw).encode()]
        value = generate_at(node, Rng(digest(*pieces)), budget, path)
        args = value if isinstance(value, dict) else {}
        if json.dumps(args, sort_keys=True) not in seen:
            break
    return args


# -- [[bad-args:NAME]] -----------------------------------------------------------------------------

_WRONG_FOR = {INTEGER: STRING, NUMBER: STRING, BOOLEAN: STRING, NULL: STRING, STRING: NUMBER}
_WRONG_FOR.update({OBJECT: ARRAY, ARRAY: OBJECT})
_FALLBACK = (STRING, NUMBER, ARRAY, OBJECT, BOOLEAN)
_DEPTH = 8  # how far aliases and alternatives are followed to learn what a schema accepts


def _object_root(node: Node) -> Node | None:
    """The object schema of a declaration's parameters (through aliases and alternatives), if any."""
    for _ in range(_DEPTH):
        if node.kind == OBJECT:
            return node
        if node.kind == ALIAS:
            node = node.options[0]
        elif node.kind == CHOICE:
            node = next((o for o in node.options if o.kind == OBJECT), node.options[0])
        else:
            return None
    return None


def _value_kind(value: Any) -> str:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    if value is None:
        return NULL
    return OBJECT if isinstance(value, dict) else ARRAY if isinstance(value, list) else STRING


def _kinds(node: Node, depth: int = 0) -> list[str]:
    """The JSON kinds a schema accepts, the first alternative's first."""
    if depth > _DEPTH:
        return []
    if node.kind in (ALIAS, CHOICE):
        kinds: list[str] = []
        for option in node.options:
            kinds += [k for k in _kinds(option, depth + 1) if k not in kinds]
        return kinds
    if node.kind in (ENUM, CONST):
        return list(dict.fromkeys(_value_kind(v) for v in node.values))
    return [NUMBER, INTEGER] if node.kind == NUMBER else [node.kind]


def _wrong_value(node: Node, rng: Rng) -> Any:
    """A value of a JSON kind the schema does not accept (see the documented table)."""
    kinds = _kinds(node)
    preferred = _WRONG_FOR.get(kinds[0], STRING) if kinds else STRING
    word = rng.words(1)[0]
    for kind in (preferred, *_FALLBACK):
        if kind not in kinds:
            break
    if kind == NUMBER:
        return WRONG_NUMBER
    if kind == ARRAY:
        return [word]
    if kind == OBJECT:
        return {"item": word}
    return True if kind == BOOLEAN else word


def _wrong_args(parameters: Node | None, rng: Rng) -> dict[str, Any]:
    """Every declared parameter with a value of the wrong type, or an undeclared one if there are none."""
    root = _object_root(parameters) if parameters is not None else None
    if root is None or not root.props:
        return {"unexpected": rng.words(1)[0]}
    return {name: _wrong_value(child, rng) for name, child, _ in root.props}


# -- echoing function responses -------------------------------------------------------------------


def _integral(value: Any) -> Any:
    """Struct numbers are doubles; echo 21.0 as 21 so the reply reads like the caller's data."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_integral(v) for v in value]
    return value


def response_words(contents: Sequence[content_pb2.Content]) -> list[str]:
    """`The function NAME returned JSON.` for each function response in the last content (no words
    when it holds none); a response whose id no call of the model content before it has reads
    `The function NAME (unknown id ID) returned JSON.`"""
    responses = [p.function_response for p in contents[-1].parts if p.HasField("function_response")]
    if not responses:
        return []
    asked: set[tuple[str, str]] | None = None
    words: list[str] = []
    for response in responses:
        payload = json.dumps(_integral(json_format.MessageToDict(response.response)), sort_keys=True)
        words += ["The", "function", response.name]
        if response.id:
            if asked is None:
                asked = _asked(contents)
            if (response.id, response.name) not in asked:
                words += f"(unknown id {response.id})".split()
        words += ["returned", *payload.split()]
        words[-1] += "."
    return words


def _asked(contents: Sequence[content_pb2.Content]) -> set[tuple[str, str]]:
    """(id, name) of the calls with ids in the nearest model content before the last content."""
    for content in reversed(contents[:-1]):
        if content.role == "model":
            return {(call.id, call.name) for call in _calls_in(content) if call.id}
    return set()
