"""``python -m local`` (``make demo``) as a developer runs it: start, answer, stop on Ctrl-C."""

from __future__ import annotations

import importlib.machinery
import os
import signal
import socket
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
import requests

from local.runtime import LocalRuntime
from tests.e2e.conftest import free_port

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]


def _start(port: int, moto_port: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PORT": str(port),
        "PELLICULE_MOTO_PORT": str(moto_port),
        "PELLICULE_SEED": "0",
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "layers" / "core")]),
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "local"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _read_banner(process: subprocess.Popen[str], timeout: float = 30) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if "Ctrl-C" in line:
            return lines
    process.kill()
    _, err = process.communicate(timeout=10)
    raise AssertionError(f"no banner; output: {lines!r}; errors: {err[-2000:]}")


def _interrupt(process: subprocess.Popen[str]) -> tuple[float, str]:
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=10)
    return time.monotonic() - started, out


def _run_once(port: int, moto_port: int) -> None:
    process = _start(port, moto_port)
    try:
        banner = "\n".join(_read_banner(process))
        base = f"http://127.0.0.1:{port}"
        assert f"{base}/" in banner
        assert f"{base}/_dev/mail" in banner
        assert f"{base}/_dev/health" in banner
        health = requests.get(f"{base}/_dev/health", timeout=10)
        assert health.status_code == 200
        assert health.json()["status"] == "ok"
        assert requests.get(f"{base}/media/t/x.jpg", timeout=10).status_code == 403

        elapsed, rest = _interrupt(process)
        assert process.returncode == 0
        assert elapsed < 5
        assert "Goodbye" in rest
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def test_python_m_local_starts_answers_and_stops_on_sigint():
    port, moto_port = free_port(), free_port()
    _run_once(port, moto_port)
    # A second run on the same ports starts from scratch (state lived in memory only).
    _run_once(port, moto_port)


def test_sigterm_stops_it_too():
    port, moto_port = free_port(), free_port()
    process = _start(port, moto_port)
    try:
        _read_banner(process)
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def test_in_process_restart_on_the_same_ports_starts_empty():
    port, moto_port = free_port(), free_port()
    with LocalRuntime(port=port, moto_port=moto_port, workers=False) as first:
        s3 = first.client("s3")
        s3.put_object(Bucket=first.names.media_bucket, Key="t/x/leftover.jpg", Body=b"x")
        first_key = first.key_pair_id
    with LocalRuntime(port=port, moto_port=moto_port, workers=False) as second:
        listed = second.client("s3").list_objects_v2(Bucket=second.names.media_bucket)
        assert listed.get("KeyCount", 0) == 0
        assert second.key_pair_id != first_key
        assert requests.get(f"{second.base_url}/_dev/health", timeout=10).status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/_dev/health", timeout=2)


def test_environment_is_restored_after_stop(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "someone-elses")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with LocalRuntime(port=0, moto_port=0, workers=False) as runtime:
        assert "AWS_PROFILE" not in os.environ
        assert os.environ["AWS_ENDPOINT_URL"] == runtime.moto_url
    assert os.environ["AWS_PROFILE"] == "someone-elses"
    assert "AWS_ENDPOINT_URL" not in os.environ


def test_only_one_runtime_per_process():
    second = LocalRuntime(port=0, moto_port=0, workers=False)
    with (
        LocalRuntime(port=0, moto_port=0, workers=False),
        pytest.raises(RuntimeError, match="another LocalRuntime"),
    ):
        second.start()


def test_busy_port_is_a_clear_error():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = _start(port, free_port())
        _, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert "cannot start" in err


def test_seed_hook_runs_and_its_links_are_printed(monkeypatch):
    import local.__main__ as cli

    calls = []

    def seed(runtime):
        calls.append(runtime)
        return [("Directrice / director", "http://127.0.0.1:1/#t=abc"), "ignored"]

    module = types.ModuleType("local.seed")
    module.__spec__ = importlib.machinery.ModuleSpec("local.seed", loader=None)
    module.seed = seed  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "local.seed", module)
    sentinel = object()

    monkeypatch.setenv("PELLICULE_SEED", "1")
    links = cli._seed(sentinel)  # type: ignore[arg-type]
    assert calls == [sentinel]
    assert links == [("Directrice / director", "http://127.0.0.1:1/#t=abc")]

    monkeypatch.setenv("PELLICULE_SEED", "0")
    assert cli._seed(sentinel) == []  # type: ignore[arg-type]
    assert len(calls) == 1


def test_failing_seed_does_not_stop_the_runtime(monkeypatch):
    import local.__main__ as cli

    def seed(runtime):
        raise RuntimeError("seed bug")

    module = types.ModuleType("local.seed")
    module.__spec__ = importlib.machinery.ModuleSpec("local.seed", loader=None)
    module.seed = seed  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "local.seed", module)
    monkeypatch.setenv("PELLICULE_SEED", "1")
    assert cli._seed(object()) == []  # type: ignore[arg-type]


def test_the_banner_says_where_and_as_whom_to_sign_in(monkeypatch):
    import local.__main__ as cli
    from local import seed

    runtime = types.SimpleNamespace(
        base_url="http://127.0.0.1:8080", moto_url="http://127.0.0.1:8081"
    )
    banner = cli._banner(runtime, [("Photo 1", "http://x/m")], cli._sign_in_hints())  # type: ignore[arg-type]
    assert "http://127.0.0.1:8080/login.html" in banner
    for _, email in seed.SIGN_IN:
        assert email in banner
    assert "login.html" not in cli._banner(runtime, [], [])  # type: ignore[arg-type]
