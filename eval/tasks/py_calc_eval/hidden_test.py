import pytest
from calc import evaluate


def test_precedence_and_associativity():
    assert evaluate("1 + 2 * 3") == 7.0
    assert evaluate("(1 + 2) * 3") == 9.0
    assert evaluate("10 - 4 - 3") == 3.0
    assert evaluate("8 / 4 / 2") == 1.0
    assert evaluate("2 ^ 3 ^ 2") == 512.0


def test_unary_and_power():
    assert evaluate("-2 ^ 2") == -4.0
    assert evaluate("(-2) ^ 2") == 4.0
    assert evaluate("--3 + +1") == 4.0
    assert evaluate("2 * -3") == -6.0


def test_numbers_and_variables():
    assert evaluate(".5 + 2.25") == pytest.approx(2.75)
    assert evaluate("rate * hours_1", {"rate": 1.5, "hours_1": 4}) == 6.0
    result = evaluate("7")
    assert result == 7.0 and isinstance(result, float)


def test_errors():
    with pytest.raises(NameError, match="missing"):
        evaluate("x + missing", {"x": 1})
    for bad in ("(1 + 2", "1 +", "2 3", "1 $ 2", "", ")"):
        with pytest.raises(ValueError):
            evaluate(bad)
    with pytest.raises(ZeroDivisionError):
        evaluate("1 / (2 - 2)")
