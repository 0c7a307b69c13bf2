import pytest
from histogram import histogram, render


def test_buckets_and_order():
    h = histogram([12, 3, 7, 19, 0, 10], 10)
    assert h == {0: 3, 10: 3}
    assert list(h) == [0, 10]


def test_negative_values_floor():
    h = histogram([-1, -10, -11, 5], 10)
    assert list(h.items()) == [(-20, 1), (-10, 2), (0, 1)]


def test_empty_and_bad_width():
    assert histogram([], 5) == {}
    with pytest.raises(ValueError):
        histogram([1], 0)
    with pytest.raises(ValueError):
        histogram([1], -2)


def test_render():
    assert render({0: 2, 5: 1}) == "0: ##\n5: #"
    assert render({10: 3}, bar="*") == "10: ***"
