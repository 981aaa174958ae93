"""The clients being compared, each doing the same work against the same emulator.

Every side sends the same request (one short user prompt to ``models/gemini-2.5-flash``) with the
same metadata our client sends on every call (``x-goog-api-key`` and ``x-goog-api-client``) and the
same 60 s deadline, and reads the reply text. Sides:

* ``ours``       genai.Client, from plain input (``contents="..."``) as a user writes it;
* ``raw``        the generated grpcio stub with a prebuilt request message (the floor);
* ``raw+build``  the same stub, building the request message on every call;
* ``raw 1-thread`` the raw stub on a channel in grpc's single-threaded server-streaming mode, the
                 mode our sync transport uses: the like-for-like floor for our streams;
* ``official``   google-ai-generativelanguage's GenerativeServiceClient over its grpc transport.
"""

from __future__ import annotations

from typing import Any, Protocol

MODEL = "gemini-2.5-flash"
MODEL_NAME = "models/gemini-2.5-flash"
PROMPT = "Tell me one short fact about the sea."
API_KEY = "benchmark-placeholder-key"
TIMEOUT = 60.0
CHUNKS_HEADER = "x-emulator-chunks"
RAW_METADATA = (("x-goog-api-key", API_KEY), ("x-goog-api-client", "genai-benchmarks/raw"))
# The official client adds its own x-goog-api-client (and a routing header); it is given the key.
OFFICIAL_METADATA = (("x-goog-api-key", API_KEY),)


class Side(Protocol):
    label: str

    def unary(self) -> str:
        """One GenerateContent call; the reply text."""
        ...

    def stream(self, chunks: int) -> tuple[int, str]:
        """One StreamGenerateContent call of ``chunks`` chunks, read to the end: (chunks seen, text)."""
        ...

    def close(self) -> None: ...


def raw_request() -> Any:
    from genai_protos import content_pb2, generative_service_pb2

    return generative_service_pb2.GenerateContentRequest(
        model=MODEL_NAME,
        contents=[content_pb2.Content(role="user", parts=[content_pb2.Part(text=PROMPT)])],
    )


class Ours:
    label = "ours"

    def __init__(self, endpoint: str) -> None:
        import genai

        self._client = genai.Client(API_KEY, endpoint=endpoint, insecure=True, timeout=TIMEOUT)
        self._models = self._client.models
        self._configs: dict[int, dict[str, Any]] = {}

    def unary(self) -> str:
        text: str = self._models.generate_content(model=MODEL, contents=PROMPT).text
        return text

    def stream(self, chunks: int) -> tuple[int, str]:
        config = self._configs.get(chunks)
        if config is None:
            config = self._configs[chunks] = {"metadata": [(CHUNKS_HEADER, str(chunks))]}
        seen = 0
        with self._models.generate_content_stream(model=MODEL, contents=PROMPT, config=config) as stream:
            for chunk in stream:
                chunk.text  # noqa: B018  (what a caller printing the stream reads)
                seen += 1
            text: str = stream.response.text
        return seen, text

    def close(self) -> None:
        self._client.close()


class RawStub:
    """The generated stub; ``build=True`` makes the request message on every call.

    ``single_threaded=True`` sets grpc's ``SingleThreadedUnaryStream`` channel option (server
    streams read on the calling thread), as genai's sync transport does.
    """

    def __init__(self, endpoint: str, *, build: bool = False, single_threaded: bool = False) -> None:
        import grpc
        import grpc.experimental
        from genai_protos import generative_service_pb2_grpc

        self.label = "raw+build" if build else "raw 1-thread" if single_threaded else "raw"
        self._build = build
        options = [(grpc.experimental.ChannelOptions.SingleThreadedUnaryStream, 1)] if single_threaded else []
        self._channel = grpc.insecure_channel(endpoint, options=options)
        self._stub = generative_service_pb2_grpc.GenerativeServiceStub(self._channel)
        self._request = raw_request()
        self._stream_metadata: dict[int, tuple[tuple[str, str], ...]] = {}

    def unary(self) -> str:
        request = raw_request() if self._build else self._request
        response = self._stub.GenerateContent(request, metadata=RAW_METADATA, timeout=TIMEOUT)
        text: str = response.candidates[0].content.parts[0].text
        return text

    def stream(self, chunks: int) -> tuple[int, str]:
        metadata = self._stream_metadata.get(chunks)
        if metadata is None:
            metadata = self._stream_metadata[chunks] = (*RAW_METADATA, (CHUNKS_HEADER, str(chunks)))
        request = raw_request() if self._build else self._request
        call = self._stub.StreamGenerateContent(request, metadata=metadata, timeout=TIMEOUT)
        texts = [chunk.candidates[0].content.parts[0].text for chunk in call]
        return len(texts), "".join(texts)

    def close(self) -> None:
        self._channel.close()


def official_available() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("google.ai.generativelanguage_v1beta") is not None
    except ModuleNotFoundError:
        return False


class Official:
    """google-ai-generativelanguage's GAPIC client, its grpc transport on a plaintext channel."""

    label = "official"

    def __init__(self, endpoint: str) -> None:
        import grpc
        from google.ai.generativelanguage_v1beta.services.generative_service import (
            GenerativeServiceClient,
            transports,
        )
        from google.ai.generativelanguage_v1beta.types import Content, Part

        self._content_type = Content
        self._part_type = Part
        self._channel = grpc.insecure_channel(endpoint)
        # With a ready channel the transport uses no credentials of its own.
        transport = transports.GenerativeServiceGrpcTransport(channel=self._channel)
        self._client = GenerativeServiceClient(transport=transport)
        self._stream_metadata: dict[int, tuple[tuple[str, str], ...]] = {}

    def _contents(self) -> list[Any]:
        return [self._content_type(role="user", parts=[self._part_type(text=PROMPT)])]

    def unary(self) -> str:
        response = self._client.generate_content(
            model=MODEL_NAME, contents=self._contents(), metadata=OFFICIAL_METADATA, timeout=TIMEOUT
        )
        text: str = response.candidates[0].content.parts[0].text
        return text

    def stream(self, chunks: int) -> tuple[int, str]:
        metadata = self._stream_metadata.get(chunks)
        if metadata is None:
            metadata = self._stream_metadata[chunks] = (*OFFICIAL_METADATA, (CHUNKS_HEADER, str(chunks)))
        call = self._client.stream_generate_content(
            model=MODEL_NAME, contents=self._contents(), metadata=metadata, timeout=TIMEOUT
        )
        texts = [chunk.candidates[0].content.parts[0].text for chunk in call]
        return len(texts), "".join(texts)

    def close(self) -> None:
        self._channel.close()
