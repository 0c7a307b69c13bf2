class Editor:
    """Text and a cursor, with undo and redo of edits."""

    def __init__(self):
        self._text = ""
        self._cursor = 0
        self._undo = []
        self._redo = []

    @property
    def text(self):
        return self._text

    @property
    def cursor(self):
        return self._cursor

    def _apply(self, text, cursor):
        self._undo.append((self._text, self._cursor, text, cursor))
        self._redo.clear()
        self._text, self._cursor = text, cursor

    def insert(self, s):
        c = self._cursor
        self._apply(self._text[:c] + s + self._text[c:], c + len(s))

    def backspace(self, n=1):
        c = self._cursor
        start = max(0, c - n)
        if start == c:
            return
        self._apply(self._text[:start] + self._text[c:], start)

    def move(self, pos):
        self._cursor = max(0, min(len(self._text), pos))

    def undo(self):
        if not self._undo:
            return False
        edit = self._undo.pop()
        self._redo.append(edit)
        self._text, self._cursor = edit[0], edit[1]
        return True

    def redo(self):
        if not self._redo:
            return False
        edit = self._redo.pop()
        self._undo.append(edit)
        self._text, self._cursor = edit[2], edit[3]
        return True
