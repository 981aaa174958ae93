"""The schemas of one GenerateContentRequest, checked and turned into graphs once.

`_validate` reports the problems as field violations; `_generate` writes values from the graphs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from genai_protos import generative_service_pb2

from ._schema_graph import Builder, Node, SchemaError

Violations = list[tuple[str, str]]
MAX_FUNCTION_DECLARATIONS = 512


@dataclass
class RequestSchemas:
    """The response schema's graph and each function declaration's parameters graph."""

    response: Node | None = None
    response_field: str = ""
    parameters: dict[tuple[int, int], tuple[str, Node]] = field(default_factory=dict)
    # (tool index, declaration index) -> (field path, graph)


NO_SCHEMAS = RequestSchemas()  # shared: nothing changes a RequestSchemas after it is built


def _has_response_schema(config: generative_service_pb2.GenerationConfig) -> bool:
    return (
        config.HasField("response_schema")
        or config.HasField("response_json_schema")
        or config.HasField("response_json_schema_ordered")
    )


def declaration_count(request: generative_service_pb2.GenerateContentRequest) -> int:
    return sum(len(tool.function_declarations) for tool in request.tools)


def compile_schemas(
    request: generative_service_pb2.GenerateContentRequest, prefix: str = ""
) -> tuple[RequestSchemas, Violations]:
    """Graphs for every schema in the request, or the first one the emulator refuses.

    The checks stop at the first refusal: the request-wide limits would otherwise repeat it for
    every later schema.
    """
    if not request.tools and not (
        request.HasField("generation_config") and _has_response_schema(request.generation_config)
    ):
        return NO_SCHEMAS, []  # the common case, kept cheap
    schemas = RequestSchemas()
    config = request.generation_config
    builder = Builder()
    path = ""
    try:
        if config.HasField("response_schema"):
            path = "generation_config.response_schema"
            schemas.response = builder.proto(config.response_schema)
        else:
            for name in ("response_json_schema", "response_json_schema_ordered"):
                if config.HasField(name):
                    path = f"generation_config.{name}"
                    schemas.response = builder.json(getattr(config, name))
                    break
        schemas.response_field = path
        if declaration_count(request) > MAX_FUNCTION_DECLARATIONS:
            return schemas, []  # reported by the tool checks, which then skip the declarations
        for t, tool in enumerate(request.tools):
            for k, decl in enumerate(tool.function_declarations):
                where = f"tools[{t}].function_declarations[{k}]"
                if decl.HasField("parameters"):
                    path = f"{where}.parameters"
                    schemas.parameters[t, k] = (path, builder.proto(decl.parameters))
                elif decl.HasField("parameters_json_schema"):
                    path = f"{where}.parameters_json_schema"
                    schemas.parameters[t, k] = (path, builder.json(decl.parameters_json_schema))
    except SchemaError as exc:
        return schemas, [(prefix + path, str(exc))]
    return schemas, []
