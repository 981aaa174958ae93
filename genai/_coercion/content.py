"""Parts and contents from what people naturally pass: text, bytes, files, images, dicts, messages.

    >>> to_contents(["Describe this file.", b"%PDF-1.7 ..."])[0].parts[1].inline_data.mime_type
    'application/pdf'

Rules (the "coercion ladder"): our own messages pass through unchanged (the same object); everything
else is converted into new messages, never by mutating the input. Errors are TypeError (wrong kind of
value) or ValueError (right kind, bad value), and their message starts with the path of the offending
value ("contents[1].parts[0]: ...") and says what is accepted. Interop with proto-plus
(google-ai-generativelanguage), other protobuf pools, google-genai pydantic objects and PIL images is
detected without importing those packages.
"""

from __future__ import annotations

import io
import mimetypes
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeAlias

from google.protobuf.message import Message

from genai._coercion.base import (
    SupportsFileMessage,
    SupportsImageSave,
    SupportsModelDump,
    describe,
    foreign_to_own,
    is_genai_instance,
    is_genai_model,
    is_list,
    text_error,
    type_error,
)
from genai._coercion.dicts import fill_message, to_message
from genai._coercion.nesting import PART_LEVEL, check_nesting
from genai._wire import messages as pb
from genai.errors import FileNotActiveError

__all__ = [
    "ContentLike",
    "ContentsLike",
    "PartLike",
    "check_part_nesting",
    "collecting_pending_files",
    "sniff_mime_type",
    "to_blob",
    "to_content",
    "to_contents",
    "to_part",
]

PartLike: TypeAlias = (
    str
    | pb.Part
    | pb.Blob
    | pb.FileData
    | pb.FunctionCall
    | pb.FunctionResponse
    | pb.ExecutableCode
    | pb.CodeExecutionResult
    | pb.File
    | SupportsFileMessage
    | Mapping[str, Any]
    | bytes
    | bytearray
    | memoryview
    | os.PathLike[str]
    | SupportsImageSave
    | SupportsModelDump
    | Message
)
"""One part: text, media (bytes, Path, PIL image, Blob, FileData, File), a function call/response, or
the same as a dict / proto-plus / google-genai object."""

ContentLike: TypeAlias = pb.Content | PartLike | Sequence[PartLike]
"""One turn: a Content (or its dict {"role": ..., "parts": [...]}), one part, or a list of parts."""

ContentsLike: TypeAlias = ContentLike | Sequence[ContentLike]
"""A conversation: one content-like, or a list mixing contents and parts (runs of parts = one turn)."""

PART_SHAPES = (
    "a part: str, bytes of a known media type, pathlib.Path, PIL image, types.Part/Blob/FileData/"
    "FunctionCall/FunctionResponse/ExecutableCode/CodeExecutionResult/File, or a dict such as "
    "{'text': ...}, {'inline_data': {'mime_type': ..., 'data': ...}} or {'mime_type': ..., 'data': ...}"
)
CONTENT_SHAPES = (
    "a content: types.Content, a dict {'role': 'user'|'model', 'parts': [...]}, a list of parts, or "
    + PART_SHAPES
)
_ROLES = frozenset({"user", "model", ""})
_ROLE_HINTS = {
    "system": " (put system text in config.system_instruction)",
    "assistant": " (the model's turns use role 'model')",
    "function": " (send function responses in a 'user' turn)",
    "tool": " (send function responses in a 'user' turn)",
}
_DATA_FIELDS = (
    "text, inline_data, file_data, function_call, function_response, executable_code, code_execution_result"
)
_PART_FIELD_BY_TYPE: dict[type[Message], str] = {
    pb.Blob: "inline_data",
    pb.FileData: "file_data",
    pb.FunctionCall: "function_call",
    pb.FunctionResponse: "function_response",
    pb.ExecutableCode: "executable_code",
    pb.CodeExecutionResult: "code_execution_result",
}
_BLOB_KEYS = frozenset({"data", "mime_type", "mimeType"})
_FILE_KEYS = frozenset({"file_uri", "fileUri", "mime_type", "mimeType"})


