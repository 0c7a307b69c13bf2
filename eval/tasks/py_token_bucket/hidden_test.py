import pytest
from bucket import TokenBucket


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_starts_full_and_drains():
    clock = Clock()
    b = TokenBucket(3, 1, clock)
    assert b.available() == pytest.approx(3)
    assert [b.try_take() for _ in range(4)] == [True, True, True, False]
    assert b.available() == pytest.approx(0)


def test_refills_up_to_capacity():
    clock = Clock()
    b = TokenBucket(4, 2, clock)
    assert b.try_take(4)
    clock.t += 0.5
    assert b.available() == pytest.approx(1)
    assert not b.try_take(2)
    assert b.available() == pytest.approx(1), "a refused take takes nothing"
    clock.t += 100
    assert b.available() == pytest.approx(4)


def test_wait_time():
    clock = Clock()
    b = TokenBucket(10, 4, clock)
    assert b.wait_time(5) == 0.0
    assert b.try_take(10)
    assert b.wait_time(2) == pytest.approx(0.5)
    clock.t += 0.25
    assert b.wait_time(2) == pytest.approx(0.25)
    clock.t += 0.25
    assert b.try_take(2)


def test_clock_going_backwards():
    clock = Clock()
    b = TokenBucket(2, 1, clock)
    b.try_take(2)
    clock.t -= 50
    assert b.available() == pytest.approx(0)
    clock.t += 1
    assert b.available() == pytest.approx(1)


def test_bad_arguments():
    with pytest.raises(ValueError):
        TokenBucket(0, 1, Clock())
    with pytest.raises(ValueError):
        TokenBucket(1, 0, Clock())
    b = TokenBucket(2, 1, Clock())
    with pytest.raises(ValueError):
        b.try_take(3)
    with pytest.raises(ValueError):
        b.try_take(0)
    with pytest.raises(ValueError):
        b.wait_time(5)
