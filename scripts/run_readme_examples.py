"""Runs every ```python block of a Markdown file, so the README's examples cannot rot.

Blocks run in a scratch directory with REVSTORE_BIN on PATH; each must exit 0.
Prints 'N passed, N failed' at the end.
"""
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

text = Path(sys.argv[1]).read_text()
blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
binary = os.environ.get("REVSTORE_BIN")
env = dict(os.environ)
if binary:
    env["PATH"] = str(Path(binary).parent) + os.pathsep + env.get("PATH", "")
passed = failed = 0
for index, block in enumerate(blocks, 1):
    with tempfile.TemporaryDirectory() as scratch:
        result = subprocess.run([sys.executable, "-c", block], cwd=scratch, env=env,
                                capture_output=True, text=True, timeout=60)
    if result.returncode == 0:
        passed += 1
    else:
        failed += 1
        print(f"README example {index} failed:\n{result.stdout}{result.stderr}", file=sys.stderr)
print(f"README examples: {passed} passed, {failed} failed")
sys.exit(1 if failed or not blocks else 0)
