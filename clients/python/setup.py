"""Puts the revstore server inside the package, as Python packages of Rust projects do.

The binary comes from ``$REVSTORE_BUNDLE`` (a built ``revstore``, as ``make dist`` passes it), or
is built from the repository this folder sits in with ``make release`` (which needs Swift). The
wheel is then tagged for this platform only: ``py3-none-<platform>``. Editable installs bundle
nothing; they find the server through ``$REVSTORE_BIN`` or ``PATH``.
"""
import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.bdist_wheel import bdist_wheel
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent.parent
BUNDLED = Path("revstore") / "_bin" / "revstore"


def server_binary() -> Path:
    """The revstore binary to bundle, building it when the repository is here to build from."""
    given = os.environ.get("REVSTORE_BUNDLE")
    if given:
        path = Path(given)
        if not path.is_file():
            raise SystemExit(f"REVSTORE_BUNDLE names {path}, which is not a file")
        return path
    if not (REPOSITORY / "Package.swift").is_file():
        raise SystemExit(
            "revstore: this source tree has no server to build (no Package.swift beside it). Install "
            "a wheel made by `make dist`, or set REVSTORE_BUNDLE to a built revstore binary.")
    if shutil.which("swift") is None:
        raise SystemExit(
            "revstore: building the server needs a Swift toolchain (swift.org/install), or set "
            "REVSTORE_BUNDLE to a built revstore binary, or install a wheel made by `make dist`.")
    print("revstore: building the server (make release); the first build takes a few minutes")
    subprocess.run(["make", "-C", str(REPOSITORY), "release"], check=True)
    return REPOSITORY / ".build" / "release" / "revstore"


class BuildWithServer(build_py):
    def run(self):
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / BUNDLED
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(server_binary(), target)
        if shutil.which("strip"):
            subprocess.run(["strip", str(target)], check=True)
        target.chmod(0o755)


class WithNativeCode(Distribution):
    """The server inside is native code, so the package installs as platform-specific."""

    def has_ext_modules(self):
        return True


class PlatformWheel(bdist_wheel):
    """Any Python 3, but only this platform."""

    def get_tag(self):
        return "py3", "none", sysconfig.get_platform().replace("-", "_").replace(".", "_")


setup(
    distclass=WithNativeCode,
    cmdclass={"build_py": BuildWithServer, "bdist_wheel": PlatformWheel},
    # Build output goes under the repository's .build/, not into this source folder.
    options={"build": {"build_base": str(REPOSITORY / ".build" / "python")}}
    if (REPOSITORY / "Package.swift").is_file() else {},
)
