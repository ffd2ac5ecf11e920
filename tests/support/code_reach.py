"""What a function's code can reach, and which environment variables it reads (static, ``ast``).

Used by the environment contract test (tests/infra/test_contract_environment.py): the variables
are found in the code, never copied into the test, so a new ``os.environ.get("X")`` reachable
from a handler fails that test until the template sets ``X``.

The analysis is a call graph over the function's package (``functions/<name>/``) and the core
layer (``layers/core/pellicule/``), from ``functions.<name>.handler:handler``:

- a *unit* is a module's top-level code, a top-level function, a class body or a method;
- a unit reaches every unit it names (a call, or a reference passed as a callback), the
  top-level code of every module it imports (also inside a function: the lazy imports of the
  handlers), and, for a class, all of its methods; ``self.x`` reaches the class's ``x``;
- names are resolved through the module's imports (``from m import f``, ``import m as x``),
  re-exports included. Anything outside the two trees (the standard library, boto3...) is left
  out.

It over-approximates (a named function may never be called), never under-approximates the
code paths written in these trees in plain Python (no ``getattr`` by string, no ``importlib``).

Environment reads are ``os.environ.get(X)``, ``os.environ[X]``, ``X in os.environ`` and
``os.getenv(X)`` with ``X`` a string literal or a module constant (``topology.ENV_TABLE``); a
function passing one of its parameters as ``X`` is a *reader* and each call of it reads the
argument given. The typed settings (``pellicule.config.settings``) read every variable at once
in ``get_settings()``: see :func:`settings_fields` for how a function's share is decided.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TREES = {
    "functions": REPO_ROOT / "functions",
    "pellicule": REPO_ROOT / "layers" / "core" / "pellicule",
}
SETTINGS_MODULE = "pellicule.config.settings"
SETTINGS_FACTORY = f"{SETTINGS_MODULE}:get_settings"
BODY = ""  # the qualname of a module's top-level code


def module_path(module: str) -> Path | None:
    root, _, rest = module.partition(".")
    base = TREES.get(root)
    if base is None:
        return None
    path = base.joinpath(*rest.split(".")) if rest else base
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py")
    if (path / "__init__.py").is_file():
        return path / "__init__.py"
    return None


@dataclass
class Module:
    name: str
    tree: ast.Module
    units: dict[str, ast.AST] = field(default_factory=dict)  # qualname -> node
    symbols: dict[str, str] = field(default_factory=dict)  # local name -> module or module:attr
    external: dict[str, str] = field(default_factory=dict)  # local name -> dotted outside name


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".") if is_package else module.split(".")[:-1]
    parts = parts[: len(parts) - (node.level - 1)]
    return ".".join([*parts, *([node.module] if node.module else [])])


@cache
def load(module: str) -> Module:
    path = module_path(module)
    assert path is not None, module
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = Module(module, tree)
    found.units[BODY] = tree
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.units[node.name] = node
        elif isinstance(node, ast.ClassDef):
            found.units[node.name] = node
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    found.units[f"{node.name}.{item.name}"] = item
    found.symbols, found.external = imports_in(module, list(_unit_nodes(found, BODY)))
    return found


def imports_in(module: str, nodes: list[ast.AST]) -> tuple[dict[str, str], dict[str, str]]:
    """Names bound by the imports among ``nodes``: (to our modules, to outside ones)."""
    path = module_path(module)
    is_package = path is not None and path.name == "__init__.py"
    symbols: dict[str, str] = {}
    external: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.partition(".")[0]
                target = alias.name if alias.asname else local
                if module_path(target):
                    symbols[local] = target
                else:
                    external[local] = target
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, is_package, node)
            for alias in node.names:
                local = alias.asname or alias.name
                if module_path(f"{base}.{alias.name}"):
                    symbols[local] = f"{base}.{alias.name}"
                elif module_path(base):
                    symbols[local] = f"{base}:{alias.name}"
                else:
                    external[local] = f"{base}.{alias.name}"
    return symbols, external


@dataclass(frozen=True)
class Scope:
    """A unit's names: the module's, plus the unit's own imports (lazy imports)."""

    module: Module
    symbols: dict[str, str]
    external: dict[str, str]