# ---------------------------------------------------------------------------------------------------
# Media types


def sniff_mime_type(data: bytes) -> str | None:
    """The media type told by the first bytes (PNG, JPEG, GIF, WEBP, PDF, WAV, MP3, OGG, MP4), or None.

    >>> sniff_mime_type(b"%PDF-1.7 ...")
    'application/pdf'
    """
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and _is_mpeg_audio_frame(head[1])):
        return "audio/mp3"
    if head[4:8] == b"ftyp":  # ISO base media: the brand tells MP4 video from M4A, MOV, HEIC, ...
        brand = head[8:12]
        return _FTYP_BRANDS.get(brand, "video/3gpp" if brand.startswith(b"3g") else "video/mp4")
    return None


_FTYP_BRANDS: dict[bytes, str | None] = {
    b"M4A ": "audio/mp4",
    b"M4B ": "audio/mp4",
    b"qt  ": "video/quicktime",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
    b"avif": None,  # not a media type the API takes
}


def _is_mpeg_audio_frame(second: int) -> bool:
    # 11 sync bits (0xFFE...), then a layer that is not the reserved 00 (00 is AAC's ADTS header).
    return second & 0xE0 == 0xE0 and second & 0x06 != 0


def to_blob(value: Any, *, path: str = "blob") -> pb.Blob:
    """Inline media from bytes (type sniffed), a Blob, or a dict {"mime_type": ..., "data": ...}.

    >>> to_blob(b"\\x89PNG\\r\\n\\x1a\\n...").mime_type
    'image/png'
    """
    if type(value) is pb.Blob:
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        mime = sniff_mime_type(data)
        if mime is None:
            raise TypeError(
                f"{path}: cannot tell the media type of {describe(value)}; pass "
                "{'mime_type': ..., 'data': ...} or types.Blob(mime_type=..., data=...)"
            )
        return pb.Blob(mime_type=mime, data=data)
    if (
        isinstance(value, Mapping)
        and "data" in value
        and "mime_type" not in value
        and "mimeType" not in value
    ):
        blob = to_message(pb.Blob, value, path=path)
        mime = sniff_mime_type(blob.data)
        if mime is None:
            raise ValueError(f"{path}: cannot tell the media type of the data; add 'mime_type'")
        blob.mime_type = mime
        return blob
    return to_message(
        pb.Blob, value, path=path, expected="bytes, types.Blob or {'mime_type': ..., 'data': ...}"
    )


def _file_part(value: Any, path: str) -> pb.Part:
    data = pb.FileData()
    fill_message(data, value, path=path)
    return pb.Part(file_data=data)


def _path_part(value: os.PathLike[Any], path: str) -> pb.Part:
    file = Path(os.fsdecode(os.fspath(value)))
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file: {str(file)!r}") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot read {str(file)!r}: {exc.strerror or exc}") from None
    mime = mimetypes.guess_type(file.name)[0] or sniff_mime_type(data)
    if mime is None:
        raise ValueError(
            f"{path}: cannot tell the media type of {str(file)!r}; pass "
            "{'mime_type': ..., 'data': path.read_bytes()} instead"
        )
    return pb.Part(inline_data=pb.Blob(mime_type=mime, data=data))


def _is_pil_image(value: Any) -> bool:
    return (type(value).__module__ or "").startswith("PIL.") and hasattr(value, "save")


def _image_part(image: Any, path: str) -> pb.Part:
    """PNG (or JPEG, when the image came from a JPEG) bytes of a PIL image."""
    formats = ["JPEG", "PNG"] if getattr(image, "format", None) == "JPEG" else ["PNG"]
    for fmt in formats:
        buffer = io.BytesIO()
        try:
            image.save(buffer, format=fmt)
        except (OSError, ValueError, KeyError):
            continue
        return pb.Part(inline_data=pb.Blob(mime_type=f"image/{fmt.lower()}", data=buffer.getvalue()))
    try:  # modes PNG cannot store (CMYK, ...): convert a copy
        buffer = io.BytesIO()
        image.convert("RGBA").save(buffer, format="PNG")
    except Exception as exc:
        raise ValueError(f"{path}: could not encode the image as PNG: {exc}") from None
    return pb.Part(inline_data=pb.Blob(mime_type="image/png", data=buffer.getvalue()))


