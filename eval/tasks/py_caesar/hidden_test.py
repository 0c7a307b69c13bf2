from caesar import shift, unshift


def test_shift_wraps_and_keeps_case():
    assert shift("Hello, World!", 3) == "Khoor, Zruog!"
    assert shift("xyz XYZ", 2) == "zab ZAB"


def test_negative_and_large():
    assert shift("abc", -1) == "zab"
    assert shift("abc", 27) == "bcd"
    assert shift("abc", 26) == "abc"


def test_leaves_other_characters():
    assert shift("café 42 ß", 1) == "dbgé 42 ß"


def test_unshift_round_trips():
    text = "The quick brown fox, 1999."
    for n in (0, 5, -13, 100):
        assert unshift(shift(text, n), n) == text
