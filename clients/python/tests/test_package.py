"""The package's public names: each importable from ``revstore``, and loaded only when used."""
import ast
import importlib
import subprocess
import sys
from pathlib import Path

import revstore


def test_every_public_name_is_importable_and_spelled_out_for_type_checkers():
    tree = ast.parse(Path(revstore.__file__).read_text())
    checked = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    spelled_out = {alias.name for node in checked.body for alias in node.names}
    assert spelled_out == set(revstore.__all__)
    for name in revstore.__all__:
        assert getattr(revstore, name) is getattr(importlib.import_module(f"revstore.{revstore._MODULE_OF[name]}"), name)


def test_the_langgraph_savers_load_without_the_asyncio_client():
    loaded = subprocess.run([sys.executable, "-c", "import sys, revstore.langgraph; print(sorted(m for m in sys.modules if m.startswith('revstore')))"],
                            capture_output=True, text=True, check=True).stdout
    assert "revstore.langgraph" in loaded and "revstore._connection" in loaded
    assert "revstore.client" not in loaded and "revstore.models" not in loaded


def test_an_unknown_name_is_an_attribute_error():
    try:
        revstore.NoSuchThing  # noqa: B018
    except AttributeError as error:
        assert "NoSuchThing" in str(error)
    else:
        raise AssertionError("expected AttributeError")
