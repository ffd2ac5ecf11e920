"""Docker-free Lambda assets: lock-file export, cache key, arm64 check, reproducible zips."""

from __future__ import annotations

import hashlib
import subprocess
import zipfile
from pathlib import Path

import pytest

from infra import bundling

pytestmark = pytest.mark.infra


def test_deps_layer_exports_the_main_dependencies_minus_the_runtime_sdk() -> None:
    requirements = bundling.export_requirements(bundling.LAYER_RECIPES["deps"])
    pinned = {bundling._requirement_name(line) for line in requirements.splitlines()}
    assert {"aws-lambda-powertools", "pynamodb", "cryptography"} <= pinned
    # The staff second factor (pellicule.domain.totp), for the auth function: pure-Python wheels.
    assert {"pyotp", "qrcode"} <= pinned
    # qrcode's only dependency is for Windows consoles: exported with its marker, never installed.
    colorama = [line for line in requirements.splitlines() if line.startswith("colorama")]
    assert all("sys_platform == 'win32'" in line for line in colorama)
    assert not pinned & bundling.RUNTIME_PROVIDED
    assert all("==" in line for line in requirements.splitlines())
    # Dev/infra tooling never reaches a layer.
    assert not pinned & {"pillow", "aws-cdk-lib", "pytest", "moto"}


def test_imaging_layer_is_the_imaging_group() -> None:
    requirements = bundling.export_requirements(bundling.LAYER_RECIPES["imaging"])
    assert {bundling._requirement_name(line) for line in requirements.splitlines()} == {
        "pillow",
        "pillow-heif",
    }


def test_ffmpeg_layer_is_the_video_group() -> None:
    requirements = bundling.export_requirements(bundling.LAYER_RECIPES["ffmpeg"])
    # PyAV alone: the static ffmpeg command (imageio-ffmpeg) only makes sample clips locally.
    assert {bundling._requirement_name(line) for line in requirements.splitlines()} == {"av"}


def test_requirement_names_are_normalized() -> None:
    assert bundling._requirement_name("python-dateutil==2.9.0.post0") == "python-dateutil"
    assert bundling._requirement_name("Typing_Extensions==4.1 ; python_version < '3.13'") == (
        "typing-extensions"
    )
    assert (
        bundling._requirement_name("cffi==2.1.1 ; platform_python_implementation != 'PyPy'")
        == "cffi"
    )


def test_cache_key_depends_on_the_lock_and_the_recipe() -> None:
    deps, imaging = bundling.LAYER_RECIPES["deps"], bundling.LAYER_RECIPES["imaging"]
    assert bundling.cache_key(deps) == bundling.cache_key(deps)
    assert bundling.cache_key(deps) != bundling.cache_key(imaging)
    ffmpeg = bundling.LAYER_RECIPES["ffmpeg"]
    unpruned = bundling.LayerRecipe(ffmpeg.name, ffmpeg.export_args)
    assert bundling.cache_key(ffmpeg) != bundling.cache_key(unpruned)


def test_cached_layers_need_no_command(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a warm cache (the session synth built it) / When asked again / Then nothing runs.
    for name in bundling.LAYER_RECIPES:
        bundling.dependency_layer_zip(name)

    def no_command(command: list[str]) -> str:
        raise AssertionError(f"unexpected command {command}")

    monkeypatch.setattr(bundling, "_run", no_command)
    for name in bundling.LAYER_RECIPES:
        assert bundling.dependency_layer_zip(name).is_file()


def test_the_platform_is_part_of_the_cache_key_and_the_stack_keeps_arm64() -> None:
    deps = bundling.LAYER_RECIPES["deps"]
    # The stack's default: the keys (and so the cached zips) it had before the parameter.
    assert bundling.LAMBDA_PLATFORM == bundling.AARCH64
    assert bundling.cache_key(deps) == bundling.cache_key(deps, bundling.AARCH64)
    assert bundling.cache_key(deps, bundling.X86_64) != bundling.cache_key(deps)
    assert bundling.layer_directory_prefix("deps", bundling.AARCH64) == "deps-"
    assert bundling.layer_directory_prefix("deps", bundling.X86_64) == "deps-x86_64-"


def test_a_new_build_removes_only_its_own_platforms_older_builds(tmp_path: Path) -> None:
    names = (
        "deps-0123456789abcdef",  # arm64, older
        "deps-x86_64-0123456789abcdef",  # x86_64, older
        "deps-x86_64-fedcba9876543210",  # x86_64, current
        "deps-fedcba9876543210",  # arm64, current
    )
    for name in names:
        (tmp_path / name).mkdir()
    bundling._remove_stale(tmp_path / names[2], "deps-x86_64-")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted((names[0], *names[2:]))
    bundling._remove_stale(tmp_path / names[3], "deps-")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])


