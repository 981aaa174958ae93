"""Request bytes written directly, without building a message: the plain-prompt GenerateContentRequest.

    >>> from genai._wire import messages as pb
    >>> prompt = pb.Content(role="user", parts=[pb.Part(text="Hi")])
    >>> message = pb.GenerateContentRequest(model="models/gemini-2.5-flash", contents=[prompt])
    >>> encode_text_request("gemini-2.5-flash", "Hi") == message.SerializeToString()
    True

The most common call is one str prompt to a model with no config; the transport sends these bytes
as they are, which spares building a message only to serialise it. The bytes are exactly what
protobuf's encoder writes for the same request (a property test holds them to that).
"""

from __future__ import annotations

from collections.abc import Iterable

from genai._coercion.base import text_error
from genai._coercion.models import to_model_name
from genai._wire import messages as pb

__all__ = [
    "contents_field",
    "decode_contents",
    "encode_content",
    "encode_contents",
    "encode_request_without_contents",
    "encode_text_request",
    "encode_user_text",
]


def _varint(value: int) -> bytes:
    if value < 0x80:
        return _BYTE[value]
    if value < 0x4000:  # two bytes: every content but a large one
        return bytes(((value & 0x7F) | 0x80, value >> 7))
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _length_delimited(tag: bytes, payload: bytes) -> bytes:
    return tag + _varint(len(payload)) + payload


# A one-byte varint (0-127), without a call.
_BYTE = tuple(bytes((i,)) for i in range(0x80))

# Wire tags (field number << 3 | 2, length-delimited) of the fields a one-prompt request sets.
_MODEL_TAG = b"\x0a"  # GenerateContentRequest.model = 1
_CONTENTS_TAG = b"\x12"  # GenerateContentRequest.contents = 2
_PARTS_TAG = b"\x0a"  # Content.parts = 1
_USER_ROLE = b"\x12\x04user"  # Content.role = 2, "user"
_TEXT_TAG = b"\x12"  # Part.text = 2


def encode_text_request(model: str, text: str) -> bytes:
    """The serialised GenerateContentRequest of one user prompt, without building the message.

    >>> len(encode_text_request("gemini-2.5-flash", "Hi"))
    39
    """
    name = to_model_name(model)
    return _length_delimited(_MODEL_TAG, name.encode()) + encode_user_text(text, path="contents")


def encode_user_text(text: str, *, path: str = "contents") -> bytes:
    """The ``contents`` field of a user Content holding one text part, without building the message.

    >>> encode_user_text("Hi") == encode_contents([pb.Content(role="user", parts=[pb.Part(text="Hi")])])
    True

    A text that cannot be encoded (a lone surrogate) is a ValueError naming ``path``.
    """
    try:
        encoded = text.encode()
    except UnicodeEncodeError as err:
        raise text_error(path, err) from None
    # text is a oneof member, so even "" is written: the part then says it is an empty text.
    # (_length_delimited three times over, inline: a chat sends every str message through here.)
    size = len(encoded)
    part = _TEXT_TAG + (_BYTE[size] if size < 0x80 else _varint(size)) + encoded
    size = len(part)
    content = _PARTS_TAG + (_BYTE[size] if size < 0x80 else _varint(size)) + part + _USER_ROLE
    size = len(content)
    return _CONTENTS_TAG + (_BYTE[size] if size < 0x80 else _varint(size)) + content


def contents_field(content: bytes) -> bytes:
    """A serialised Content as one ``contents`` field of a GenerateContentRequest.

    >>> contents_field(pb.Content(role="user").SerializeToString()) == encode_content(pb.Content(role="user"))
    True
    """
    size = len(content)
    return _CONTENTS_TAG + (_BYTE[size] if size < 0x80 else _varint(size)) + content


def decode_contents(data: bytes) -> list[pb.Content]:
    """The contents that ``contents`` fields hold (the inverse of ``encode_contents``).

    >>> [content.role for content in decode_contents(encode_user_text("Hi"))]
    ['user']
    """
    return list(pb.GenerateContentRequest.FromString(data).contents)


def encode_contents(contents: Iterable[pb.Content]) -> bytes:
    """The ``contents`` fields of a GenerateContentRequest holding these contents, in order.

    >>> turn = pb.Content(role="user", parts=[pb.Part(text="Hi")])
    >>> head = pb.GenerateContentRequest(model="models/m").SerializeToString()
    >>> pb.GenerateContentRequest.FromString(head + encode_contents([turn])).contents[0] == turn
    True

    A repeated field may be written in any number of pieces, anywhere in the message: a chat keeps
    each committed turn's bytes and sends its history by concatenation, so a turn costs the same with
    a long history as with none. Serialised deterministically (map entries sorted), so the same
    contents always give the same bytes, whichever way they were built.
    """
    pieces: list[bytes] = []
    for content in contents:
        data = content.SerializeToString(deterministic=True)
        pieces += (_CONTENTS_TAG, _varint(len(data)), data)
    return b"".join(pieces)


def encode_content(content: pb.Content) -> bytes:
    """One ``contents`` field of a GenerateContentRequest: ``encode_contents([content])``.

    >>> encode_content(pb.Content(role="user")) == encode_contents([pb.Content(role="user")])
    True
    """
    return contents_field(content.SerializeToString(deterministic=True))


def encode_request_without_contents(request: pb.GenerateContentRequest) -> bytes:
    """A request's bytes without its contents (the fields a chat sends unchanged every turn).

    >>> encode_request_without_contents(pb.GenerateContentRequest(model="models/m"))
    b'\\n\\x08models/m'
    """
    if not request.contents:
        return request.SerializeToString(deterministic=True)
    rest = pb.GenerateContentRequest()
    rest.CopyFrom(request)
    del rest.contents[:]
    return rest.SerializeToString(deterministic=True)
