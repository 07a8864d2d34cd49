import json
import os
import pathlib
import subprocess

import pytest

import revstore

ROOT = pathlib.Path(__file__).resolve().parents[3]


def _binary() -> str:
    if os.environ.get("REVSTORE_BIN"):
        return os.environ["REVSTORE_BIN"]
    path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return str(pathlib.Path(path) / "revstore")


BINARY = _binary()


@pytest.fixture
def binary() -> str:
    return BINARY


@pytest.fixture
async def db():
    async with await revstore.Revstore.spawn(memory=True, binary=BINARY) as server:
        yield server


@pytest.fixture
async def session(db):
    return await db.session("s", create=True)


def fixtures() -> list[pathlib.Path]:
    return sorted((ROOT / "protocol" / "fixtures").glob("*.json"))


def load(path: pathlib.Path) -> dict:
    return json.loads(path.read_text())
