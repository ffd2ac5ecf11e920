"""``make test`` prints each layer's time at the end (``scripts/timed-layers.sh``)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "timed-layers.sh"


def run(*layers: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *layers], capture_output=True, text=True, timeout=60, check=False
    )


def summary(output: str) -> list[str]:
    return output.split("Time per layer:\n", 1)[1].splitlines()


def test_every_layer_and_the_total_are_timed_at_the_end() -> None:
    done = run("lint=echo linted", "slow layer=sleep 1; echo slept")

    assert done.returncode == 0
    assert done.stdout.index("linted") < done.stdout.index("slept")
    lines = summary(done.stdout)
    assert [line.split()[0] for line in lines] == ["lint", "slow", "total"]
    seconds = [int(re.findall(r"(\d+) s", line)[0]) for line in lines]
    assert seconds[1] >= 1  # the sleeping layer took its second
    assert seconds[2] >= seconds[0] + seconds[1]


def test_a_failing_layer_stops_the_run_and_its_status_is_kept() -> None:
    failed = run("first=true", "second=exit 3", "third=echo never")

    assert failed.returncode == 3
    assert "never" not in failed.stdout
    lines = summary(failed.stdout)
    assert lines[0].split()[0] == "first"
    assert "second (FAILED, exit 3)" in lines[1]
    assert lines[2].split()[0] == "total"
