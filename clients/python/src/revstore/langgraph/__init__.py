"""Revstore for LangGraph: checkpointers that keep every version, stored once.

Install with ``pip install 'revstore[langgraph]'``.
"""
from .checkpoint import AsyncRevstoreSaver, RevstoreSaver

__all__ = ["AsyncRevstoreSaver", "RevstoreSaver"]
