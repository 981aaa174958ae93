"""Parts and contents: every accepted shape, every error path, passthrough identity, no mutation."""

from __future__ import annotations

import base64
import copy
import enum
import io
import os
from pathlib import Path
from typing import Any

import pytest

from genai import types
from genai._coercion.content import sniff_mime_type, to_blob, to_content, to_contents, to_part
from tests.expect import error

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 8
PDF = b"%PDF-1.7\n..."


# ---------------------------------------------------------------------------------------------------
# to_part: messages


def test_part_passes_through_unchanged() -> None:
    part = types.Part(text="hi")
    assert to_part(part) is part
    assert part == types.Part(text="hi")


def test_str_becomes_text() -> None:
    assert to_part("Hello") == types.Part(text="Hello")
    assert to_part("") == types.Part(text="")
    assert to_part("").WhichOneof("data") == "text"


def test_str_enum_member_becomes_its_value() -> None:
    class Prompt(str, enum.Enum):
        HI = "say hi"

    part = to_part(Prompt.HI)
    assert part.text == "say hi"
    assert type(part.text) is str


@pytest.mark.parametrize(
    ("message", "field"),
    [
        (types.Blob(mime_type="image/png", data=PNG), "inline_data"),
        (types.FileData(file_uri="gs://b/x.pdf", mime_type="application/pdf"), "file_data"),
        (types.FunctionCall(name="f", args={"a": 1}), "function_call"),
        (types.FunctionResponse(name="f", response={"ok": True}), "function_response"),
        (
            types.ExecutableCode(language=types.ExecutableCode.Language.PYTHON, code="print(1)"),
            "executable_code",
        ),
        (types.CodeExecutionResult(output="1"), "code_execution_result"),
    ],
)
def test_payload_messages_are_wrapped(message: Any, field: str) -> None:
    before = message.SerializeToString()
    part = to_part(message)
    assert part.WhichOneof("data") == field
    assert getattr(part, field) == message
    assert message.SerializeToString() == before
    getattr(part, field).Clear()  # the part holds a copy: the caller's message is independent
    assert message.SerializeToString() == before


def test_uploaded_file_becomes_file_data() -> None:
    file = types.File(name="files/abc", uri="https://files/abc", mime_type="video/mp4")
    part = to_part(file)
    assert part.file_data == types.FileData(file_uri="https://files/abc", mime_type="video/mp4")


def test_file_without_uri_is_a_value_error() -> None:
    error(ValueError, to_part, types.File(name="files/abc"), at="part", mentions=("files/abc", "uri"))


# ---------------------------------------------------------------------------------------------------
# to_part: dicts


def test_text_dict() -> None:
    assert to_part({"text": "hi"}) == types.Part(text="hi")


def test_inline_data_dict_snake_case_bytes() -> None:
    part = to_part({"inline_data": {"mime_type": "image/png", "data": PNG}})
    assert part.inline_data == types.Blob(mime_type="image/png", data=PNG)


def test_inline_data_dict_camel_case_base64() -> None:
    encoded = base64.b64encode(PNG).decode()
    part = to_part({"inlineData": {"mimeType": "image/png", "data": encoded}})
    assert part.inline_data.data == PNG
    assert part.inline_data.mime_type == "image/png"


def test_urlsafe_base64_is_accepted() -> None:
    data = bytes([251, 255, 191]) * 3
    encoded = base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert "-" in encoded or "_" in encoded
    assert to_part({"inline_data": {"mime_type": "x/y", "data": encoded}}).inline_data.data == data


def test_function_call_dict_with_nested_args() -> None:
    args = {"city": "Paris", "days": 3, "flags": [True, None, 1.5], "opts": {"unit": "c"}}
    part = to_part({"function_call": {"name": "weather", "args": args, "id": "call-1"}})
    call = part.function_call
    assert (call.name, call.id) == ("weather", "call-1")
    assert call.args["city"] == "Paris"
    assert call.args["days"] == 3
    assert list(call.args["flags"]) == [True, None, 1.5]
    assert call.args["opts"]["unit"] == "c"


def test_function_response_dict_camel_case() -> None:
    part = to_part({"functionResponse": {"name": "weather", "response": {"temp": 21}}})
    assert part.function_response.name == "weather"
    assert part.function_response.response["temp"] == 21


