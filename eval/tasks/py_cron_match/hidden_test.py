from datetime import datetime

import pytest
from cron import matches, next_match

# 2024-03-15 is a Friday.
FRI = datetime(2024, 3, 15, 9, 30)


def test_fields():
    assert matches("* * * * *", FRI)
    assert matches("30 9 15 3 5", FRI)
    assert not matches("31 9 * * *", FRI)
    assert matches("*/15 8-10 * * *", FRI)
    assert not matches("*/20 * * * *", FRI)
    assert matches("0,15,30,45 9 * 1-6/2 *", FRI)
    assert not matches("* * * 2-12/2 *", FRI)


def test_weekdays_and_sunday_as_7():
    sunday = datetime(2024, 3, 17, 0, 0)
    assert matches("0 0 * * 0", sunday)
    assert matches("0 0 * * 7", sunday)
    assert matches("* * * * 1-5", FRI)
    assert not matches("* * * * 1-5", sunday)


def test_day_of_month_or_day_of_week():
    assert matches("30 9 1 * 5", FRI), "Friday matches though the 15th is not the 1st"
    assert matches("30 9 15 * 1", FRI)
    assert not matches("30 9 1 * 1", FRI)
    assert not matches("30 9 1 * *", FRI)


def test_invalid_expressions():
    for bad in ("* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *",
                "5-1 * * * *", "*/0 * * * *", "a * * * *", "* * * * 8", "1-2-3 * * * *"):
        with pytest.raises(ValueError):
            matches(bad, FRI)


def test_next_match():
    assert next_match("*/15 * * * *", FRI) == datetime(2024, 3, 15, 9, 45)
    assert next_match("0 0 1 1 *", FRI) == datetime(2025, 1, 1, 0, 0)
    assert next_match("0 12 29 2 *", FRI) == datetime(2028, 2, 29, 12, 0)
    assert next_match("30 9 * * *", datetime(2024, 3, 15, 9, 30, 20)) == datetime(2024, 3, 16, 9, 30)
    with pytest.raises(ValueError):
        next_match("0 0 31 2 *", FRI)