def scope_of(module: Module, qualname: str, nodes: list[ast.AST]) -> Scope:
    if qualname == BODY:
        return Scope(module, module.symbols, module.external)
    symbols, external = imports_in(module.name, nodes)
    return Scope(module, {**module.symbols, **symbols}, {**module.external, **external})


def _unit_nodes(module: Module, qualname: str) -> Iterator[ast.AST]:
    """The nodes that run as part of the unit (a module's body skips its functions' bodies)."""
    node = module.units[qualname]
    if qualname == BODY or isinstance(node, ast.ClassDef):
        todo = list(ast.iter_child_nodes(node))
        while todo:
            child = todo.pop()
            yield child
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                extra = [*child.decorator_list, *child.args.defaults, *child.args.kw_defaults]
                todo.extend(n for n in extra if n is not None)
            elif isinstance(child, ast.ClassDef) and qualname == BODY:
                todo.extend([*child.decorator_list, *child.bases])
            else:
                todo.extend(ast.iter_child_nodes(child))
    else:
        yield from ast.walk(node)


def dotted(node: ast.AST) -> list[str] | None:
    """``a.b.c`` -> ``["a", "b", "c"]``; None for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id, *reversed(parts)]
    return None


def resolve(scope: Scope, parts: list[str]) -> str | None:
    """Where a dotted name used in a unit leads: ``mod`` or ``mod:qualname`` (or None)."""
    module = scope.module
    head, rest = parts[0], parts[1:]
    if head in scope.symbols:
        target = scope.symbols[head]
    elif head in module.units and head != BODY:
        target = f"{module.name}:{head}"
    else:
        return None
    for part in rest:
        step = _step(target, part)
        if step is None:
            return None
        target = step
    return _follow(target)


def _step(target: str, part: str) -> str | None:
    if ":" not in target:
        if module_path(f"{target}.{part}"):
            return f"{target}.{part}"
        return _follow(f"{target}:{part}")
    name, _, qualname = target.partition(":")
    unit = f"{qualname}.{part}"
    return f"{name}:{unit}" if unit in load(name).units else target  # attribute of a value


def _follow(target: str, depth: int = 0) -> str | None:
    """A ``mod:name`` imported into ``mod`` from elsewhere leads to where it is defined."""
    if ":" not in target or depth > 10:
        return target
    name, _, qualname = target.partition(":")
    module = load(name)
    head = qualname.partition(".")[0]
    if head in module.units:
        return target
    if head in module.symbols:
        return _follow(module.symbols[head], depth + 1)
    return None  # a module-level value (a constant): no code to reach


def _class_of(module: Module, qualname: str) -> str | None:
    head, _, rest = qualname.partition(".")
    return head if rest and isinstance(module.units.get(head), ast.ClassDef) else None


@cache
def unit(unit_id: str) -> tuple[Scope, tuple[ast.AST, ...]]:
    """A unit's scope and the nodes that run as part of it."""
    name, _, qualname = unit_id.partition(":")
    module = load(name)
    nodes = list(_unit_nodes(module, qualname))
    return scope_of(module, qualname, nodes), tuple(nodes)


