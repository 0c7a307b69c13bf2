import pytest
from spiral import rotate, spiral


def test_square_spiral():
    assert spiral([[1, 2, 3], [4, 5, 6], [7, 8, 9]]) == [1, 2, 3, 6, 9, 8, 7, 4, 5]


def test_rectangles():
    assert spiral([[1, 2, 3, 4], [5, 6, 7, 8]]) == [1, 2, 3, 4, 8, 7, 6, 5]
    assert spiral([[1], [2], [3]]) == [1, 2, 3]
    assert spiral([[1, 2, 3]]) == [1, 2, 3]
    assert spiral([]) == []


def test_rotate_copies():
    m = [[1, 2], [3, 4], [5, 6]]
    assert rotate(m) == [[5, 3, 1], [6, 4, 2]]
    assert m == [[1, 2], [3, 4], [5, 6]]
    assert rotate(rotate(rotate(rotate(m)))) == m
    assert rotate([]) == []


def test_ragged():
    with pytest.raises(ValueError):
        spiral([[1, 2], [3]])
    with pytest.raises(ValueError):
        rotate([[1], [2, 3]])
