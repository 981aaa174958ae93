"""Request validation that mirrors the real API's INVALID_ARGUMENT / NOT_FOUND answers.

Each `*_violations` function is pure and returns (field path, description) pairs; the field paths
use proto field names with indexes ("contents[1].role"), as in google.rpc.BadRequest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import grpc
from genai_protos import content_pb2, generative_service_pb2, safety_pb2

from . import _catalog
from ._schemas import MAX_FUNCTION_DECLARATIONS, RequestSchemas, compile_schemas, declaration_count
from ._status import RpcFailure, invalid_argument

Violations = list[tuple[str, str]]

VALID_ROLES = ("", "user", "model")
MIME_TYPES = ("", "text/plain", "application/json", "text/x.enum")
MAX_CANDIDATES = 8
MAX_STOP_SEQUENCES = 5
MAX_BATCH = 100

_FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}")
_GEMINI_CATEGORIES = frozenset(
    {
        safety_pb2.HarmCategory.HARM_CATEGORY_HARASSMENT,
        safety_pb2.HarmCategory.HARM_CATEGORY_HATE_SPEECH,
        safety_pb2.HarmCategory.HARM_CATEGORY_SEXUALLY_EXPLICIT,
        safety_pb2.HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT,
        safety_pb2.HarmCategory.HARM_CATEGORY_CIVIC_INTEGRITY,
    }
)


def resolve_model(request_type: str, name: str, method: str, field: str = "model") -> _catalog.CatalogEntry:
    """The catalog entry for `name`, or the error the real API gives for it.

    Missing or malformed names are INVALID_ARGUMENT; unknown models and models that do not list
    `method` in supported_generation_methods are NOT_FOUND.
    """
    if not name:
        raise invalid_argument(request_type, [(field, "model is not specified")])
    if not name.startswith("models/") or name == "models/":
        raise invalid_argument(
            request_type,
            [
                (
                    field,
                    'unexpected model name format; expected "models/{model}", e.g. "models/gemini-2.5-flash"',
                )
            ],
        )
    entry = _catalog.find(name)
    if entry is None:
        raise RpcFailure(
            grpc.StatusCode.NOT_FOUND,
            f"{name} is not found for API version v1beta. "
            "Call ListModels to see the list of available models and their supported methods.",
        )
    if not entry.supports(method):
        raise RpcFailure(
            grpc.StatusCode.NOT_FOUND,
            f"{name} does not support {method}. "
            "Call ListModels to see the list of available models and their supported methods.",
        )
    return entry


def raise_if(request_type: str, violations: Violations) -> None:
    """Raise INVALID_ARGUMENT with a BadRequest when there is any violation."""
    if violations:
        raise invalid_argument(request_type, violations)


def contents_violations(contents: Iterable[content_pb2.Content], prefix: str = "") -> Violations:
    """Empty contents, empty parts, parts without data, roles other than "", user, model."""
    found: Violations = []
    count = 0
    for i, content in enumerate(contents):
        count += 1
        if content.role not in VALID_ROLES:
            found.append((f"{prefix}contents[{i}].role", "Please use a valid role: user, model."))
        if not content.parts:
            found.append((f"{prefix}contents[{i}].parts", "contents.parts must not be empty."))
        for j, part in enumerate(content.parts):
            if part.WhichOneof("data") is None and not part.thought_signature:
                found.append(
                    (
                        f"{prefix}contents[{i}].parts[{j}].data",
                        "required oneof field 'data' must have one initialized field",
                    )
                )
    if count == 0:
        found.insert(0, (f"{prefix}contents", "contents is not specified"))
    return found


def _config_violations(
    config: generative_service_pb2.GenerationConfig, max_temperature: float, prefix: str
) -> Violations:
    p = f"{prefix}generation_config."
    found: Violations = []
    if config.HasField("candidate_count") and not 1 <= config.candidate_count <= MAX_CANDIDATES:
        found.append((p + "candidate_count", f"must be between 1 and {MAX_CANDIDATES}"))
    if config.HasField("max_output_tokens") and config.max_output_tokens < 0:
        found.append((p + "max_output_tokens", "must not be negative"))
    if len(config.stop_sequences) > MAX_STOP_SEQUENCES:
        found.append((p + "stop_sequences", f"at most {MAX_STOP_SEQUENCES} stop sequences are allowed"))
    if config.HasField("temperature") and not 0.0 <= config.temperature <= max_temperature:
        found.append((p + "temperature", f"must be between 0.0 and {max_temperature:g}"))
    mime = config.response_mime_type
    if mime not in MIME_TYPES:
        found.append(
            (p + "response_mime_type", "allowed mimetypes are text/plain, application/json and text/x.enum")
        )
    has_schema = config.HasField("response_schema")
    has_json_schema = config.HasField("response_json_schema") or config.HasField(
        "response_json_schema_ordered"
    )
    if has_schema and has_json_schema:
        found.append((p + "response_json_schema", "response_schema and response_json_schema are exclusive"))
    if (has_schema or has_json_schema) and mime not in ("application/json", "text/x.enum"):
        found.append(
            (
                p + "response_mime_type",
                "must be application/json or text/x.enum when a response schema is set",
            )
        )
    if mime == "text/x.enum" and not (has_schema and config.response_schema.enum):
        found.append((p + "response_schema", "text/x.enum requires a response_schema with enum values"))
    return found


def _tool_violations(request: generative_service_pb2.GenerateContentRequest, prefix: str) -> Violations:
    if not request.tools:
        return []
    count = declaration_count(request)
    if count > MAX_FUNCTION_DECLARATIONS:
        return [
            (
                prefix + "tools",
                f"at most {MAX_FUNCTION_DECLARATIONS} function declarations are allowed in all tools "
                f"together, got {count}",
            )
        ]
    found: Violations = []
    for t, tool in enumerate(request.tools):
        for k, decl in enumerate(tool.function_declarations):
            path = f"{prefix}tools[{t}].function_declarations[{k}]"
            if not _FUNCTION_NAME.fullmatch(decl.name):
                found.append(
                    (
                        path + ".name",
                        "Invalid function name. Must start with a letter or an underscore and contain only "
                        "a-z, A-Z, 0-9, underscores, dots or dashes, with a maximum length of 64.",
                    )
                )
            if decl.HasField("parameters") and decl.HasField("parameters_json_schema"):
                found.append(
                    (path + ".parameters_json_schema", "parameters and parameters_json_schema are exclusive")
                )
    return found


def _safety_violations(settings: Iterable[safety_pb2.SafetySetting], prefix: str) -> Violations:
    found: Violations = []
    seen: set[int] = set()
    for i, setting in enumerate(settings):
        field = f"{prefix}safety_settings[{i}].category"
        if setting.category not in _GEMINI_CATEGORIES:
            name = safety_pb2.HarmCategory.Name(setting.category)
            found.append((field, f"{name} is not a supported harm category for Gemini models"))
        elif setting.category in seen:
            found.append((field, "each harm category may appear only once"))
        seen.add(setting.category)
    return found


def check_generate(
    request: generative_service_pb2.GenerateContentRequest,
    entry: _catalog.CatalogEntry,
    prefix: str = "",
) -> tuple[Violations, RequestSchemas]:
    """Everything wrong with a GenerateContentRequest whose model already resolved to `entry`, and
    its schemas as graphs (complete only when nothing is wrong)."""
    found = contents_violations(request.contents, prefix)
    if request.HasField("generation_config"):
        max_temperature = entry.model.max_temperature if entry.model.HasField("max_temperature") else 2.0
        found += _config_violations(request.generation_config, max_temperature, prefix)
    found += _tool_violations(request, prefix)
    found += _safety_violations(request.safety_settings, prefix)
    schemas, problems = compile_schemas(request, prefix)
    return found + problems, schemas


def generate_violations(
    request: generative_service_pb2.GenerateContentRequest,
    entry: _catalog.CatalogEntry,
    prefix: str = "",
) -> Violations:
    """Everything wrong with a GenerateContentRequest whose model already resolved to `entry`."""
    return check_generate(request, entry, prefix)[0]


def embed_violations(
    request: generative_service_pb2.EmbedContentRequest, entry: _catalog.CatalogEntry, prefix: str = ""
) -> Violations:
    """Missing content/parts and out-of-range output_dimensionality."""
    found: Violations = []
    if not request.HasField("content"):
        found.append((prefix + "content", "content is not specified"))
    elif not request.content.parts:
        found.append((prefix + "content.parts", "content.parts must not be empty."))
    if request.HasField("output_dimensionality") and not (
        1 <= request.output_dimensionality <= entry.embedding_dimension
    ):
        found.append(
            (
                prefix + "output_dimensionality",
                f"must be between 1 and {entry.embedding_dimension} for {entry.name}",
            )
        )
    return found


def batch_violations(
    request: generative_service_pb2.BatchEmbedContentsRequest, entry: _catalog.CatalogEntry
) -> Violations:
    """Batch size limits plus every sub-request's model and content."""
    if not request.requests:
        return [("requests", "requests is not specified")]
    if len(request.requests) > MAX_BATCH:
        return [
            ("requests", f"at most {MAX_BATCH} requests can be in one batch, got {len(request.requests)}")
        ]
    found: Violations = []
    for i, sub in enumerate(request.requests):
        prefix = f"requests[{i}]."
        if not sub.model:
            found.append((prefix + "model", "model is not specified"))
        elif sub.model != request.model:
            found.append((prefix + "model", "must match BatchEmbedContentsRequest.model"))
        found += embed_violations(sub, entry, prefix)
    return found


def count_violations(
    request: generative_service_pb2.CountTokensRequest, entry: _catalog.CatalogEntry
) -> Violations:
    """contents xor generate_content_request; the nested request is validated like GenerateContent."""
    nested = request.HasField("generate_content_request")
    if nested and request.contents:
        return [("generate_content_request", "contents and generate_content_request are mutually exclusive")]
    if not nested:
        return contents_violations(request.contents)
    inner = request.generate_content_request
    found: Violations = []
    if inner.model and inner.model != request.model:
        found.append(("generate_content_request.model", "must match CountTokensRequest.model"))
    return found + generate_violations(inner, entry, "generate_content_request.")