def references(unit_id: str) -> set[str]:
    """Units and module bodies directly reached from ``unit_id`` (``mod:qualname``)."""
    name, _, qualname = unit_id.partition(":")
    scope, nodes = unit(unit_id)
    module = scope.module
    found: set[str] = set()
    owner = _class_of(module, qualname)
    if isinstance(module.units[qualname], ast.ClassDef):
        found.update(f"{name}:{q}" for q in module.units if q.startswith(f"{qualname}."))
    for child in nodes:
        if isinstance(child, ast.Import | ast.ImportFrom):
            found.update(_imported_bodies(module, child))
        parts = dotted(child) if isinstance(child, ast.Attribute | ast.Name) else None
        if parts is None:
            continue
        if owner and parts[0] in ("self", "cls") and len(parts) > 1:
            method = f"{owner}.{parts[1]}"
            if method in module.units:
                found.add(f"{name}:{method}")
            continue
        target = resolve(scope, parts)
        if target is not None:
            found.add(target if ":" in target else f"{target}:{BODY}")
    return found


def _imported_bodies(module: Module, node: ast.Import | ast.ImportFrom) -> set[str]:
    path = module_path(module.name)
    is_package = path is not None and path.name == "__init__.py"
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = _absolute(module.name, is_package, node)
        names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
    bodies = set()
    for dotted_name in names:
        parts = dotted_name.split(".")
        for end in range(1, len(parts) + 1):  # importing a.b.c runs a, a.b and a.b.c
            prefix = ".".join(parts[:end])
            if module_path(prefix):
                bodies.add(f"{prefix}:{BODY}")
    return bodies


@cache
def reachable(function: str) -> frozenset[str]:
    """Every unit reachable from the function's Lambda handler."""
    start = f"functions.{function}.handler"
    todo = [
        f"{start}:handler",
        *_imported_bodies(load(start), ast.Import(names=[ast.alias(start)])),
    ]
    seen: set[str] = set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo.extend(references(current) - seen)
    return frozenset(seen)


# --- Environment reads --------------------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    variable: str
    unit: str  # where it is read (for messages)
    through: str | None = None  # the reader function it goes through, if any


def _outside(scope: Scope, node: ast.AST) -> list[str] | None:
    """The dotted name of ``node`` spelled from the outside module it comes from."""
    parts = dotted(node)
    if parts is None:
        return None
    if parts[0] in scope.external:
        return [*scope.external[parts[0]].split("."), *parts[1:]]
    return parts


def _raw_keys(scope: Scope, node: ast.AST) -> Iterator[ast.expr]:
    """The key expressions of the environment read ``node`` is (if it is one)."""
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "get":
            if _outside(scope, func.value) == ["os", "environ"]:
                yield node.args[0]
        elif _outside(scope, func) == ["os", "getenv"]:
            yield node.args[0]
    elif isinstance(node, ast.Subscript) and _outside(scope, node.value) == ["os", "environ"]:
        yield node.slice
    elif (
        isinstance(node, ast.Compare)
        and any(isinstance(o, ast.In | ast.NotIn) for o in node.ops)
        and any(_outside(scope, c) == ["os", "environ"] for c in node.comparators)
    ):
        yield node.left


