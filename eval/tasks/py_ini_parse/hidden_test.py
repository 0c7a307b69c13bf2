import pytest
from ini import dump_ini, parse_ini

TEXT = """
; global settings
name = demo
[server]
host = localhost
port: 8080
  # a comment
url = http://x:1/?a=b
[ client ]
retries=3
[server]
port = 9090
"""


def test_sections_and_keys():
    data = parse_ini(TEXT)
    assert data[""] == {"name": "demo"}
    assert data["server"] == {"host": "localhost", "port": "9090", "url": "http://x:1/?a=b"}
    assert data["client"] == {"retries": "3"}


def test_first_separator_wins():
    assert parse_ini("a: b = c\nd = e: f") == {"": {"a": "b = c", "d": "e: f"}}


def test_bad_line_names_its_number():
    with pytest.raises(ValueError, match="line 3"):
        parse_ini("[s]\nk = v\nnot a pair\n")


def test_round_trip():
    data = parse_ini(TEXT)
    assert parse_ini(dump_ini(data)) == data
    assert parse_ini(dump_ini({"s": {"k": "v"}})) == {"s": {"k": "v"}}
