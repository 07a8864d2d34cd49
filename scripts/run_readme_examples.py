"""Runs the README's examples as a new user would, so they cannot rot; and checks that what
`make release` and `make dist` produce stands alone.

- every ```python block runs in a scratch folder, with the release binary on PATH;
- every ```sh quickstart block runs in bash from the repository root, as a user with a fresh
  home folder and a fresh virtual environment first on PATH, with no revstore on PATH and
  $REVSTORE_BIN unset, so the servers bundled in the packages are the ones found;
- the release binary, and the one in the wheel, link no Swift runtime and no shared SQLite;
- the wheel from `make dist` installs into a fresh environment and its bundled server answers.

Each must pass; prints 'N passed, N failed' at the end.

    python3 scripts/run_readme_examples.py README.md
"""
import glob
import os
import re
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
RELEASE_BIN = REPOSITORY / ".build" / "release" / "revstore"
SHARED_LIBRARIES_NOT_ALLOWED = re.compile(r"lib(swift\w*|Foundation\w*|dispatch|BlocksRuntime|sqlite3)\.so")

results: list[tuple[str, str | None]] = []


def check(name: str, run) -> None:
    try:
        problem = run()
    except Exception as error:  # a check that raises has failed; say how
        problem = f"{type(error).__name__}: {error}"
    results.append((name, problem))
    print(f"{'ok' if problem is None else 'FAILED'}: {name}" + ("" if problem is None else f"\n{problem}"), flush=True)


def user_environment(home: Path, venv_bin: Path) -> dict[str, str]:
    """A new user's environment: a fresh home, the venv first, nothing that finds a revstore."""
    env = {key: value for key, value in os.environ.items() if key not in ("REVSTORE_BIN", "VIRTUAL_ENV", "PYTHONPATH")}
    path = [str(venv_bin)] + [entry for entry in env.get("PATH", "").split(os.pathsep)
                              if entry and not (Path(entry) / "revstore").exists()]
    env.update(HOME=str(home), PATH=os.pathsep.join(path), npm_config_cache=str(home / ".npm"))
    return env


def fresh_venv(folder: Path) -> Path:
    venv.create(folder, with_pip=True)
    return folder / "bin"


def linked_elsewhere(binary: Path) -> str | None:
    linked = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
    found = SHARED_LIBRARIES_NOT_ALLOWED.findall(linked)
    return f"{binary} links {sorted(set(found))} dynamically:\n{linked}" if found else None


def python_block(block: str):
    def run():
        env = dict(os.environ, PATH=f"{RELEASE_BIN.parent}{os.pathsep}{os.environ.get('PATH', '')}")
        with tempfile.TemporaryDirectory() as scratch:
            result = subprocess.run([sys.executable, "-c", block], cwd=scratch, env=env,
                                    capture_output=True, text=True, timeout=60)
        return None if result.returncode == 0 else result.stdout + result.stderr
    return run


def quickstart_block(block: str):
    def run():
        with tempfile.TemporaryDirectory() as scratch:
            home = Path(scratch)
            env = user_environment(home, fresh_venv(home / "venv"))
            result = subprocess.run(["bash", "-e", "-c", block], cwd=REPOSITORY, env=env,
                                    capture_output=True, text=True, timeout=1200)
        print(result.stdout.strip().splitlines()[-1] if result.stdout.strip() else "(no output)")
        if result.returncode != 0:
            return f"exit {result.returncode}\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        return None
    return run


def wheel_stands_alone():
    wheels = glob.glob(str(REPOSITORY / "dist" / "revstore-*.whl"))
    if len(wheels) != 1:
        return f"expected one wheel in dist/, found {wheels}"
    wheel = Path(wheels[0])
    if not wheel.name.endswith(f"-py3-none-{__import__('sysconfig').get_platform().replace('-', '_').replace('.', '_')}.whl"):
        return f"{wheel.name} is not tagged for this platform only"
    with zipfile.ZipFile(wheel) as archive:
        if "revstore/_bin/revstore" not in archive.namelist():
            return f"{wheel.name} carries no server"
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        bin_dir = fresh_venv(home / "venv")
        env = user_environment(home, bin_dir)
        subprocess.run([str(bin_dir / "pip"), "install", "-q", "--disable-pip-version-check", str(wheel)],
                       env=env, check=True, capture_output=True)
        probe = ("from revstore._connection import find_binary, BUNDLED_BINARY\n"
                 "from revstore.sync import Revstore\n"
                 "assert find_binary() == str(BUNDLED_BINARY), find_binary()\n"
                 "with Revstore.spawn(memory=True) as db:\n"
                 "    print(db.session('s', create=True).put('Note', {'text': 'hi'}, id='n1').version)\n"
                 "print(BUNDLED_BINARY)\n")
        result = subprocess.run([str(bin_dir / "python"), "-c", probe], cwd=home, env=env, capture_output=True, text=True, timeout=60)
        if result.returncode != 0 or not result.stdout.startswith("1\n"):
            return result.stdout + result.stderr
        return linked_elsewhere(Path(result.stdout.splitlines()[1]))


def node_package_carries_server():
    tarballs = glob.glob(str(REPOSITORY / "dist" / "revstore-*.tgz"))
    if len(tarballs) != 1:
        return f"expected one npm tarball in dist/, found {tarballs}"
    listing = subprocess.run(["tar", "-tzf", tarballs[0]], capture_output=True, text=True, check=True).stdout.split()
    return None if "package/bin/revstore" in listing else f"{tarballs[0]} carries no server: {listing}"


text = Path(sys.argv[1]).read_text()
for index, block in enumerate(re.findall(r"```python\n(.*?)```", text, flags=re.S), 1):
    check(f"README python example {index}", python_block(block))
for index, block in enumerate(re.findall(r"```sh quickstart\n(.*?)```", text, flags=re.S), 1):
    check(f"README quick start {index}: {block.splitlines()[0]}", quickstart_block(block))
check("the release binary links no Swift runtime and no shared SQLite", lambda: linked_elsewhere(RELEASE_BIN))
check("the wheel installs without Swift and its bundled server answers", wheel_stands_alone)
check("the npm tarball carries the server", node_package_carries_server)

failed = sum(1 for _, problem in results if problem is not None)
print(f"README examples and packages: {len(results) - failed} passed, {failed} failed")
sys.exit(1 if failed or len(results) < 6 else 0)
