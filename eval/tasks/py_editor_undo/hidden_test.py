from editor import Editor


def test_insert_move_backspace():
    e = Editor()
    e.insert("hello world")
    e.move(5)
    e.insert(",")
    assert (e.text, e.cursor) == ("hello, world", 6)
    e.backspace(3)
    assert (e.text, e.cursor) == ("hel world", 3)
    e.move(-5)
    assert e.cursor == 0
    e.move(100)
    assert e.cursor == len(e.text)


def test_undo_restores_text_and_cursor():
    e = Editor()
    e.insert("abc")
    e.move(1)
    e.insert("X")
    e.backspace(2)
    assert e.text == "bc"
    assert e.undo() is True
    assert (e.text, e.cursor) == ("aXbc", 2)
    assert e.undo() is True
    assert (e.text, e.cursor) == ("abc", 1)
    assert e.undo() is True
    assert (e.text, e.cursor) == ("", 0)
    assert e.undo() is False


def test_redo_and_its_clearing():
    e = Editor()
    e.insert("one")
    e.insert(" two")
    e.undo()
    assert e.redo() is True
    assert e.text == "one two"
    assert e.redo() is False
    e.undo()
    e.insert("!")
    assert e.redo() is False
    assert e.text == "one!"


def test_empty_backspace_not_recorded():
    e = Editor()
    e.insert("ab")
    e.move(0)
    e.backspace()
    assert e.text == "ab"
    assert e.undo() is True
    assert e.text == ""
