import pytest
from luhn import check_digit, is_valid


def test_valid_numbers():
    assert is_valid("4539 3195 0343 6467") is True
    assert is_valid("059") is True
    assert is_valid("0 0") is True


def test_invalid_numbers():
    assert is_valid("8273 1232 7352 0569") is False
    assert is_valid("0") is False
    assert is_valid("055-444-285") is False
    assert is_valid("") is False


def test_check_digit():
    assert check_digit("7992739871") == 3
    assert is_valid("7992739871" + str(check_digit("7992739871")))
    assert check_digit("4539 3195 0343 646") == 7


def test_check_digit_refuses_junk():
    with pytest.raises(ValueError):
        check_digit("12a4")
    with pytest.raises(ValueError):
        check_digit("  ")