def test_host_platform_follows_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for machine, expected in (
        ("x86_64", bundling.X86_64),
        ("AMD64", bundling.X86_64),
        ("aarch64", bundling.AARCH64),
        ("arm64", bundling.AARCH64),
    ):
        monkeypatch.setattr(bundling.platform_module, "machine", lambda m=machine: m)
        assert bundling.host_platform() == expected
    monkeypatch.setattr(bundling.platform_module, "machine", lambda: "riscv64")
    with pytest.raises(bundling.BundlingError, match="riscv64"):
        bundling.host_platform()


def test_the_runtime_sdk_is_what_the_deps_layer_leaves_out() -> None:
    # boto3 and its stack for running bundles offline: never a layer of the stack.
    assert bundling.RUNTIME_SDK_RECIPE.name not in bundling.LAYER_RECIPES
    requirements = bundling.export_requirements(bundling.RUNTIME_SDK_RECIPE)
    pinned = {bundling._requirement_name(line) for line in requirements.splitlines()}
    assert pinned == bundling.RUNTIME_PROVIDED
    recipe = bundling.RUNTIME_SDK_RECIPE
    assert bundling.cache_key(recipe) != bundling.cache_key(
        bundling.LayerRecipe(recipe.name, recipe.export_args)
    )


def _elf(machine: int) -> bytes:
    header = bytearray(64)
    header[:4] = bundling.ELF_MAGIC
    header[5] = 1  # little endian
    header[18:20] = machine.to_bytes(2, "little")
    return bytes(header)


def test_arm64_check_rejects_x86_binaries(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "ok.so").write_bytes(_elf(bundling.EM_AARCH64))
    (tmp_path / "pkg" / "mod.py").write_text("x = 1\n")
    bundling.check_arm64(tmp_path)
    (tmp_path / "pkg" / "bad.cpython-313-x86_64-linux-gnu.so").write_bytes(_elf(62))
    with pytest.raises(bundling.BundlingError, match=r"bad\.cpython-313-x86_64"):
        bundling.check_arm64(tmp_path)


def test_a_host_build_checks_its_own_machine(tmp_path: Path) -> None:
    (tmp_path / "ok.so").write_bytes(_elf(bundling.EM_X86_64))
    bundling.check_machine(tmp_path, bundling.X86_64)
    (tmp_path / "arm.so").write_bytes(_elf(bundling.EM_AARCH64))
    with pytest.raises(bundling.BundlingError, match=r"not built for x86_64: arm\.so"):
        bundling.check_machine(tmp_path, bundling.X86_64)


def test_strip_tree_removes_bytecode_tests_and_scripts(tmp_path: Path) -> None:
    for relative in (
        "bin/tool",
        "pkg/__pycache__/m.pyc",
        "pkg/tests/test_x.py",
        "pkg/m.py",
        "tests/keep.py",
    ):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    bundling.strip_tree(tmp_path, top_level={"bin"})
    remaining = sorted(
        p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()
    )
    assert remaining == ["pkg/m.py", "tests/keep.py"]


def test_zips_are_reproducible(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "a").mkdir(parents=True)
    (source / "a" / "x.py").write_text("print('x')\n")
    (source / "b.txt").write_text("b\n")
    first, second = tmp_path / "1.zip", tmp_path / "2.zip"
    bundling.write_zip(source, first, root_name="python")
    (source / "b.txt").touch()  # a newer mtime changes nothing
    bundling.write_zip(source, second, root_name="python")
    assert (
        hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
    )
    assert zipfile.ZipFile(first).namelist() == ["python/a/x.py", "python/b.txt"]