# ---------------------------------------------------------------------------------------------------
# Parts


def to_part(value: PartLike, *, path: str = "part") -> pb.Part:
    """One Part from any part-like value; a types.Part is returned as is.

    >>> to_part("Hello").text
    'Hello'

    Accepted: str (text); types.Part; types.Blob/FileData/FunctionCall/FunctionResponse/
    ExecutableCode/CodeExecutionResult (wrapped); types.File (its uri); dicts with Part fields
    (snake_case or camelCase, bytes or base64 data) or a bare blob/file-data dict; bytes of a known
    media type; pathlib.Path; PIL images; proto-plus, other-pool and google-genai equivalents.
    """
    cls = type(value)
    if cls is pb.Part:
        return value  # type: ignore[return-value]
    if cls is str:
        try:
            return pb.Part(text=value)  # type: ignore[arg-type]
        except UnicodeEncodeError as err:  # protobuf encodes the text as UTF-8 here
            raise text_error(path, err) from None
    return _other_part(value, path, PART_SHAPES)


def _text_part(text: str, path: str) -> pb.Part:
    try:
        return pb.Part(text=text if type(text) is str else str.__str__(text))
    except UnicodeEncodeError as err:
        raise text_error(path, err) from None


def _other_part(value: Any, path: str, expected: str, *, converted: bool = False) -> pb.Part:
    """to_part's general case; `expected` is the accepted-shapes text of a TypeError.

    A part built here is checked for nesting; a Part message is sent as given, unless `converted`
    (our copy of a proto-plus / other-pool message).
    """
    part = _convert_part(value, path, expected)
    if converted or type(value) is not pb.Part:
        check_part_nesting(part, path)
    return part


def check_part_nesting(part: pb.Part, path: str) -> None:
    """Refuse a part whose function call/response or metadata nests too deeply for protobuf.

    >>> check_part_nesting(pb.Part(text="hi"), "contents[0]")
    """
    kind = part.WhichOneof("data")
    if kind == "function_call" or kind == "function_response":
        check_nesting(getattr(part, kind), level=PART_LEVEL + 1, path=f"{path}.{kind}")
    if part.HasField("part_metadata"):
        check_nesting(part.part_metadata, level=PART_LEVEL + 1, path=f"{path}.part_metadata")


def _convert_part(value: Any, path: str, expected: str) -> pb.Part:
    field = _PART_FIELD_BY_TYPE.get(type(value))
    if field is not None:
        part = pb.Part()
        getattr(part, field).CopyFrom(value)
        return part
    if isinstance(value, pb.Part):
        return value
    if isinstance(value, str):
        return _text_part(value, path)
    if isinstance(value, Mapping):
        return _dict_part(value, path)
    if isinstance(value, bytes | bytearray | memoryview):
        return pb.Part(inline_data=to_blob(value, path=path))
    if isinstance(value, os.PathLike):
        return _path_part(value, path)
    if isinstance(value, pb.File):
        _check_active(pb.File.State.Name(value.state), value.name, path)
        return _uploaded_file_part(value.uri, value.mime_type, value.name, path)
    if isinstance(getattr(value, "raw", None), pb.File):  # genai's File views (client.files)
        return _convert_part(value.raw, path, expected)
    if _is_pil_image(value):
        return _image_part(value, path)
    own = foreign_to_own(value, path=path)
    if own is not None:
        if isinstance(own, pb.Part | pb.File) or type(own) in _PART_FIELD_BY_TYPE:
            return _convert_part(own, path, expected)
        raise TypeError(f"{path}: expected {expected}; got a {own.DESCRIPTOR.full_name} message")
    if is_genai_model(value):
        if is_genai_instance(value, "File"):
            state = getattr(value, "state", None)
            _check_active(str(getattr(state, "name", state) or ""), getattr(value, "name", None), path)
            return _uploaded_file_part(
                getattr(value, "uri", None),
                getattr(value, "mime_type", None),
                getattr(value, "name", None),
                path,
            )
        return _dict_part(value.model_dump(exclude_none=True), path)
    raise type_error(path, expected, value)


