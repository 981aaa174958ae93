"""``client.aio.tunings``: create (a long-running operation), get, list, update and delete tuned models.

What each method sends comes from the pure core (genai._requests.tunings); here it is only sent.
A tuned model's name ("tunedModels/x") works as ``model=`` in generate calls once it is ACTIVE.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from genai._aio.operations import AsyncOperation, AsyncOperations
from genai._coercion.tuning import TrainingDataLike
from genai._requests.calls import CallConfig
from genai._requests.tunings import (
    CREATE_TUNED_MODEL,
    DELETE_TUNED_MODEL,
    GET_TUNED_MODEL,
    LIST_TUNED_MODELS,
    UNSET,
    UPDATE_TUNED_MODEL,
    CreateTuningConfigDict,
    TuningsCore,
    to_tuned_model_name,
)
from genai._transport import AsyncTransport
from genai._transport.options import CallOptions
from genai._wire import messages as pb
from genai.errors import AlreadyExistsError

__all__ = ["AsyncTunings"]


class AsyncTunings(TuningsCore):
    """Tuned models; reached as ``client.aio.tunings``."""

    def __init__(self, transport: AsyncTransport, defaults: CallOptions, operations: AsyncOperations) -> None:
        super().__init__(defaults)
        self._transport = transport
        self._operations = operations

    async def create(
        self,
        *,
        base_model: str,
        training_dataset: TrainingDataLike,
        config: CreateTuningConfigDict | None = None,
    ) -> AsyncOperation:
        """Start tuning `base_model` on (input, output) examples; returns the operation to wait for.

        With ``config={"tuned_model_id": ...}`` the create is idempotent: it is retried on transient
        errors, and a create whose id already exists with the same base model (a retry whose first
        attempt did land, or the same call again) returns that model's latest operation instead of
        failing or making a second model; the same id with another base model is AlreadyExistsError.
        Without an id the create is sent once (a retry could make a second model).

        >>> op = await client.aio.tunings.create(base_model="gemini-2.5-flash", training_dataset=[("1", "2")])
        >>> op.metadata.completed_steps, op.metadata.total_steps
        (0, 5)
        """
        request, options = self._create(base_model, training_dataset, config)
        try:
            raw = await self._transport.unary(
                CREATE_TUNED_MODEL, request, options=options, metadata=options.metadata
            )
        except AlreadyExistsError:
            if not request.HasField("tuned_model_id"):
                raise
            existing = await self._existing(request, options)
            if existing is None:
                raise
            return existing
        return self._operations._wrap(raw, options)

    async def _existing(
        self, request: pb.CreateTunedModelRequest, options: CallOptions
    ) -> AsyncOperation | None:
        """The latest operation of the tuned model a create named, if it is the same base model's."""
        name = "tunedModels/" + request.tuned_model_id
        model = await self._transport.unary(
            GET_TUNED_MODEL, pb.GetTunedModelRequest(name=name), options=options, metadata=options.metadata
        )
        if model.base_model != request.tuned_model.base_model:
            return None
        latest = None
        async for operation in self._operations.list(name, config=options):
            latest = operation
        return latest

    async def get(self, name: str, *, config: CallConfig | None = None) -> pb.TunedModel:
        """A tuned model ("tunedModels/x" or "x"); NotFoundError when there is none.

        >>> op = await client.aio.tunings.create(base_model="gemini-2.5-flash", training_dataset=[("1", "2")])
        >>> (await client.aio.tunings.get(op.metadata.tuned_model)).base_model
        'models/gemini-2.5-flash'
        """
        request = pb.GetTunedModelRequest(name=to_tuned_model_name(name))
        options = self._options(config)
        return await self._transport.unary(
            GET_TUNED_MODEL, request, options=options, metadata=options.metadata
        )

    def list(
        self, *, page_size: int | None = None, config: CallConfig | None = None
    ) -> AsyncIterator[pb.TunedModel]:
        """Every tuned model, fetched page by page as the iteration advances.

        >>> op = await client.aio.tunings.create(base_model="gemini-2.5-flash", training_dataset=[("1", "2")])
        >>> op.metadata.tuned_model in [m.name async for m in client.aio.tunings.list()]
        True
        """
        size, options = self._page_size(page_size), self._options(config)

        async def pages() -> AsyncIterator[pb.TunedModel]:
            token = ""
            while True:
                request = pb.ListTunedModelsRequest(page_size=size, page_token=token)
                page = await self._transport.unary(
                    LIST_TUNED_MODELS, request, options=options, metadata=options.metadata
                )
                for model in page.tuned_models:
                    yield model
                token = page.next_page_token
                if not token:
                    return

        return pages()

    async def update(
        self,
        name: str,
        *,
        display_name: str = UNSET,
        description: str = UNSET,
        temperature: float | None = UNSET,
        top_p: float | None = UNSET,
        top_k: int | None = UNSET,
        config: CallConfig | None = None,
    ) -> pb.TunedModel:
        """Change the fields given (and only those: the update mask names them); returns the model.

        None clears temperature, top_p or top_k.

        >>> op = await client.aio.tunings.create(base_model="gemini-2.5-flash", training_dataset=[("1", "2")])
        >>> (await client.aio.tunings.update(op.metadata.tuned_model, display_name="Renamed")).display_name
        'Renamed'
        """
        fields = {
            "display_name": display_name,
            "description": description,
            "temperature": temperature,
            "top_p": top_p,
            "top_k": top_k,
        }
        request, options = self._update(name, fields, config)
        return await self._transport.unary(
            UPDATE_TUNED_MODEL, request, options=options, metadata=options.metadata
        )

    async def delete(self, name: str, *, config: CallConfig | None = None) -> None:
        """Delete a tuned model (and its operations); NotFoundError when there is none.

        >>> op = await client.aio.tunings.create(base_model="gemini-2.5-flash", training_dataset=[("1", "2")])
        >>> await client.aio.tunings.delete(op.metadata.tuned_model)
        """
        request = pb.DeleteTunedModelRequest(name=to_tuned_model_name(name))
        options = self._options(config)
        await self._transport.unary(DELETE_TUNED_MODEL, request, options=options, metadata=options.metadata)
