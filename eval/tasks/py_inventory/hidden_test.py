import pytest
from inventory import InsufficientStock, Inventory


def test_add_remove_count():
    inv = Inventory()
    inv.add("apple", 5)
    inv.add("apple", 2)
    inv.remove("apple", 3)
    assert inv.count("apple") == 4
    assert inv.count("pear") == 0


def test_insufficient_changes_nothing():
    inv = Inventory()
    inv.add("nut", 2)
    with pytest.raises(InsufficientStock) as info:
        inv.remove("nut", 3)
    assert isinstance(info.value, ValueError)
    assert (info.value.sku, info.value.requested, info.value.available) == ("nut", 3, 2)
    assert inv.count("nut") == 2
    with pytest.raises(InsufficientStock):
        inv.remove("ghost", 1)


def test_bad_quantities():
    inv = Inventory()
    for qty in (0, -1, 1.5):
        with pytest.raises(ValueError):
            inv.add("x", qty)
    assert inv.skus() == []


def test_skus_and_low_stock():
    inv = Inventory()
    inv.add("b", 1)
    inv.add("a", 1)
    inv.add("c", 10)
    inv.add("d", 3)
    inv.add("gone", 2)
    inv.remove("gone", 2)
    assert inv.skus() == ["a", "b", "c", "d"]
    assert inv.low_stock(3) == [("a", 1), ("b", 1), ("d", 3)]
    assert inv.low_stock(0) == []
