"""client.tunings / client.aio.tunings against the emulator: create, get, list, update (mask), delete,
idempotent creates, generate with a tuned model, bad inputs."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

import genai
from genai.errors import AlreadyExistsError, FailedPreconditionError, NotFoundError, UnavailableError
from genai.testing import Emulator
from genai.types import TunedModel

FAST = genai.RetryOptions(initial=0.01, maximum=0.02, jitter=0.0)
PAIRS = [("1", "2"), {"text_input": "3", "output": "4"}]


@pytest.fixture
def fast(emulator: Emulator) -> Iterator[genai.Client]:
    with emulator.client(retry=FAST, timeout=10) as client:
        yield client


def _id() -> str:
    return "t-" + uuid.uuid4().hex[:12]


def test_create_get_list_update_delete(emulator: Emulator, fast: genai.Client) -> None:
    model_id = _id()
    op = fast.tunings.create(
        base_model="gemini-2.5-flash",
        training_dataset=PAIRS,
        config={"tuned_model_id": model_id, "display_name": "Mine", "epoch_count": 2, "batch_size": 1},
    )
    name = f"tunedModels/{model_id}"
    assert op.metadata.tuned_model == name and op.metadata.total_steps == 4  # 2 epochs of 2 batches
    tuned = op.wait(timeout=10).result()
    assert tuned.state == TunedModel.ACTIVE and tuned.display_name == "Mine"
    sent = tuned.tuning_task.training_data.examples.examples
    assert [(e.text_input, e.output) for e in sent] == [("1", "2"), ("3", "4")]
    assert fast.tunings.get(model_id).name == name
    assert name in [m.name for m in fast.tunings.list(page_size=1)]  # one model per page: the pager pages

    emulator.reset()
    updated = fast.tunings.update(name, description="tuned", temperature=0.5)
    assert (updated.description, updated.display_name) == ("tuned", "Mine")
    assert updated.temperature == pytest.approx(0.5)
    [call] = [c for c in emulator.calls if c.method == "UpdateTunedModel"]
    assert list(call.request.update_mask.paths) == ["description", "temperature"]  # only the fields given
    cleared = fast.tunings.update(name, temperature=None)
    assert not cleared.HasField("temperature") and cleared.description == "tuned"

    fast.tunings.delete(name)
    with pytest.raises(NotFoundError):
        fast.tunings.get(name)
    assert name not in [m.name for m in fast.tunings.list()]


def test_the_async_face_does_the_same(emulator: Emulator) -> None:
    model_id = _id()

    async def main() -> None:
        client = emulator.client(retry=FAST)
        try:
            tunings = client.aio.tunings
            op = await tunings.create(
                base_model="gemini-2.5-flash", training_dataset=PAIRS, config={"tuned_model_id": model_id}
            )
            assert (await op.wait(timeout=10)).result().state == TunedModel.ACTIVE
            assert (await tunings.get(model_id)).base_model == "models/gemini-2.5-flash"
            assert f"tunedModels/{model_id}" in [m.name async for m in tunings.list()]
            assert (await tunings.update(model_id, display_name="Renamed")).display_name == "Renamed"
            reply = await client.aio.models.generate_content(model=f"tunedModels/{model_id}", contents="Hi")
            assert reply.text.startswith('You said: "Hi".')
            await tunings.delete(model_id)
            with pytest.raises(NotFoundError):
                await tunings.get(model_id)
        finally:
            client.close()

    asyncio.run(main())


def test_a_tuned_model_generates_once_active(fast: genai.Client) -> None:
    model_id = _id()
    op = fast.tunings.create(
        base_model="gemini-2.5-flash",
        training_dataset=PAIRS,
        config={"tuned_model_id": model_id, "metadata": {"x-emulator-tuning-step": "0.1"}},
    )
    with pytest.raises(FailedPreconditionError, match="CREATING"):
        fast.models.generate_content(model=f"tunedModels/{model_id}", contents="Hi")
    op.wait(timeout=10)
    reply = fast.models.generate_content(model=f"tunedModels/{model_id}", contents="Hi")
    assert reply.text.startswith('You said: "Hi".')
    with pytest.raises(NotFoundError):
        fast.models.generate_content(model="tunedModels/no-such-model", contents="Hi")


def test_a_create_with_an_id_is_idempotent(emulator: Emulator, fast: genai.Client) -> None:
    model_id = _id()
    first = fast.tunings.create(
        base_model="gemini-2.5-flash", training_dataset=PAIRS, config={"tuned_model_id": model_id}
    )
    again = fast.tunings.create(
        base_model="gemini-2.5-flash", training_dataset=PAIRS, config={"tuned_model_id": model_id}
    )
    assert again.name == first.name  # the same operation, not a second model
    assert [m.name for m in fast.tunings.list()].count(f"tunedModels/{model_id}") == 1
    with pytest.raises(AlreadyExistsError):  # the same id for another base model is a real conflict
        fast.tunings.create(
            base_model="gemini-2.5-pro", training_dataset=PAIRS, config={"tuned_model_id": model_id}
        )


def test_a_create_with_an_id_is_retried_and_one_without_is_not(
    emulator: Emulator, fast: genai.Client
) -> None:
    emulator.reset()
    flaky = {"x-emulator-fail": "UNAVAILABLE:1"}
    op = fast.tunings.create(
        base_model="gemini-2.5-flash",
        training_dataset=PAIRS,
        config={"tuned_model_id": _id(), "metadata": flaky},
    )
    assert op.name
    before = len([c for c in emulator.calls if c.method == "CreateTunedModel"])
    assert before == 2  # the failed attempt and its retry
    with pytest.raises(UnavailableError):
        fast.tunings.create(
            base_model="gemini-2.5-flash", training_dataset=[("x", "y")], config={"metadata": flaky}
        )
    assert len([c for c in emulator.calls if c.method == "CreateTunedModel"]) == before + 1


@pytest.mark.parametrize(
    ("kwargs", "error", "where"),
    [
        ({"training_dataset": []}, ValueError, r"training_dataset: expected at least one"),
        ({"training_dataset": "abc"}, TypeError, r"training_dataset: expected"),
        ({"training_dataset": [("a",)]}, ValueError, r"training_dataset\[0\]: expected an \(input, output\)"),
        (
            {"training_dataset": [("a", "b"), ("a", 5)]},
            TypeError,
            r"training_dataset\[1\]\[1\]: expected a str",
        ),
        (
            {"training_dataset": [{"text_input": "a", "outptu": "b"}]},
            ValueError,
            r"training_dataset\[0\].*'output'",
        ),
        ({"training_dataset": [{"text_input": "", "output": "b"}]}, ValueError, r"\[0\]\.text_input"),
        ({"training_dataset": [5]}, TypeError, r"training_dataset\[0\]"),
        ({"base_model": "tunedModels/x"}, ValueError, "base_model"),
        ({"base_model": 3}, TypeError, "base_model"),
        ({"config": {"epochs": 3}}, ValueError, "epochs.*epoch_count"),
        ({"config": {"epoch_count": "3"}}, TypeError, "epoch_count"),
        ({"config": {"learning_rate": 0.1, "learning_rate_multiplier": 1.0}}, ValueError, "not both"),
        ({"config": {"tuned_model_id": "a/b"}}, ValueError, "tuned_model_id"),
    ],
)
def test_bad_create_inputs_name_where(fast: genai.Client, kwargs: dict, error: type, where: str) -> None:
    arguments = {"base_model": "gemini-2.5-flash", "training_dataset": [("a", "b")], **kwargs}
    with pytest.raises(error, match=where):
        fast.tunings.create(**arguments)


def test_bad_update_and_name_inputs(fast: genai.Client) -> None:
    with pytest.raises(ValueError, match="at least one"):
        fast.tunings.update("tunedModels/x")
    with pytest.raises(TypeError, match="top_k"):
        fast.tunings.update("tunedModels/x", top_k="3")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="name"):
        fast.tunings.get(7)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="name"):
        fast.tunings.delete("tunedModels/a/b")
