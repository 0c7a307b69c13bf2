import pytest
from intervals import covered, gaps, merge


def test_merge_overlapping_and_touching():
    assert merge([(5, 8), (1, 3), (2, 4), (8, 10), (12, 12)]) == [(1, 4), (5, 10), (12, 12)]
    assert merge([]) == []


def test_merge_contained():
    assert merge([(1, 10), (2, 3), (4, 5)]) == [(1, 10)]


def test_merge_rejects_backwards():
    with pytest.raises(ValueError):
        merge([(1, 2), (5, 4)])


def test_covered():
    assert covered([(0, 5), (3, 8), (10, 11)]) == 9
    assert covered([]) == 0


def test_gaps():
    busy = [(9, 10), (12, 13), (12, 14), (16, 18)]
    assert gaps(busy, 8, 17) == [(8, 9), (10, 12), (14, 16)]
    assert gaps(busy, 9, 10) == []
    assert gaps([], 1, 3) == [(1, 3)]
    assert gaps([(0, 20)], 5, 6) == []
