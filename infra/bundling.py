"""Lambda assets built without Docker.

Dependency layers are exported from ``uv.lock`` and installed from manylinux aarch64 wheels
for Python 3.13 (``uv pip install --python-platform ... --only-binary :all:``), then zipped
deterministically. The zip is cached under ``.build/layers/`` keyed on a hash of the lock file,
of the layer's recipe and of the platform, so a second synth runs no command and needs no
network.

The platform is a parameter: the stack always uses :data:`LAMBDA_PLATFORM` (arm64); the bundle
tests (``tests/bundle/``) build the same layers for the test machine's own architecture
(:func:`host_platform`) to run them there under Python 3.13. Both caches live side by side
(``deps-<key>`` for arm64, ``deps-x86_64-<key>`` for an x86_64 host).

The shared package (``layers/core/pellicule``) and each function's code are small and are
copied afresh on every synth into ``.build/assets/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform as platform_module
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from infra import runtime_python
from infra.config import REPO_ROOT

BUNDLING_VERSION = "1"  # bump to invalidate every cached layer after a recipe change
PYTHON_VERSION = runtime_python.PYTHON_VERSION
ELF_MAGIC = b"\x7fELF"
EM_AARCH64 = 183  # ELF e_machine of arm64
EM_X86_64 = 62  # ELF e_machine of x86_64
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
UV_TIMEOUT_SECONDS = 900

# Provided by the Lambda Python runtime: shipping our own copies would shadow the runtime's
# boto3 stack with a mismatched mix. pynamodb and powertools only need botocore/jmespath APIs
# that every runtime version has.
RUNTIME_PROVIDED = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}
)
# Never useful at run time inside a layer.
STRIP_DIRS = frozenset({"__pycache__", "tests"})
STRIP_TOP_LEVEL = frozenset({"bin"})
STRIP_SUFFIXES = (".pyc", ".pyo")


class BundlingError(RuntimeError):
    """An asset could not be built; the message says what to fix."""


@dataclass(frozen=True)
class Platform:
    """A machine the layers are built for: uv's wheel platform and the ELF machine of every
    native file the wheels ship."""

    machine: str  # as platform.machine() names it on Linux
    uv_platform: str
    elf_machine: int


AARCH64 = Platform("aarch64", "aarch64-manylinux_2_28", EM_AARCH64)
X86_64 = Platform("x86_64", "x86_64-manylinux_2_28", EM_X86_64)
PLATFORMS = {p.machine: p for p in (AARCH64, X86_64)}
# What the stack deploys (infra/lambda_factory.py: ARM_64).
LAMBDA_PLATFORM = AARCH64
UV_PLATFORM = LAMBDA_PLATFORM.uv_platform
_MACHINE_ALIASES = {"arm64": "aarch64", "amd64": "x86_64"}


def host_platform() -> Platform:
    """The platform of this machine (the bundle tests run the layers here)."""
    machine = platform_module.machine().lower()
    found = PLATFORMS.get(_MACHINE_ALIASES.get(machine, machine))
    if found is None:
        raise BundlingError(f"no wheel platform for this machine ({machine!r})")
    return found


@dataclass(frozen=True)
class LayerRecipe:
    """How to export one dependency layer's requirements from the lock file."""

    name: str
    export_args: tuple[str, ...]
    exclude: frozenset[str] = frozenset()
    # Files (paths relative to the layer's python/ directory, glob patterns) removed after
    # installation: what a wheel ships that the function never uses.
    prune: tuple[str, ...] = ()
    # When set, only these projects are kept from the export (after ``exclude``).
    only: frozenset[str] = frozenset()
    # Ship byte code compiled for Lambda's Python (see compile_tree): what the API functions
    # import on a cold start.
    bytecode: bool = False