def test_file_data_dicts() -> None:
    expected = types.FileData(file_uri="gs://b/a.pdf", mime_type="application/pdf")
    assert (
        to_part({"file_data": {"file_uri": "gs://b/a.pdf", "mime_type": "application/pdf"}}).file_data
        == expected
    )
    assert (
        to_part({"fileData": {"fileUri": "gs://b/a.pdf", "mimeType": "application/pdf"}}).file_data
        == expected
    )
    assert to_part({"file_uri": "gs://b/a.pdf", "mime_type": "application/pdf"}).file_data == expected
    assert to_part({"fileUri": "gs://b/a.pdf"}).file_data == types.FileData(file_uri="gs://b/a.pdf")


def test_bare_blob_dicts() -> None:
    assert to_part({"mime_type": "audio/wav", "data": b"abc"}).inline_data == types.Blob(
        mime_type="audio/wav", data=b"abc"
    )
    assert to_part({"mimeType": "text/plain", "data": "aGk="}).inline_data.data == b"hi"
    sniffed = to_part({"data": PNG})  # no mime type: sniffed from the bytes
    assert sniffed.inline_data.mime_type == "image/png"


def test_bare_blob_dict_without_a_recognisable_type() -> None:
    error(ValueError, to_part, {"data": b"plain bytes"}, at="part", mentions=("mime_type",))


def test_executable_code_dict_with_enum_name_in_any_case() -> None:
    part = to_part({"executable_code": {"language": "python", "code": "1+1"}})
    assert part.executable_code.language == types.ExecutableCode.Language.PYTHON


def test_metadata_fields_alongside_data() -> None:
    part = to_part(
        {
            "file_data": {"file_uri": "gs://b/v.mp4", "mime_type": "video/mp4"},
            "video_metadata": {"start_offset": "1.5s", "end_offset": 10, "fps": 2},
            "thought_signature": base64.b64encode(b"sig").decode(),
        }
    )
    assert part.video_metadata.start_offset.ToNanoseconds() == 1_500_000_000
    assert part.video_metadata.end_offset.seconds == 10
    assert part.thought_signature == b"sig"


def test_none_values_mean_unset() -> None:
    part = to_part({"text": "hi", "thought": None})
    assert part == types.Part(text="hi")


def test_dict_errors() -> None:
    error(
        ValueError, to_part, {"txt": "a"}, at="part", mentions=("'txt'", "did you mean 'text'", "inline_data")
    )
    error(
        ValueError,
        to_part,
        {"text": "a", "inline_data": {"mime_type": "a/b", "data": b""}},
        at="part",
        mentions=("'text'", "'inline_data'", "only one"),
    )
    error(ValueError, to_part, {}, at="part", mentions=("text", "inline_data", "function_call"))
    error(ValueError, to_part, {"thought": True}, at="part", mentions=("no part content",))
    error(TypeError, to_part, {"text": 5}, at="part.text", mentions=("a str", "int 5"))
    error(
        ValueError,
        to_part,
        {"inline_data": {"mime_type": "a/b", "data": "not base64!"}},
        at="part.inline_data.data",
        mentions=("base64",),
    )
    error(
        TypeError,
        to_part,
        {"function_call": {"name": "f", "args": {"x": {1, 2}}}},
        at="part.function_call.args['x']",
        mentions=("JSON value", "set"),
    )
    error(
        TypeError,
        to_part,
        {"function_call": {"name": "f", "args": ["not", "a", "dict"]}},
        at="part.function_call.args",
        mentions=("dict",),
    )
    error(TypeError, to_part, {3: "x"}, at="part", mentions=("keys must be",))
    error(
        ValueError,
        to_part,
        {"inline_data": {"mime_type": "a/b", "data": b"", "mimeType": "c/d"}},
        at="part.inline_data",
        mentions=("same field",),
    )


# ---------------------------------------------------------------------------------------------------
# to_part: bytes and sniffing

