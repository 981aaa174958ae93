"""Our descriptors carry every fact of the official ones: names, numbers, types, labels, oneofs, RPCs."""

from __future__ import annotations

from genai_protos import _pool
from genai_protos import flat as _load_everything  # noqa: F401  (registers every file in the pool)
from google.protobuf import descriptor as d
from google.protobuf import descriptor_pb2

from tests import official

FieldFacts = dict[str, object]


def _field_facts(message: d.Descriptor, rename_builtins: bool = False) -> dict[int, FieldFacts]:
    """Number -> facts, read from the DescriptorProto (exact proto3 `optional` and oneof membership)."""
    proto = descriptor_pb2.DescriptorProto()
    message.CopyToProto(proto)
    facts = {}
    for f in proto.field:
        name = f.name
        # proto-plus renames fields that shadow Python builtins (type_, format_, license_); the wire
        # name, which its json_name keeps, has no underscore.
        if (
            rename_builtins
            and name.endswith("_")
            and message.fields_by_number[f.number].json_name == name[:-1]
        ):
            name = name[:-1]
        in_real_oneof = f.HasField("oneof_index") and not f.proto3_optional
        facts[f.number] = {
            "name": name,
            "type": f.type,
            "label": f.label,
            "type_name": f.type_name.lstrip("."),
            "oneof": proto.oneof_decl[f.oneof_index].name if in_real_oneof else None,
            "proto3_optional": f.proto3_optional,
        }
    return facts


def test_counts_match_the_documented_contract() -> None:
    messages = official.official_messages()
    not_map = [m for m in messages.values() if not m.GetOptions().map_entry]
    assert len(not_map) == 210
    assert sum(len(m.fields) for m in not_map) == 601
    assert sum(1 for m in not_map for o in m.oneofs if not _is_synthetic(m, o)) == 22
    assert sum(1 for f in _all_field_facts(not_map) if f["proto3_optional"]) == 113
    assert len(official.official_enums()) == 32
    assert sum(len(e.values) for e in official.official_enums().values()) == 160
    methods = list(official.official_methods())
    assert len(methods) == 58
    assert len({m.service for m in methods}) == 9


def _all_field_facts(messages: list[d.Descriptor]) -> list[FieldFacts]:
    return [f for m in messages for f in _field_facts(m).values()]


def _is_synthetic(message: d.Descriptor, oneof: d.OneofDescriptor) -> bool:
    facts = _field_facts(message)
    return all(facts[f.number]["proto3_optional"] for f in oneof.fields)


def test_every_message_and_field_matches() -> None:
    mismatches = []
    for full_name, theirs in official.official_messages().items():
        ours = _pool.POOL.FindMessageTypeByName(full_name)
        assert ours.GetOptions().map_entry == theirs.GetOptions().map_entry, full_name
        ours_facts = _field_facts(ours)
        for number, expected in _field_facts(theirs, rename_builtins=True).items():
            if ours_facts.get(number) != expected:
                mismatches.append((full_name, number, expected, ours_facts.get(number)))
    assert mismatches == []


def test_every_enum_value_matches() -> None:
    for full_name, theirs in official.official_enums().items():
        ours = _pool.POOL.FindEnumTypeByName(full_name)
        assert {(v.name, v.number) for v in theirs.values} <= {(v.name, v.number) for v in ours.values}, (
            full_name
        )


def test_every_service_method_matches() -> None:
    kinds = {
        (False, False): "unary_unary",
        (False, True): "unary_stream",
        (True, False): "stream_unary",
        (True, True): "stream_stream",
    }
    for method in official.official_methods():
        service = _pool.POOL.FindServiceByName(method.service)
        ours = service.methods_by_name[method.name]
        assert ours.input_type.full_name == method.input, method
        assert ours.output_type.full_name == method.output, method
        assert kinds[(ours.client_streaming, ours.server_streaming)] == method.kind, method


def test_the_comparison_notices_a_difference() -> None:
    # Guard against a vacuous comparison: facts of different fields must differ.
    content = _pool.POOL.FindMessageTypeByName("google.ai.generativelanguage.v1beta.Content")
    facts = _field_facts(content)
    assert facts[1] != facts[2]
    assert facts[1]["type_name"] == "google.ai.generativelanguage.v1beta.Part"
