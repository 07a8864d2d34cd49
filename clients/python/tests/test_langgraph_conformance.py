"""LangGraph's own conformance suite, every capability (base and extended), against both
savers on a store file."""
import pytest

from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.conformance.capabilities import ALL_CAPABILITIES

from revstore.langgraph import AsyncRevstoreSaver, RevstoreSaver

from conftest import BINARY


@pytest.mark.parametrize("saver_class", [RevstoreSaver, AsyncRevstoreSaver])
async def test_conformance(saver_class, tmp_path):
    path = str(tmp_path / "checkpoints.sqlite")

    @checkpointer_test(name=saver_class.__name__)
    async def factory():
        if saver_class is AsyncRevstoreSaver:
            async with AsyncRevstoreSaver.from_conn_string(path, binary=BINARY) as saver:
                yield saver
        else:
            with RevstoreSaver.from_conn_string(path, binary=BINARY) as saver:
                yield saver

    report = await validate(factory)
    failures = {name: result.failures for name, result in report.results.items() if not result.passed}
    assert not failures
    assert {name for name, result in report.results.items() if result.passed} == {c.value for c in ALL_CAPABILITIES}