def test_function_asset_layout() -> None:
    root = bundling.function_dir("upload")
    assert (root / "functions" / "__init__.py").is_file()
    assert (root / "functions" / "upload").is_dir()
    found = sorted(p.name for p in (root / "functions").iterdir() if p.name != "__pycache__")
    assert found == ["__init__.py", "upload"]
    with pytest.raises(bundling.BundlingError):
        bundling.function_dir("no-such-function")


def test_the_core_layer_ships_the_api_description() -> None:
    # /api/openapi.json is served from the file in the core layer (make openapi writes it).
    shipped = bundling.core_layer_dir() / "python" / "pellicule" / "openapi.json"
    assert shipped.is_file()
    assert b'"openapi": "3.1.0"' in shipped.read_bytes()


def test_the_core_layer_ships_the_product_not_the_operators_tooling() -> None:
    """The layer holds the sub-packages every function needs; the operator's command, centre
    management, portability and key tooling (ops/pellicule_ops) stay on the operator's side."""
    shipped = bundling.core_layer_dir() / "python"
    assert sorted(p.name for p in shipped.iterdir()) == ["pellicule"]
    packages = {p.name for p in (shipped / "pellicule").iterdir() if p.is_dir()}
    assert {"domain", "services", "store", "adapters", "config", "api"} <= packages
    modules = {p.relative_to(shipped).as_posix() for p in shipped.rglob("*.py")}
    # (the stores store/keys.py and store/tenants.py are the product's: key formats, a
    # centre's profile)
    for tool in ("cli", "tenants", "portability", "keys"):
        assert f"pellicule/{tool}.py" not in modules
        assert not any(
            m.endswith(f"/{tool}.py") for m in modules if not m.startswith("pellicule/store/")
        )
    imports = [
        line
        for p in shipped.rglob("*.py")
        for line in p.read_text(encoding="utf-8").splitlines()
        if line.lstrip().startswith(("import ", "from "))
    ]
    assert not [line for line in imports if "pellicule_ops" in line]


def test_compiled_byte_code_is_for_lambdas_python_and_reproducible(tmp_path: Path) -> None:
    from infra import runtime_python

    if runtime_python.lambda_python() is None:
        pytest.skip(runtime_python.INSTALL_HINT)
    trees = []
    for attempt in ("one", "two"):
        root = tmp_path / attempt / "python"
        (root / "pkg").mkdir(parents=True)
        (root / "pkg" / "__init__.py").write_text("VALUE = 1\n")
        (root / "pkg" / "mod.py").write_text("def f():\n    return 2\n")
        assert bundling.compile_tree(root, "/opt/python")
        trees.append(root)
    compiled = sorted(p.relative_to(trees[0]).as_posix() for p in trees[0].rglob("*.pyc"))
    assert compiled == [
        f"pkg/__pycache__/__init__{bundling.BYTECODE_SUFFIX}",
        f"pkg/__pycache__/mod{bundling.BYTECODE_SUFFIX}",
    ]
    for name in compiled:
        first, second = ((t / name).read_bytes() for t in trees)
        assert first == second  # the same bytes on every build
        assert int.from_bytes(first[4:8], "little") == 0b01  # unchecked hash (PEP 552)
    # Python 3.13 runs the shipped byte code without reading the source's time or hash: a
    # source changed after the build is not even looked at.
    (trees[0] / "pkg" / "mod.py").write_text("def f():\n    return 3\n")
    python = str(runtime_python.lambda_python())
    ran = subprocess.run(
        [python, "-E", "-s", "-B", "-c", "import pkg.mod; print(pkg.mod.f())"],
        cwd=trees[0],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert ran == "2"


def test_without_python_3_13_the_bundle_ships_no_byte_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from infra import runtime_python

    monkeypatch.setattr(runtime_python, "lambda_python", lambda: None)
    monkeypatch.setattr(bundling, "_warned", [])
    (tmp_path / "m.py").write_text("X = 1\n")
    assert not bundling.compile_tree(tmp_path, "/var/task")
    assert not list(tmp_path.rglob("*.pyc"))
    assert "pyenv install 3.13" in capsys.readouterr().err
    assert not bundling.bytecode_available()