LAYER_RECIPES: dict[str, LayerRecipe] = {
    "deps": LayerRecipe("deps", ("--no-default-groups",), RUNTIME_PROVIDED, bytecode=True),
    "imaging": LayerRecipe("imaging", ("--only-group", "imaging")),
    # PyAV's aarch64 wheel: FFmpeg's libraries (libavformat, libavcodec with libx264...,
    # ~99 MB unzipped) and their Python bindings, run in-process by the video function; the
    # Cython declarations and type stubs are for building and type-checking only.
    "ffmpeg": LayerRecipe(
        "ffmpeg",
        ("--only-group", "video"),
        prune=("av/**/*.pxd", "av/**/*.pyi"),
    ),
}
# Never deployed: what the Lambda Python runtime provides (boto3 and its stack), at the lock
# file's versions, for running the bundles offline (tests/bundle/, bench); the runtime's own
# versions may differ.
RUNTIME_SDK_RECIPE = LayerRecipe("runtime-sdk", ("--no-default-groups",), only=RUNTIME_PROVIDED)
# Lambda's limit on a function's code plus all its layers, unzipped (250 MB).
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1000 * 1000


# --- Byte code ---------------------------------------------------------------------------------

LAMBDA_TASK_ROOT = "/var/task"  # where Lambda unpacks a function's code (layers: /opt)
BYTECODE_SUFFIX = f".cpython-{PYTHON_VERSION.replace('.', '')}.pyc"
_warned: list[bool] = []


def bytecode_available() -> bool:
    """Whether this machine has Lambda's Python to compile the shipped code with."""
    return runtime_python.lambda_python() is not None


def compile_tree(root: Path, shipped_at: str) -> bool:
    """Byte code for Lambda's Python beside every module under ``root``, which Lambda unpacks
    at ``shipped_at`` (the path recorded in the byte code). Lambda's code and layer directories are
    read-only, so without it every cold start compiles every module it imports (~150 ms of CPU
    for an API function, docs/performance.md). Unchecked-hash byte code: valid whatever the
    files' times after unzipping, and the same bytes on every build. Without Python 3.13 on
    this machine nothing is compiled (a warning says so, once): the bundle still works."""
    python = runtime_python.lambda_python()
    if python is None:
        if not _warned:
            _warned.append(True)
            print(
                f"pellicule: bundling without byte code (cold starts are slower): "
                f"{runtime_python.INSTALL_HINT}",
                file=sys.stderr,
            )
        return False
    _run(
        [
            str(python),
            "-I",
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            "-d",
            shipped_at,
            str(root),
        ]
    )
    return True


# --- Paths -----------------------------------------------------------------------------------


def build_root() -> Path:
    return REPO_ROOT / ".build"


def _uv() -> str:
    local = REPO_ROOT / ".tools" / "bin" / "uv"
    found = str(local) if local.exists() else shutil.which("uv")
    if not found:
        raise BundlingError("uv not found (expected .tools/bin/uv or uv on PATH)")
    return found


# --- Dependency layers -----------------------------------------------------------------------


def cache_key(recipe: LayerRecipe, platform: Platform = LAMBDA_PLATFORM) -> str:
    """Hash of everything the layer's content depends on (the platform included)."""
    digest = hashlib.sha256()
    digest.update((REPO_ROOT / "uv.lock").read_bytes())
    recipe_text = json.dumps(
        {
            "version": BUNDLING_VERSION,
            "name": recipe.name,
            "export": recipe.export_args,
            "exclude": sorted(recipe.exclude),
            "platform": platform.uv_platform,
            "python": PYTHON_VERSION,
            # Only when set, so that the other layers' keys stay what they were.
            **({"prune": list(recipe.prune)} if recipe.prune else {}),
            **({"only": sorted(recipe.only)} if recipe.only else {}),
            # Whether this machine can compile it (a 3.13 found later rebuilds the layer).
            **({"bytecode": bytecode_available()} if recipe.bytecode else {}),
        },
        sort_keys=True,
    )
    digest.update(recipe_text.encode())
    return digest.hexdigest()[:16]


