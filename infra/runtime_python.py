"""Lambda's Python (3.13) on this machine, when there is one.

The bundling compiles the shipped code with it (byte code is version-specific), and the bundle
tests and benchmarks run the handlers under it. Looked up in this order: ``$PELLICULE_PYTHON313``,
``pyenv prefix 3.13``, ``python3.13`` on ``PATH``, ``~/.pyenv/versions/3.13*``. No CDK import.
"""

from __future__ import annotations

import functools
import glob
import os
import shutil
import subprocess
from pathlib import Path

PYTHON_VERSION = "3.13"  # the Lambda runtime's (infra/lambda_factory.py: PYTHON_3_13)
ENV_PYTHON = "PELLICULE_PYTHON313"  # an explicit interpreter, when not found otherwise
INSTALL_HINT = (
    f"Python {PYTHON_VERSION} (the Lambda runtime's version) was not found: install it with "
    f"`pyenv install {PYTHON_VERSION}` (or your system's python{PYTHON_VERSION} package), or "
    f"point {ENV_PYTHON} at a python{PYTHON_VERSION} executable"
)


def _version_of(executable: str) -> str | None:
    try:
        done = subprocess.run(  # noqa: S603 - an interpreter we look for, fixed argv
            [executable, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _candidates() -> list[str]:
    found: list[str] = []
    explicit = os.environ.get(ENV_PYTHON, "").strip()
    if explicit:
        found.append(explicit)
    pyenv = shutil.which("pyenv") or os.path.expanduser("~/.pyenv/bin/pyenv")
    if os.path.exists(pyenv):
        done = subprocess.run(  # noqa: S603 - pyenv, fixed argv
            [pyenv, "prefix", PYTHON_VERSION], capture_output=True, text=True, check=False
        )
        if done.returncode == 0:
            found += [f"{p}/bin/python{PYTHON_VERSION}" for p in done.stdout.split(os.pathsep)]
    on_path = shutil.which(f"python{PYTHON_VERSION}")
    if on_path:
        found.append(on_path)
    pattern = os.path.expanduser(f"~/.pyenv/versions/{PYTHON_VERSION}*/bin/python{PYTHON_VERSION}")
    found += sorted(glob.glob(pattern), reverse=True)
    return [c.strip() for c in found if c.strip()]


@functools.cache
def lambda_python() -> Path | None:
    """A Python 3.13 interpreter, or None (say :data:`INSTALL_HINT`)."""
    for candidate in _candidates():
        if os.access(candidate, os.X_OK) and _version_of(candidate) == PYTHON_VERSION:
            return Path(candidate)
    return None
