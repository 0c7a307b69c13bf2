import pytest
from paths import reachable, shortest_path

GRAPH = {
    "a": {"b": 7, "c": 9, "f": 14},
    "b": {"a": 7, "c": 10, "d": 15},
    "c": {"a": 9, "b": 10, "d": 11, "f": 2},
    "d": {"b": 15, "c": 11, "e": 6},
    "e": {"d": 6, "f": 9},
    "f": {"a": 14, "c": 2, "e": 9},
}


def test_classic_graph():
    assert shortest_path(GRAPH, "a", "e") == (20, ["a", "c", "f", "e"])
    assert shortest_path(GRAPH, "a", "d") == (20, ["a", "c", "d"])


def test_cheaper_longer_path_wins():
    graph = {"s": {"t": 10, "x": 1}, "x": {"y": 1}, "y": {"t": 1}}
    assert shortest_path(graph, "s", "t") == (3, ["s", "x", "y", "t"])


def test_unreachable_same_and_directed():
    graph = {"a": {"b": 1}, "c": {"a": 1}}
    assert shortest_path(graph, "a", "c") is None
    assert shortest_path(graph, "c", "b") == (2, ["c", "a", "b"])
    assert shortest_path(graph, "b", "b") == (0, ["b"])


def test_negative_weights_refused():
    with pytest.raises(ValueError):
        shortest_path({"a": {"b": -1}}, "a", "b")


def test_reachable():
    graph = {"a": {"b": 1}, "b": {"c": 1}, "d": {"a": 1}}
    assert reachable(graph, "a") == {"a", "b", "c"}
    assert reachable(graph, "c") == {"c"}
    assert reachable(graph, "d") == {"a", "b", "c", "d"}