def dependency_layer_zip(name: str, platform: Platform = LAMBDA_PLATFORM) -> Path:
    """The zip of dependency layer ``name``; built on first use, then served from the cache."""
    return layer_zip(LAYER_RECIPES[name], platform)


def layer_directory_prefix(name: str, platform: Platform) -> str:
    """``deps-`` for the stack's platform (as before the platform was a parameter), and
    ``deps-x86_64-`` for another; the cache key follows."""
    return f"{name}-" if platform == LAMBDA_PLATFORM else f"{name}-{platform.machine}-"


def layer_zip(recipe: LayerRecipe, platform: Platform = LAMBDA_PLATFORM) -> Path:
    """The zip of ``recipe`` for ``platform``; built on first use, then served from the cache."""
    prefix = layer_directory_prefix(recipe.name, platform)
    target = build_root() / "layers" / f"{prefix}{cache_key(recipe, platform)}"
    archive = target / "layer.zip"
    if archive.is_file():
        return archive
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{recipe.name}-"))
    try:
        _build_dependency_layer(recipe, work, platform)
        _publish(work, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _remove_stale(target, prefix)
    return archive


def _build_dependency_layer(recipe: LayerRecipe, work: Path, platform: Platform) -> None:
    requirements = work / "requirements.txt"
    requirements.write_text(export_requirements(recipe), encoding="utf-8")
    site = work / "python"
    _run(
        [
            _uv(),
            "pip",
            "install",
            "--quiet",
            "--target",
            str(site),
            "--python-platform",
            platform.uv_platform,
            "--python-version",
            PYTHON_VERSION,
            "--only-binary",
            ":all:",
            "--no-deps",
            "--requirement",
            str(requirements),
        ]
    )
    strip_tree(site, top_level=STRIP_TOP_LEVEL)
    for pattern in recipe.prune:
        for path in site.glob(pattern):
            if path.is_file():
                path.unlink()
    check_machine(site, platform)
    if recipe.bytecode:
        compile_tree(site, "/opt/python")
    write_zip(site, work / "layer.zip", root_name="python")
    shutil.rmtree(site)


def export_requirements(recipe: LayerRecipe) -> str:
    """Pinned requirements of the layer, from the lock file (no resolution, no network)."""
    exported = _run(
        [
            _uv(),
            "export",
            "--frozen",
            "--no-hashes",
            "--no-emit-project",
            "--no-header",
            "--no-annotate",
            *recipe.export_args,
        ]
    )
    lines = [line for line in exported.splitlines() if line.strip()]
    kept = [
        line
        for line in lines
        if _requirement_name(line) not in recipe.exclude
        and (not recipe.only or _requirement_name(line) in recipe.only)
    ]
    return "\n".join(kept) + "\n"


def _requirement_name(line: str) -> str:
    """Normalized project name of a ``name==version ; marker`` line (PEP 503)."""
    name = re.split(r"[=<>!~;\[ ]", line.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _run(command: list[str]) -> str:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "NO_COLOR": "1"}
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        command,
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=UV_TIMEOUT_SECONDS,
        check=False,
    )
    if result.returncode != 0:
        raise BundlingError(f"{' '.join(command[:3])} failed:\n{result.stderr.strip()}")
    return result.stdout


def _publish(work: Path, target: Path) -> None:
    """Move the finished build into place (a concurrent synth may have been faster)."""
    if target.exists():
        return
    try:
        work.rename(target)
    except OSError:
        if not (target / "layer.zip").is_file():
            raise


def _remove_stale(current: Path, prefix: str) -> None:
    """Remove the older builds of the same layer for the same platform (only: ``deps-`` must
    leave ``deps-x86_64-...`` alone)."""
    stale = re.compile(re.escape(prefix) + r"[0-9a-f]{16}")
    for sibling in current.parent.glob(f"{prefix}*"):
        if sibling != current and sibling.is_dir() and stale.fullmatch(sibling.name):
            shutil.rmtree(sibling, ignore_errors=True)


# --- Checks and tree helpers -----------------------------------------------------------------


