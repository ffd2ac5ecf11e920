"""The architecture, read from the code (DESIGN.md "Architecture to grow into";
docs/architecture.md).

handler (typed command) → use case → domain (pure) + stores (the only PynamoDB users) +
adapters (the only boto3 users). Every import counts, including those inside functions: a
lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "core"
OPS = ROOT / "ops"
AWS_SDKS = ("boto3", "botocore", "pynamodb")
# Third-party libraries that do no I/O, which the domain may use.
PURE_LIBRARIES = frozenset({"pyotp", "qrcode"})

# The PynamoDB models: only stores call their methods (the use cases hold the record types the
# stores export, ``MediaRecord``..., for type hints).
MODELS = "pellicule.store.models"


def module_name(path: Path) -> str:
    for base in (LAYER, OPS, ROOT):
        if path.is_relative_to(base):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            return ".".join(parts)
    raise AssertionError(path)


def sources() -> dict[str, Path]:
    found = [
        *(LAYER / "pellicule").rglob("*.py"),
        *(OPS / "pellicule_ops").rglob("*.py"),
        *(ROOT / "functions").rglob("*.py"),
    ]
    return {module_name(path): path for path in found if "__pycache__" not in path.parts}


SOURCES = sources()


def imported(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, at any depth; ``from a import b`` yields ``a.b`` when
    ``a.b`` is a module of ours, else ``a``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                yield full if full in SOURCES else node.module


def ours(name: str) -> str | None:
    """The module of ours that an import names (``pellicule.x.y`` may name a function)."""
    while name:
        if name in SOURCES:
            return name
        name = name.rpartition(".")[0]
    return None


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for name, path in SOURCES.items():
        edges[name] = {target for raw in imported(path) if (target := ours(raw)) and target != name}
    return edges


def is_sdk(name: str) -> bool:
    return name.split(".")[0] in AWS_SDKS


def logic_or_domain(name: str) -> bool:
    """Where decisions and use cases live: the domain, the shared use cases, and every module
    of a function but its handler (the handler is the thin edge; it imports no SDK either)."""
    if name.startswith(("pellicule.domain", "pellicule.services", "pellicule.api")):
        return True
    return name.startswith("functions.") and name.count(".") == 2


def test_no_logic_or_domain_module_imports_an_aws_sdk() -> None:
    users = {
        name
        for name, path in SOURCES.items()
        if logic_or_domain(name) and any(is_sdk(raw) for raw in imported(path))
    }
    assert users == set(), "direct SDK use: go through a store or an adapter"


def test_no_logic_or_domain_module_imports_the_models() -> None:
    """PynamoDB through the back door (``Media.query``, ``Album.title.set``) counts too."""
    users = {
        name
        for name, path in SOURCES.items()
        if logic_or_domain(name) and any(ours(raw) == MODELS for raw in imported(path))
    }
    assert users == set(), "the models are the stores' business: go through a store"


def test_the_import_reader_sees_lazy_and_aliased_sdk_and_model_imports(tmp_path: Path) -> None:
    """The two tests above would pass on a reader that sees nothing: it must see these."""
    planted = tmp_path / "planted.py"
    planted.write_text(
        "def f():\n"
        "    from pynamodb.exceptions import DoesNotExist\n"
        "    import botocore.session as s\n"
        "    from pellicule.store.models import Media\n"
        "    from pellicule.store import models\n",
        encoding="utf-8",
    )
    found = list(imported(planted))
    assert [raw for raw in found if is_sdk(raw)] == ["pynamodb.exceptions", "botocore.session"]
    assert [raw for raw in found if ours(raw) == MODELS] == [MODELS, MODELS]


def test_the_domain_is_pure() -> None:
    """Domain modules import only the standard library, pure libraries and other domain
    modules (time comes as a parameter or through the one clock)."""
    allowed_ours = ("pellicule.domain", "pellicule.config.clock")
    for name, path in SOURCES.items():
        if not name.startswith("pellicule.domain"):
            continue
        for raw in imported(path):
            target = ours(raw)
            if target is not None:
                assert target.startswith(allowed_ours), f"{name} imports {target}"
            else:
                top = raw.split(".")[0]
                assert top in _stdlib() | PURE_LIBRARIES, f"{name} imports {raw}"


def test_stores_never_import_services() -> None:
    """Stores sit below the use cases: a store that needs the audit chain uses the audit store
    (``pellicule.store.audit``), never ``pellicule.services`` (lazy imports count)."""
    for name, path in SOURCES.items():
        if not name.startswith("pellicule.store"):
            continue
        for raw in imported(path):
            target = ours(raw) or raw
            assert not target.startswith("pellicule.services"), f"{name} imports {target}"


def _stdlib() -> frozenset[str]:
    import sys

    return frozenset(sys.stdlib_module_names) | {"__future__"}


@pytest.mark.parametrize("sdk", AWS_SDKS)
def test_stores_and_adapters_are_where_the_sdks_live(sdk: str) -> None:
    """The other side of the rule: the SDK users outside logic are stores, adapters, the
    operator's tooling, the settings (client configuration) and handlers of no one."""
    allowed = ("pellicule.store", "pellicule.adapters", "pellicule_ops", "pellicule.config")
    for name, path in SOURCES.items():
        if logic_or_domain(name) or name.startswith(allowed):
            continue
        assert not any(raw.split(".")[0] == sdk for raw in imported(path)), name


def test_the_lambda_layer_never_imports_the_operators_tooling() -> None:
    for name, path in SOURCES.items():
        if name.startswith(("pellicule.", "functions.")):
            assert not any(raw.startswith("pellicule_ops") for raw in imported(path)), name


def test_no_import_circle() -> None:
    edges = graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                circle = [*path[path.index(nxt) :], nxt]
                raise AssertionError("import circle: " + " → ".join(circle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


def test_the_checks_see_real_imports() -> None:
    """The scanner itself: it finds a known SDK user, a lazy import and a known edge."""
    assert "pellicule.store.models" in SOURCES
    assert any(is_sdk(raw) for raw in imported(SOURCES["pellicule.store.models"]))
    assert "pellicule.store.keys" in graph()["pellicule.store.models"]
    lazy = graph()["pellicule.config.settings"]
    assert "pellicule.adapters.aws" in lazy  # imported inside a function
