"""`genai caches create|list|delete` and `genai operations get|wait NAME`, in-process against the
session's emulator over loopback gRPC (``--endpoint ... --insecure``, a key in the environment)."""

from __future__ import annotations

from pathlib import Path

import pytest

import genai
from genai import cli
from genai.testing import Emulator

FAST = genai.RetryOptions(initial=0.01, maximum=0.02, jitter=0.0)


@pytest.fixture
def run(emulator: Emulator, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> object:
    monkeypatch.setenv("GEMINI_API_KEY", "cli-key")
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)

    def run(*args: str) -> tuple[int, list[str], str]:
        status = cli.main(["--endpoint", emulator.endpoint, "--insecure", *args])
        captured = capsys.readouterr()
        return status, captured.out.splitlines(), captured.err

    return run


def test_caches_create_list_delete(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    doc = tmp_path / "doc.txt"
    doc.write_text("A document about gRPC, cached once.", encoding="utf-8")
    status, out, err = run("caches", "create", "--text", "hello there", "--file", str(doc), "--ttl", "600")
    assert status == 0, err
    name, model, expire, tokens = out[0].split("\t")
    assert name.startswith("cachedContents/") and model == "models/gemini-2.5-flash"
    assert expire.endswith("+00:00") and tokens.endswith(" tokens") and int(tokens.split()[0]) > 2
    status, out, _ = run("caches", "list", "--page-size", "1")
    assert status == 0 and name in [line.split("\t")[0] for line in out]
    assert run("caches", "delete", name)[:2] == (0, [f"deleted\t{name}"])
    assert name not in [line.split("\t")[0] for line in run("caches", "list")[1]]
    status, _, err = run("caches", "delete", name)
    assert status == 1 and err.startswith("genai: NOT_FOUND")


def test_caches_create_needs_something_to_cache(run) -> None:  # type: ignore[no-untyped-def]
    status, out, err = run("caches", "create", "--model", "gemini-2.5-flash")
    assert (status, out) == (2, []) and "--text TEXT or --file PATH" in err


def test_operations_get_and_wait_a_tuning_job(run, emulator: Emulator) -> None:  # type: ignore[no-untyped-def]
    with emulator.client() as client:
        op = client.tunings.create(
            base_model="gemini-2.5-flash",
            training_dataset=[("1", "2")],
            config={"metadata": {"x-emulator-tuning-step": "0.1"}},
        )
    status, out, _ = run("operations", "get", op.name)
    assert status == 0 and out == [f"{op.name}\trunning\t0/5 steps"]
    status, out, err = run("operations", "wait", op.name, "--wait-timeout", "30")
    assert status == 0, err
    assert out[0] == f"{op.name}\tdone"
    tuned, state, base = out[1].split("\t")
    assert tuned == op.metadata.tuned_model and (state, base) == ("ACTIVE", "models/gemini-2.5-flash")
    assert "running" in err  # the polls, reported on stderr


def test_operations_wait_a_video_job_and_its_failure(run, emulator: Emulator) -> None:  # type: ignore[no-untyped-def]
    with emulator.client() as client:
        good = client.models.predict_long_running(
            model="veo-2.0-generate-001",
            instances=[{"prompt": "a cat"}],
            parameters={"sampleCount": 2},
            config={"metadata": {"x-emulator-predict-filter": "1"}},
        )
        bad = client.models.predict_long_running(
            model="veo-2.0-generate-001",
            instances=[{"prompt": "a cat"}],
            config={"metadata": {"x-emulator-predict-fail": "resource_exhausted"}},
        )
    status, out, err = run("operations", "wait", good.name)
    assert status == 0, err
    assert out[0] == f"{good.name}\tdone"
    assert out[1].startswith(f"video\thttp://{emulator.http_endpoint}/")
    assert out[2].startswith("filtered\t1\t") and len(out) == 3
    status, out, err = run("operations", "wait", bad.name)
    assert (status, out) == (1, []) and "RESOURCE_EXHAUSTED" in err and "predict-fail" in err
    status, out, _ = run("operations", "get", bad.name)
    assert status == 0 and out[0].startswith(f"{bad.name}\tfailed\tRESOURCE_EXHAUSTED: ")


def test_operations_wait_times_out_with_the_name(run, emulator: Emulator) -> None:  # type: ignore[no-untyped-def]
    with emulator.client() as client:
        op = client.models.predict_long_running(
            model="veo-2.0-generate-001",
            instances=[{"prompt": "slow"}],
            config={"metadata": {"x-emulator-predict-seconds": "60"}},
        )
    status, out, err = run("operations", "wait", op.name, "--wait-timeout", "0.2")
    assert (status, out) == (1, []) and op.name in err and "did not finish" in err


def test_operations_bad_names_are_usage_errors(run) -> None:  # type: ignore[no-untyped-def]
    status, out, err = run("operations", "get", "not-an-operation")
    assert (status, out) == (2, []) and err.startswith("genai: name: expected an operation name")
    status, _, err = run("operations", "wait", "x", "--wait-timeout", "-1")
    assert status == 2 and "--wait-timeout" in err
