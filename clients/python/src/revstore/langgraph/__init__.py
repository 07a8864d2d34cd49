"""Revstore for LangGraph: checkpointers and memory stores that keep every version, stored once.

Install with ``pip install 'revstore[langgraph]'``.
"""
from .checkpoint import AsyncRevstoreSaver, RevstoreSaver
from .store import AsyncRevstoreStore, ItemVersion, RevstoreStore

__all__ = ["AsyncRevstoreSaver", "AsyncRevstoreStore", "ItemVersion", "RevstoreSaver", "RevstoreStore"]