SNIFFED = [
    (PNG, "image/png"),
    (JPEG, "image/jpeg"),
    (b"GIF89a" + b"\x00" * 10, "image/gif"),
    (b"GIF87a" + b"\x00" * 10, "image/gif"),
    (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", "audio/wav"),
    (PDF, "application/pdf"),
    (b"ID3\x03\x00" + b"\x00" * 10, "audio/mp3"),
    (b"\xff\xfb\x90\x64" + b"\x00" * 10, "audio/mp3"),
    (b"OggS\x00\x02" + b"\x00" * 10, "audio/ogg"),
    (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 8, "video/mp4"),
    (b"\x00\x00\x00\x18ftypM4A " + b"\x00" * 8, "audio/mp4"),
    (b"\x00\x00\x00\x18ftypqt  " + b"\x00" * 8, "video/quicktime"),
    (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 8, "image/heic"),
    (b"\x00\x00\x00\x18ftyp3gp4" + b"\x00" * 8, "video/3gpp"),
]


@pytest.mark.parametrize(("data", "mime"), SNIFFED)
def test_sniffing(data: bytes, mime: str) -> None:
    assert sniff_mime_type(data) == mime
    part = to_part(data)
    assert part.inline_data == types.Blob(mime_type=mime, data=data)


@pytest.mark.parametrize(
    "data",
    [b"", b"hello world", b"\xff\xf1\x50\x80", b"RIFF\x00\x00\x00\x00AVI ", b"\x00\x00\x00\x1cftypavif"],
)
def test_unknown_bytes_sniff_to_none(data: bytes) -> None:
    assert sniff_mime_type(data) is None


def test_bytearray_and_memoryview() -> None:
    assert to_part(bytearray(PNG)).inline_data.data == PNG
    assert to_part(memoryview(PDF)).inline_data == types.Blob(mime_type="application/pdf", data=PDF)


def test_unknown_bytes_is_a_type_error_naming_the_alternatives() -> None:
    payload = b"\x01\x02" * 500_000
    message = error(
        TypeError,
        to_part,
        payload,
        at="contents[0]",
        mentions=("mime_type", "types.Blob"),
        path="contents[0]",
    )
    assert len(message) < 400  # the payload is never dumped
    assert "length 1000000" in message


def test_to_blob_shapes() -> None:
    blob = types.Blob(mime_type="a/b", data=b"x")
    assert to_blob(blob) is blob
    assert to_blob(PNG).mime_type == "image/png"
    assert to_blob({"mime_type": "a/b", "data": b"x"}) == blob
    error(TypeError, to_blob, 5, at="blob", mentions=("bytes", "types.Blob"))


# ---------------------------------------------------------------------------------------------------
# to_part: paths


def test_path_with_known_extension(tmp_path: Path) -> None:
    file = tmp_path / "note.txt"
    file.write_bytes(b"some notes")
    part = to_part(file)
    assert part.inline_data == types.Blob(mime_type="text/plain", data=b"some notes")


def test_path_without_extension_is_sniffed(tmp_path: Path) -> None:
    file = tmp_path / "picture"
    file.write_bytes(PNG)
    assert to_part(file).inline_data.mime_type == "image/png"


def test_pathlike_objects_are_accepted(tmp_path: Path) -> None:
    file = tmp_path / "doc.pdf"
    file.write_bytes(PDF)

    class Wrapper(os.PathLike[str]):
        def __fspath__(self) -> str:
            return str(file)

    assert to_part(Wrapper()).inline_data.mime_type == "application/pdf"


def test_path_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing.png"
    error(ValueError, to_part, missing, at="part", mentions=("no such file", str(missing)))
    error(ValueError, to_part, tmp_path, at="part", mentions=("cannot read", str(tmp_path)))
    odd = tmp_path / "blob.unknownext"
    odd.write_bytes(b"\x00\x01 nothing known")
    error(
        ValueError, to_part, odd, at="contents[2]", mentions=("media type", "mime_type"), path="contents[2]"
    )


# ---------------------------------------------------------------------------------------------------
# to_part: PIL images


def _pil() -> Any:
    return pytest.importorskip("PIL.Image")


def test_pil_image_becomes_inline_png_that_round_trips() -> None:
    image_module = _pil()
    image = image_module.new("RGB", (4, 3), (10, 200, 30))
    image.putpixel((1, 2), (255, 0, 0))
    pixels = image.tobytes()
    part = to_part(image)
    assert part.inline_data.mime_type == "image/png"
    assert part.inline_data.data.startswith(b"\x89PNG")
    decoded = image_module.open(io.BytesIO(part.inline_data.data))
    assert decoded.format == "PNG"
    assert decoded.size == (4, 3)
    assert decoded.convert("RGB").tobytes() == pixels
    assert image.tobytes() == pixels  # the caller's image is untouched
    assert image.mode == "RGB"


def test_pil_rgba_keeps_alpha() -> None:
    image_module = _pil()
    image = image_module.new("RGBA", (2, 2), (1, 2, 3, 4))
    decoded = image_module.open(io.BytesIO(to_part(image).inline_data.data))
    assert decoded.mode == "RGBA"
    assert decoded.getpixel((0, 0)) == (1, 2, 3, 4)


def test_pil_jpeg_stays_jpeg() -> None:
    image_module = _pil()
    buffer = io.BytesIO()
    image_module.new("RGB", (8, 8), (0, 0, 255)).save(buffer, format="JPEG")
    jpeg = image_module.open(io.BytesIO(buffer.getvalue()))
    assert jpeg.format == "JPEG"
    part = to_part(jpeg)
    assert part.inline_data.mime_type == "image/jpeg"
    assert image_module.open(io.BytesIO(part.inline_data.data)).size == (8, 8)


def test_pil_mode_png_cannot_store_is_converted() -> None:
    image_module = _pil()
    image = image_module.new("CMYK", (2, 2), (0, 0, 0, 0))
    part = to_part(image)
    assert part.inline_data.mime_type == "image/png"
    assert image_module.open(io.BytesIO(part.inline_data.data)).size == (2, 2)
    assert image.mode == "CMYK"


# ---------------------------------------------------------------------------------------------------
# to_part: interop


def test_proto_plus_messages() -> None:
    glm = pytest.importorskip("google.ai.generativelanguage_v1beta")
    assert to_part(glm.Part(text="pp")) == types.Part(text="pp")
    assert to_part(glm.Blob(mime_type="image/png", data=PNG)).inline_data.data == PNG
    call = to_part(glm.FunctionCall(name="f", args={"a": 1}))
    assert call.function_call.args["a"] == 1
    error(
        TypeError,
        to_part,
        glm.Content(parts=[glm.Part(text="x")]),
        at="part",
        mentions=("google.ai.generativelanguage.v1beta.Content",),
    )


def test_raw_protobuf_of_another_pool() -> None:
    glm = pytest.importorskip("google.ai.generativelanguage_v1beta")
    raw = glm.Part.pb()(text="raw")
    assert not isinstance(raw, types.Part)
    assert to_part(raw) == types.Part(text="raw")


def test_google_genai_parts() -> None:
    gtypes = pytest.importorskip("google.genai.types")
    assert to_part(gtypes.Part(text="g")) == types.Part(text="g")
    assert to_part(gtypes.Part.from_bytes(data=PNG, mime_type="image/png")).inline_data.data == PNG
    call = to_part(gtypes.Part(function_call=gtypes.FunctionCall(name="f", args={"k": [1, 2]})))
    assert list(call.function_call.args["k"]) == [1, 2]
    assert to_part(
        gtypes.File(name="files/1", uri="https://u", mime_type="image/png")
    ).file_data.file_uri == ("https://u")


# ---------------------------------------------------------------------------------------------------
# to_part: wrong kinds


@pytest.mark.parametrize("bad", [5, 1.5, None, True, {1, 2}, object(), ["a"], ("a",), 3j])
def test_wrong_kinds_are_type_errors(bad: Any) -> None:
    error(
        TypeError,
        to_part,
        bad,
        at="contents[1].parts[0]",
        mentions=("expected a part", "str", "dict"),
        path="contents[1].parts[0]",
    )


# ---------------------------------------------------------------------------------------------------
# to_content


def test_content_passes_through_unchanged() -> None:
    content = types.Content(role="model", parts=[types.Part(text="x")])
    assert to_content(content) is content


def test_content_from_part_likes() -> None:
    assert to_content("hi") == types.Content(role="user", parts=[types.Part(text="hi")])
    assert to_content("hi", default_role="model").role == "model"
    assert to_content("hi", default_role="").role == ""
    assert to_content(PNG).parts[0].inline_data.mime_type == "image/png"
    assert to_content({"text": "t"}) == types.Content(role="user", parts=[types.Part(text="t")])
    assert to_content(types.Part(text="p")).parts[0].text == "p"


def test_content_from_list_of_parts() -> None:
    content = to_content(["a", {"text": "b"}, types.Part(text="c"), PDF])
    assert [p.WhichOneof("data") for p in content.parts] == ["text", "text", "text", "inline_data"]
    assert content.role == "user"


def test_content_dicts() -> None:
    assert to_content({"role": "model", "parts": ["x", "y"]}) == types.Content(
        role="model", parts=[types.Part(text="x"), types.Part(text="y")]
    )
    assert to_content({"parts": "single"}) == types.Content(role="user", parts=[types.Part(text="single")])
    assert to_content({"role": "", "parts": ["x"]}).role == ""
    assert to_content({"role": None, "parts": ["x"]}).role == "user"


def test_content_errors() -> None:
    error(ValueError, to_content, [], at="content", mentions=("at least one part",))
    error(ValueError, to_content, {"role": "user"}, at="content", mentions=("'parts'",))
    error(
        ValueError, to_content, {"role": "user", "parts": []}, at="content.parts", mentions=("at least one",)
    )
    error(
        ValueError,
        to_content,
        {"role": "assistant", "parts": ["x"]},
        at="content.role",
        mentions=("'user' or 'model'", "'assistant'"),
    )
    error(
        ValueError,
        to_content,
        {"role": "system", "parts": ["x"]},
        at="content.role",
        mentions=("system_instruction",),
    )
    error(
        TypeError, to_content, {"role": 1, "parts": ["x"]}, at="content.role", mentions=("'user' or 'model'",)
    )
    error(
        ValueError,
        to_content,
        {"role": "user", "parts": ["x"], "extra": 1},
        at="content",
        mentions=("'extra'",),
    )
    error(
        TypeError,
        to_content,
        {"role": "user", "parts": ["ok", 5]},
        at="content.parts[1]",
        mentions=("a part",),
    )
    error(TypeError, to_content, ["ok", None], at="content[1]", mentions=("a part",))
    error(
        TypeError, to_content, 42, at="system_instruction", mentions=("a content",), path="system_instruction"
    )


def test_content_interop() -> None:
    glm = pytest.importorskip("google.ai.generativelanguage_v1beta")
    content = to_content(glm.Content(role="model", parts=[glm.Part(text="m")]))
    assert content == types.Content(role="model", parts=[types.Part(text="m")])
    assert to_content(glm.Part(text="p")) == types.Content(role="user", parts=[types.Part(text="p")])


def test_content_google_genai() -> None:
    gtypes = pytest.importorskip("google.genai.types")
    content = to_content(gtypes.Content(role="model", parts=[gtypes.Part(text="g")]))
    assert content == types.Content(role="model", parts=[types.Part(text="g")])
    error(
        ValueError,
        to_content,
        gtypes.Content(role="tool", parts=[gtypes.Part(text="g")]),
        at="content.role",
        mentions=("'tool'",),
    )


# ---------------------------------------------------------------------------------------------------
# to_contents


def test_contents_single_values() -> None:
    assert to_contents("hi") == [types.Content(role="user", parts=[types.Part(text="hi")])]
    content = types.Content(role="user", parts=[types.Part(text="x")])
    result = to_contents(content)
    assert result == [content]
    assert result[0] is content
    assert to_contents({"role": "model", "parts": ["m"]})[0].role == "model"
    assert to_contents({"text": "t"})[0].parts[0].text == "t"
    assert to_contents(PNG)[0].parts[0].inline_data.mime_type == "image/png"


def test_consecutive_parts_are_grouped_into_user_turns() -> None:
    model_turn = types.Content(role="model", parts=[types.Part(text="m")])
    result = to_contents(["a", {"text": "b"}, model_turn, "c", PDF, {"role": "model", "parts": ["d"]}, "e"])
    assert [c.role for c in result] == ["user", "model", "user", "model", "user"]
    assert [len(c.parts) for c in result] == [2, 1, 2, 1, 1]
    assert result[1] is model_turn
    assert result[2].parts[1].inline_data.mime_type == "application/pdf"


def test_nested_lists_are_one_turn_each() -> None:
    result = to_contents([["a", "b"], ["c"]])
    assert [[p.text for p in c.parts] for c in result] == [["a", "b"], ["c"]]


def test_contents_accept_tuples_and_repeated_fields() -> None:
    request = types.GenerateContentRequest(
        contents=[types.Content(role="user", parts=[types.Part(text="x")])]
    )
    assert to_contents(request.contents) == list(request.contents)
    assert len(to_contents(("a", "b"))) == 1


def test_contents_interop_items() -> None:
    glm = pytest.importorskip("google.ai.generativelanguage_v1beta")
    result = to_contents([glm.Content(role="model", parts=[glm.Part(text="m")]), glm.Part(text="p"), "q"])
    assert [c.role for c in result] == ["model", "user"]
    assert [p.text for p in result[1].parts] == ["p", "q"]


def test_contents_google_genai_items() -> None:
    gtypes = pytest.importorskip("google.genai.types")
    result = to_contents([gtypes.Content(role="model", parts=[gtypes.Part(text="m")]), gtypes.Part(text="p")])
    assert [c.role for c in result] == ["model", "user"]


def test_contents_errors_name_the_item() -> None:
    error(ValueError, to_contents, [], at="contents", mentions=("empty list",))
    error(TypeError, to_contents, [3], at="contents[0]", mentions=("a content", "{'role'", "a part"))
    error(TypeError, to_contents, ["a", 5], at="contents[1]", mentions=("a part",))
    error(
        TypeError,
        to_contents,
        ["a", {"role": "model", "parts": ["ok", {"text": 1}]}],
        at="contents[1].parts[1].text",
        mentions=("a str",),
    )
    error(
        ValueError,
        to_contents,
        ["a", "b", {"role": "function", "parts": ["x"]}],
        at="contents[2].role",
        mentions=("'user' or 'model'",),
    )
    error(TypeError, to_contents, (x for x in ["a"]), at="contents", mentions=("a content",))
    error(TypeError, to_contents, ["a", 1.5], at="history[1]", mentions=("a part",), path="history")


def test_no_input_is_mutated() -> None:
    inputs = [
        "a",
        {"role": "model", "parts": [{"text": "x"}, {"inline_data": {"mime_type": "a/b", "data": b"123"}}]},
        {"function_call": {"name": "f", "args": {"k": [1, {"z": None}]}}},
        ["nested", {"text": "list"}],
        {"mimeType": "text/plain", "data": "aGk="},
    ]
    snapshot = copy.deepcopy(inputs)
    message = types.Content(role="user", parts=[types.Part(text="kept")])
    message_bytes = message.SerializeToString()
    to_contents([*inputs, message])
    assert inputs == snapshot
    assert message.SerializeToString() == message_bytes


# ---------------------------------------------------------------------------------------------------
# google-genai subclasses are recognised by their class hierarchy, not their exact name (issue 7)


def test_google_genai_user_and_model_content() -> None:
    gtypes = pytest.importorskip("google.genai.types")
    user = gtypes.UserContent(parts=["hi", gtypes.Part(text="there")])
    model = gtypes.ModelContent(parts=["hello"])
    assert to_content(user) == types.Content(
        role="user", parts=[types.Part(text="hi"), types.Part(text="there")]
    )
    assert to_content(model, default_role="user").role == "model"
    turns = to_contents(["a", model, "b", user])
    assert [(c.role, [p.text for p in c.parts]) for c in turns] == [
        ("user", ["a"]),
        ("model", ["hello"]),
        ("user", ["b"]),
        ("user", ["hi", "there"]),
    ]


def test_subclasses_of_google_genai_classes() -> None:
    gtypes = pytest.importorskip("google.genai.types")

    class TracedContent(gtypes.Content):  # type: ignore[misc]  # a caller's own subclass
        pass

    class TracedFile(gtypes.File):  # type: ignore[misc]
        pass

    content = TracedContent(role="model", parts=[gtypes.Part(text="m")])
    assert to_contents(["q", content])[1] == types.Content(role="model", parts=[types.Part(text="m")])
    uploaded = TracedFile(name="files/1", uri="https://u/files/1", mime_type="video/mp4")
    assert to_part(uploaded) == types.Part(
        file_data=types.FileData(file_uri="https://u/files/1", mime_type="video/mp4")
    )
    error(ValueError, to_part, TracedFile(name="files/2"), at="part", mentions=("no uri",))
