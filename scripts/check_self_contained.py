"""Fails when a file of the repository points outside it: the protocol's contract, its test
vectors and every input a test reads live in the repository itself (protocol/README.md).

    python3 scripts/check_self_contained.py
"""
import re
import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
# Spelled in pieces so that this file does not match itself.
OUTSIDE = re.compile("|".join([r"\.\./" + "shared", "shared/" + "spec", r"\bprotocol" + r"\.md\b", "/" + "work/"]))

files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPOSITORY,
                       capture_output=True, text=True, check=True).stdout.splitlines()
found = []
for name in files:
    path = REPOSITORY / name
    if not path.is_file():
        continue
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        continue
    for number, line in enumerate(text.splitlines(), 1):
        if OUTSIDE.search(line):
            found.append(f"{name}:{number}: {line.strip()}")
for line in found:
    print(line, file=sys.stderr)
print(f"self-contained: {len(files) - len({line.split(':')[0] for line in found})} passed, "
      f"{len({line.split(':')[0] for line in found})} failed")
sys.exit(1 if found else 0)
