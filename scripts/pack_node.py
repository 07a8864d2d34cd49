"""Packs the Node client with the server inside: `npm pack` of a staged copy of clients/node
whose bin/revstore is the given binary, written to --out.

    python3 scripts/pack_node.py --binary .build/release/revstore --out dist
"""
import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--binary", required=True, type=Path, help="the revstore binary to bundle")
parser.add_argument("--out", required=True, type=Path, help="the folder the tarball goes to")
options = parser.parse_args()
if not options.binary.is_file():
    raise SystemExit(f"pack_node: {options.binary} is not a file; run `make release` first")
if shutil.which("npm") is None:
    raise SystemExit("pack_node: npm is needed to pack the Node client (Debian: apt-get install npm)")

with tempfile.TemporaryDirectory() as scratch:
    staged = Path(scratch) / "revstore"
    shutil.copytree(REPOSITORY / "clients" / "node", staged, ignore=shutil.ignore_patterns("test", "node_modules"))
    bundled = staged / "bin" / "revstore"
    bundled.parent.mkdir()
    shutil.copyfile(options.binary, bundled)
    if shutil.which("strip"):
        subprocess.run(["strip", str(bundled)], check=True)
    bundled.chmod(0o755)
    options.out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "pack", "--silent", "--pack-destination", str(options.out.resolve())],
                   cwd=staged, check=True)
