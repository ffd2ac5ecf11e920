"""Docker-free Lambda assets: lock-file export, cache key, arm64 check, reproducible zips."""

from __future__ import annotations

import hashlib
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
    assert sorted(p.name for p in (root / "functions").iterdir()) == ["__init__.py", "upload"]
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
