"""A compiled LangGraph graph run on RevstoreSaver gives the states SqliteSaver gives: an
interrupt and its resume, update_state forks, get_state_history, blocking and async."""
from typing import Annotated, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.types import Command, interrupt

from revstore.langgraph import AsyncRevstoreSaver, RevstoreSaver

from conftest import BINARY


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]
    approved: str


def agent(state: State) -> dict:
    count = len(state["messages"])
    return {"messages": [AIMessage(content=f"reply to {count} messages", id=f"ai-{count}")]}


def review(state: State) -> dict:
    return {"approved": interrupt({"question": "approve?", "last": state["messages"][-1].content})}


def builder() -> StateGraph:
    graph = StateGraph(State)
    graph.add_node("agent", agent)
    graph.add_node("review", review)
    graph.add_edge(START, "agent")
    graph.add_edge("agent", "review")
    graph.add_edge("review", END)
    return graph


def snapshot(state) -> tuple:
    """What a state says, without the ids and times that differ from run to run."""
    metadata = {k: v for k, v in state.metadata.items() if k in ("source", "step")}
    interrupts = [i.value for task in state.tasks for i in task.interrupts]
    messages = [(type(m).__name__, m.id, m.content) for m in state.values.get("messages", [])]
    return (messages, state.values.get("approved"), state.next, metadata, interrupts, state.parent_config is not None)


def scenario(graph) -> list:
    config = {"configurable": {"thread_id": "t1"}}
    seen = []
    graph.invoke({"messages": [HumanMessage("hello", id="h1")]}, config)
    seen.append(snapshot(graph.get_state(config)))
    graph.invoke(Command(resume="yes"), config)
    seen.append(snapshot(graph.get_state(config)))
    history = list(graph.get_state_history(config))
    seen.append([snapshot(state) for state in history])
    # Fork from the state before the agent ran, with an edited input, and run it on.
    before_agent = next(state for state in history if state.next == ("agent",))
    forked = graph.update_state(before_agent.config, {"messages": [HumanMessage("edited", id="h1")]})
    graph.invoke(None, forked)
    seen.append(snapshot(graph.get_state(forked)))
    graph.invoke(Command(resume="no"), config)
    seen.append(snapshot(graph.get_state(config)))
    seen.append([snapshot(state) for state in graph.get_state_history(config)])
    # The original line is still there, unchanged.
    seen.append(snapshot(graph.get_state(history[0].config)))
    return seen


async def ascenario(graph) -> list:
    config = {"configurable": {"thread_id": "t1"}}
    seen = []
    await graph.ainvoke({"messages": [HumanMessage("hello", id="h1")]}, config)
    seen.append(snapshot(await graph.aget_state(config)))
    await graph.ainvoke(Command(resume="yes"), config)
    seen.append(snapshot(await graph.aget_state(config)))
    history = [state async for state in graph.aget_state_history(config)]
    seen.append([snapshot(state) for state in history])
    before_agent = next(state for state in history if state.next == ("agent",))
    forked = await graph.aupdate_state(before_agent.config, {"messages": [HumanMessage("edited", id="h1")]})
    await graph.ainvoke(None, forked)
    seen.append(snapshot(await graph.aget_state(forked)))
    await graph.ainvoke(Command(resume="no"), config)
    seen.append(snapshot(await graph.aget_state(config)))
    seen.append([snapshot(state) async for state in graph.aget_state_history(config)])
    seen.append(snapshot(await graph.aget_state(history[0].config)))
    return seen


def test_same_states_as_sqlite_saver(tmp_path):
    with SqliteSaver.from_conn_string(str(tmp_path / "reference.sqlite")) as reference:
        expected = scenario(builder().compile(checkpointer=reference))
    with RevstoreSaver.from_conn_string(str(tmp_path / "revstore.sqlite"), binary=BINARY) as saver:
        assert scenario(builder().compile(checkpointer=saver)) == expected
    # The fork kept both lines: the history holds the edited input and the original answer.
    history = expected[5]
    assert any(messages[:1] == [("HumanMessage", "h1", "edited")] for messages, *_ in history)
    assert expected[6][1] == "yes" and expected[4][1] == "no"


async def test_same_states_as_async_sqlite_saver(tmp_path):
    async with AsyncSqliteSaver.from_conn_string(str(tmp_path / "reference.sqlite")) as reference:
        expected = await ascenario(builder().compile(checkpointer=reference))
    async with AsyncRevstoreSaver.from_conn_string(str(tmp_path / "revstore.sqlite"), binary=BINARY) as saver:
        assert await ascenario(builder().compile(checkpointer=saver)) == expected
