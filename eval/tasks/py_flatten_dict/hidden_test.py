import copy
import pytest
from flatdict import flatten, unflatten


def test_flatten_nested():
    assert flatten({"a": {"b": 1, "c": {"d": 2}}, "e": 3}) == {"a.b": 1, "a.c.d": 2, "e": 3}


def test_values_kept_as_is():
    assert flatten({"a": [1, {"x": 1}], "b": {}, "c": None}) == {"a": [1, {"x": 1}], "b": {}, "c": None}


def test_custom_separator_and_round_trip():
    nested = {"db": {"host": "h", "port": 5432}, "debug": False, "x": {"y": {"z": []}}}
    flat = flatten(nested, sep="/")
    assert flat == {"db/host": "h", "db/port": 5432, "debug": False, "x/y/z": []}
    assert unflatten(flat, sep="/") == nested


def test_unflatten_conflict():
    with pytest.raises(ValueError):
        unflatten({"a": 1, "a.b": 2})
    with pytest.raises(ValueError):
        unflatten({"a.b": 2, "a": 1})


def test_inputs_unchanged():
    nested = {"a": {"b": {"c": 1}}}
    before = copy.deepcopy(nested)
    flat = flatten(nested)
    flat_before = dict(flat)
    unflatten(flat)
    assert nested == before and flat == flat_before