# Set while a request is built for a caller who asked to wait for files (``wait_for_files``): the
# names of the PROCESSING files met go here instead of failing, to be waited for before sending.
_PENDING_FILES: ContextVar[list[str] | None] = ContextVar("genai_pending_files", default=None)


@contextmanager
def collecting_pending_files() -> Iterator[list[str]]:
    """Within the block, a PROCESSING file in contents is noted (its name, once) rather than refused.

    >>> with collecting_pending_files() as pending:
    ...     _ = to_contents([pb.File(name="files/a", uri="u", state=pb.File.State.PROCESSING)])
    >>> pending
    ['files/a']
    """
    pending: list[str] = []
    token = _PENDING_FILES.set(pending)
    try:
        yield pending
    finally:
        _PENDING_FILES.reset(token)


def _check_active(state: str, name: Any, path: str) -> None:
    """FileNotActiveError for a file whose state says it cannot be used yet (or ever)."""
    state = state.rsplit(".", 1)[-1].upper()
    pending = _PENDING_FILES.get()
    if state == "PROCESSING" and pending is not None and isinstance(name, str) and name:
        if name not in pending:
            pending.append(name)
        return
    if state in ("PROCESSING", "FAILED"):
        raise FileNotActiveError(
            f"{path}: the file {name!r} is {state}, not ACTIVE: "
            + (
                "wait for it first (file.wait_active(), client.files.wait(name), upload(..., wait=True), "
                "or wait_for_files=True in the call's config)"
                if state == "PROCESSING"
                else "its processing failed; upload it again"
            )
        )


def _uploaded_file_part(uri: Any, mime_type: Any, name: Any, path: str) -> pb.Part:
    if not uri:
        raise ValueError(f"{path}: the file {name!r} has no uri (is it uploaded and ACTIVE?)")
    data = pb.FileData()
    fill_message(data, {"file_uri": uri, "mime_type": mime_type or ""}, path=path)
    return pb.Part(file_data=data)


def _dict_part(value: Mapping[Any, Any], path: str) -> pb.Part:
    keys = value.keys()
    if "data" in keys and keys <= _BLOB_KEYS:
        return pb.Part(inline_data=to_blob(value, path=path))
    if ("file_uri" in keys or "fileUri" in keys) and keys <= _FILE_KEYS:
        return _file_part(value, path)
    part = pb.Part()
    fill_message(part, value, path=path)
    if part.WhichOneof("data") is None:
        raise ValueError(
            f"{path}: the dict sets no part content; give one of {_DATA_FIELDS} (got {describe(value)})"
        )
    return part


# ---------------------------------------------------------------------------------------------------
# Contents


def _check_role(role: Any, path: str) -> str:
    if not isinstance(role, str):
        raise type_error(path, "'user' or 'model'", role)
    if role not in _ROLES:
        hint = _ROLE_HINTS.get(role.lower(), "")
        raise ValueError(f"{path}: the API accepts role 'user' or 'model'; got {role!r}{hint}")
    return role


def _parts(value: Any, path: str) -> list[pb.Part]:
    if is_list(value):
        if not value:
            raise ValueError(f"{path}: empty list; a content needs at least one part")
        return [to_part(item, path=f"{path}[{i}]") for i, item in enumerate(value)]
    return [to_part(value, path=path)]


def _dict_content(value: Mapping[Any, Any], path: str, default_role: str) -> pb.Content:
    role = default_role
    parts: list[pb.Part] | None = None
    for key, item in value.items():
        if key == "role":
            if item is not None:
                role = _check_role(item, f"{path}.role")
        elif key == "parts":
            if item is not None:
                parts = _parts(item, f"{path}.parts")
        elif isinstance(key, str):
            raise ValueError(f"{path}: unknown key {key!r} for Content; valid keys: role, parts")
        else:
            raise TypeError(f"{path}: keys must be str ('role', 'parts'); got {describe(key)}")
    if parts is None:
        raise ValueError(f"{path}: a content dict needs 'parts' (a list of parts)")
    return pb.Content(role=role, parts=parts)


