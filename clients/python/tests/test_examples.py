"""Every script in examples/ runs to completion against the real binary."""
import os
import pathlib
import subprocess
import sys

import pytest

from conftest import BINARY

EXAMPLES = sorted((pathlib.Path(__file__).resolve().parents[1] / "examples").glob("*.py"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(example):
    result = subprocess.run([sys.executable, str(example)], env={**os.environ, "REVSTORE_BIN": BINARY},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
