"""Fixtures: `revstore mcp` driven by the official MCP SDK's own stdio client."""
import os
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
def binary() -> str:
    return os.environ.get("REVSTORE_BIN") or str(REPOSITORY / ".build" / "release" / "revstore")


@pytest.fixture
def store(tmp_path) -> str:
    return str(tmp_path / "memory.sqlite")


@pytest.fixture
def connect(binary, store):
    """Opens an MCP client on a new `revstore mcp` process over the test's store."""

    @asynccontextmanager
    async def open_client(*extra: str, **options):
        server = StdioServerParameters(command=binary, args=["mcp", "--db", store, *extra])
        async with Client(server, **options) as client:
            yield client

    return open_client
