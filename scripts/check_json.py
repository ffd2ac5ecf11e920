"""Fail on a JSON file that does not parse (the pre-commit hook and `make lint` use it).

python scripts/check_json.py FILE...      # the files given (pre-commit passes them)
python scripts/check_json.py              # every *.json file of the repository
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Installed or generated trees, not ours to check.
SKIPPED = {".git", ".venv", ".tools", ".build", "node_modules", "cdk.out", ".hypothesis"}


def tracked_json() -> list[str]:
    """Every *.json file of ours; installed and generated trees are pruned, never walked."""
    found: list[str] = []
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = sorted(name for name in subfolders if name not in SKIPPED)
        found.extend(str(Path(folder, name)) for name in files if name.endswith(".json"))
    return sorted(found)


def broken(path: str) -> str | None:
    try:
        json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return f"{path}: {error}"
    return None


def main(argv: list[str]) -> int:
    paths = argv or tracked_json()
    problems = [problem for path in paths if (problem := broken(path))]
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