def _constant(scope: Scope, node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    parts = dotted(node)
    if parts is None or len(parts) < 2:
        return None
    target = scope.symbols.get(parts[0])
    if target is None or ":" in target:
        return None
    value: object = importlib.import_module(target)
    for part in parts[1:]:
        value = getattr(value, part, None)
    return value if isinstance(value, str) else None


def _parameters(node: ast.AST) -> list[str]:
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return []
    return [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]


def _all_modules() -> Iterator[str]:
    for root, base in TREES.items():
        for path in sorted(base.rglob("*.py")):
            parts = [root, *path.relative_to(base).with_suffix("").parts]
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def readers() -> dict[str, int]:
    """Functions reading the variable named by one of their parameters: unit -> its index."""
    found: dict[str, int] = {}
    for name in _all_modules():
        for qualname, node in load(name).units.items():
            params = _parameters(node)
            if not params:
                continue
            scope, nodes = unit(f"{name}:{qualname}")
            for child in nodes:
                for key in _raw_keys(scope, child):
                    if isinstance(key, ast.Name) and key.id in params:
                        found[f"{name}:{qualname}"] = params.index(key.id)
    return found


def reads_in(scope: Scope, unit_id: str, nodes: Iterable[ast.AST]) -> list[Read]:
    """Environment reads among ``nodes`` (raw, or through a reader function)."""
    found: list[Read] = []
    wrappers = readers()
    for child in nodes:
        for key in _raw_keys(scope, child):
            value = _constant(scope, key)
            if value is not None:
                found.append(Read(value, unit_id))
        if isinstance(child, ast.Call):
            parts = dotted(child.func)
            target = resolve(scope, parts) if parts else None
            if target in wrappers:
                index = wrappers[target]
                argument = child.args[index] if index < len(child.args) else None
                value = _constant(scope, argument) if argument is not None else None
                assert value is not None, f"{unit_id}: {target} called with a computed name"
                found.append(Read(value, unit_id, target))
    return found


def raw_reads(function: str) -> list[Read]:
    """Reads in the code reachable from the function, except the settings factory's own."""
    found: list[Read] = []
    for unit_id in sorted(reachable(function)):
        if unit_id != SETTINGS_FACTORY:
            scope, nodes = unit(unit_id)
            found += reads_in(scope, unit_id, nodes)
    return found


# --- The typed settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SettingsField:
    name: str
    variables: tuple[str, ...]
    required: bool  # read through a reader that raises when the variable is missing


@cache
def settings_fields() -> dict[str, SettingsField]:
    """``get_settings()``'s fields and the variables each is read from.

    ``get_settings()`` reads every variable on its first call, so a function that reaches it
    needs the *required* ones (it raises without them); an optional field's variables are
    needed by a function whose code uses that field (``get_settings().x``, or ``s.x`` with
    ``s = get_settings()``).
    """
    scope, nodes = unit(SETTINGS_FACTORY)
    [call] = [n for n in nodes if isinstance(n, ast.Call) and n.keywords]
    fields: dict[str, SettingsField] = {}
    for keyword in call.keywords:
        assert keyword.arg is not None
        reads = reads_in(scope, SETTINGS_FACTORY, ast.walk(keyword.value))
        required = any(read.through and _raises(read.through) for read in reads)
        variables = tuple(read.variable for read in reads)
        fields[keyword.arg] = SettingsField(keyword.arg, variables, required)
    return fields


def _raises(unit_id: str) -> bool:
    return any(isinstance(n, ast.Raise) for n in unit(unit_id)[1])


def settings_used(function: str) -> dict[str, list[str]]:
    """Settings field -> the units using it, in the code reachable from the function."""
    fields = settings_fields()
    used: dict[str, list[str]] = {}
    for unit_id in sorted(reachable(function)):
        scope, nodes = unit(unit_id)
        bound = {
            target.id
            for node in nodes
            if isinstance(node, ast.Assign) and _is_factory_call(scope, node.value)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in nodes:
            if isinstance(node, ast.Attribute) and node.attr in fields:
                value = node.value
                if _is_factory_call(scope, value) or (
                    isinstance(value, ast.Name) and value.id in bound
                ):
                    used.setdefault(node.attr, []).append(unit_id)
    return used


def _is_factory_call(scope: Scope, node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    parts = dotted(node.func)
    return parts is not None and resolve(scope, parts) == SETTINGS_FACTORY


def variables_read(function: str) -> dict[str, str]:
    """Every variable the function needs -> why (where it is read, or which setting)."""
    needed: dict[str, str] = {}
    for read in raw_reads(function):
        needed.setdefault(read.variable, f"read in {read.unit}")
    if SETTINGS_FACTORY in reachable(function):
        used = settings_used(function)
        for spec in settings_fields().values():
            if spec.required:
                why = "required by get_settings()"
            elif spec.name in used:
                why = f"settings.{spec.name} used in {used[spec.name][0]}"
            else:
                continue
            for variable in spec.variables:
                needed.setdefault(variable, why)
    return needed