def strip_tree(root: Path, *, top_level: Iterable[str] = ()) -> None:
    """Remove byte code, test suites and top-level clutter (console scripts) from a tree."""
    for name in top_level:
        shutil.rmtree(root / name, ignore_errors=True)
    # Deepest first, so that a removed directory's children were already handled.
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and _strippable(root, path):
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() and path.suffix in STRIP_SUFFIXES:
            path.unlink()


def _strippable(root: Path, directory: Path) -> bool:
    """``__pycache__`` anywhere; ``tests`` inside a package (not a top-level package)."""
    return directory.name in STRIP_DIRS and (
        directory.name == "__pycache__" or directory.parent != root
    )


def check_machine(root: Path, platform: Platform) -> None:
    """Fail if any native binary in ``root`` is not built for ``platform``."""
    wrong = [
        str(path.relative_to(root))
        for path in _elf_files(root)
        if _elf_machine(path) != platform.elf_machine
    ]
    if wrong:
        name = "arm64" if platform == AARCH64 else platform.machine
        raise BundlingError(f"native files not built for {name}: {', '.join(sorted(wrong))}")


def check_arm64(root: Path) -> None:
    """Fail if any native binary in ``root`` is not built for arm64 (aarch64)."""
    check_machine(root, AARCH64)


def native_files(root: Path) -> list[Path]:
    return sorted(_elf_files(root))


def _elf_files(root: Path) -> Iterator[Path]:
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == ELF_MAGIC:
                    yield path


def _elf_machine(path: Path) -> int:
    with path.open("rb") as handle:
        header = handle.read(20)
    little_endian = header[5] == 1
    return int.from_bytes(header[18:20], "little" if little_endian else "big")


def write_zip(source: Path, archive: Path, *, root_name: str = "") -> None:
    """Zip ``source`` reproducibly (sorted entries, fixed dates), under ``root_name/``."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for path in sorted(source.rglob("*")):
            if not path.is_file():
                continue
            relative = path.relative_to(source).as_posix()
            entry = zipfile.ZipInfo(f"{root_name}/{relative}" if root_name else relative, ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            entry.external_attr = (0o100000 | mode) << 16
            bundle.writestr(entry, path.read_bytes())


def unzipped_size(archive: Path) -> int:
    """Bytes the archive's files take once extracted (what Lambda's 250 MB limit counts)."""
    with zipfile.ZipFile(archive) as bundle:
        return sum(entry.file_size for entry in bundle.infolist())


def zip_names(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as bundle:
        return bundle.namelist()


# --- Source assets (copied on every synth) ---------------------------------------------------


def _ignore(directory: str, names: list[str]) -> set[str]:
    return {n for n in names if n in STRIP_DIRS or n.endswith(STRIP_SUFFIXES)}


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def core_layer_dir() -> Path:
    """A directory holding ``python/pellicule/``: the shared package as a layer."""
    source = REPO_ROOT / "layers" / "core" / "pellicule"
    if not (source / "__init__.py").is_file():
        raise BundlingError(f"{source} is not a Python package")
    target = _fresh(build_root() / "assets" / "core")
    shutil.copytree(source, target / "python" / "pellicule", ignore=_ignore)
    compile_tree(target / "python", "/opt/python")
    return target


def function_dir(name: str) -> Path:
    """A directory holding ``functions/__init__.py`` and ``functions/<name>/``."""
    source = REPO_ROOT / "functions"
    if not (source / name).is_dir():
        raise BundlingError(f"functions/{name}/ does not exist")
    target = _fresh(build_root() / "assets" / "functions" / name)
    package = target / "functions"
    package.mkdir()
    init = source / "__init__.py"
    if init.is_file():
        shutil.copy2(init, package / "__init__.py")
    else:
        (package / "__init__.py").write_text("", encoding="utf-8")
    shutil.copytree(source / name, package / name, ignore=_ignore)
    compile_tree(target, LAMBDA_TASK_ROOT)
    return target