def _genai_is_content(value: Any) -> bool:
    return is_genai_instance(value, "Content")  # UserContent and ModelContent included


def to_content(value: ContentLike, *, path: str = "content", default_role: str = "user") -> pb.Content:
    """One Content: a types.Content as is; a dict {"role", "parts"}; a part-like; a list of part-likes.

    >>> to_content(["Hi", b"%PDF-1.7..."]).parts[1].inline_data.mime_type
    'application/pdf'

    `default_role` is the role of contents built from parts (and of dicts without a role); role
    values other than 'user' and 'model' ('' is allowed) are rejected for the values built here. A
    types.Content is sent as given.
    """
    cls = type(value)
    if cls is pb.Content:
        return value  # type: ignore[return-value]
    if cls is str:
        return pb.Content(role=default_role, parts=[_text_part(value, path)])  # type: ignore[arg-type]
    if isinstance(value, Mapping):
        if "role" in value or "parts" in value:
            return _dict_content(value, path, default_role)
        return pb.Content(role=default_role, parts=[_other_part(value, path, CONTENT_SHAPES)])
    if is_list(value):
        return pb.Content(role=default_role, parts=_parts(value, path))
    own = foreign_to_own(value, path=path)
    if isinstance(own, pb.Content):
        return _converted_content(own, path)
    if _genai_is_content(value):
        dumped = value.model_dump(exclude_none=True)  # type: ignore[union-attr]
        return _dict_content(dumped, path, default_role)
    return pb.Content(role=default_role, parts=[_other_part(value, path, CONTENT_SHAPES)])


def _converted_content(content: pb.Content, path: str) -> pb.Content:
    """Our copy of a proto-plus / other-pool Content, once its parts are checked for nesting."""
    for i, part in enumerate(content.parts):
        check_part_nesting(part, f"{path}.parts[{i}]")
    return content


def _is_content_item(item: Any) -> bool:
    cls = type(item)
    if cls is pb.Content:
        return True
    if cls is pb.Part:
        return False
    if isinstance(item, Mapping):
        return "role" in item or "parts" in item
    if isinstance(item, str | bytes | bytearray | memoryview):
        return False
    return is_list(item) or _genai_is_content(item)


def to_contents(value: ContentsLike, *, path: str = "contents") -> list[pb.Content]:
    """The list of Contents of a request: one content-like, or a list of content-likes and parts.

    >>> [c.role for c in to_contents(["Hi", {"role": "model", "parts": ["Hello"]}, "Bye", "now"])]
    ['user', 'model', 'user']

    In a list, every content-like item (types.Content, a dict with "role" or "parts", a nested list
    of parts, a proto-plus/google-genai Content) is one turn, and each run of consecutive part-like
    items becomes one user turn. An empty list is a ValueError.
    """
    cls = type(value)
    if cls is str:  # the most common message: one user text
        return [pb.Content(role="user", parts=[_text_part(value, path)])]  # type: ignore[arg-type]
    if cls is pb.Content:
        return [value]  # type: ignore[list-item]
    if not is_list(value):
        return [to_content(value, path=path)]  # type: ignore[arg-type]
    items: Sequence[Any] = value
    if not items:
        raise ValueError(f"{path}: empty list; give at least one content (e.g. a str)")
    out: list[pb.Content] = []
    pending: list[pb.Part] = []
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]"
        if type(item) is str:
            try:
                pending.append(pb.Part(text=item))
            except UnicodeEncodeError as err:
                raise text_error(item_path, err) from None
            continue
        if not _is_content_item(item):
            own = foreign_to_own(item, path=item_path)
            if not isinstance(own, pb.Content):
                converted = own is not None
                pending.append(
                    _other_part(item if own is None else own, item_path, CONTENT_SHAPES, converted=converted)
                )
                continue
            item = _converted_content(own, item_path)
        if pending:
            out.append(pb.Content(role="user", parts=pending))
            pending = []
        out.append(to_content(item, path=item_path))
    if pending:
        out.append(pb.Content(role="user", parts=pending))
    return out
