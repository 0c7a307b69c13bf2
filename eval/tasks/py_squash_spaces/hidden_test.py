from squash import squash


def test_collapses_runs():
    assert squash("  a \t b\n\nc  ") == "a b c"


def test_empty_and_blank():
    assert squash("") == ""
    assert squash(" \t\n ") == ""


def test_keeps_newlines_when_asked():
    assert squash(" one  two \n\n  three\t\n", keep_newlines=True) == "one two\nthree"


def test_leaves_clean_text_alone():
    assert squash("already clean") == "already clean"
