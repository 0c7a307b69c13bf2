import re

_TOKEN = re.compile(r"\s*(?:(\d+\.?\d*|\.\d+)|([A-Za-z_]\w*)|(.))")


def _tokens(text):
    out = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        number, name, op = m.groups()
        if number is not None:
            out.append(("num", float(number)))
        elif name is not None:
            out.append(("name", name))
        elif op in "+-*/^()":
            out.append(("op", op))
        else:
            raise ValueError(f"unexpected character {op!r} at {m.start(3)}")
        pos = m.end()
    out.append(("end", None))
    return out


class _Parser:
    def __init__(self, tokens, variables):
        self.tokens = tokens
        self.i = 0
        self.vars = variables

    def peek(self):
        return self.tokens[self.i]

    def take(self):
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expr(self):
        value = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            right = self.term()
            value = value + right if op == "+" else value - right
        return value

    def term(self):
        value = self.unary()
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.take()[1]
            right = self.unary()
            if op == "*":
                value *= right
            else:
                if right == 0:
                    raise ZeroDivisionError("division by zero")
                value /= right
        return value

    def unary(self):
        if self.peek() in (("op", "-"), ("op", "+")):
            op = self.take()[1]
            value = self.unary()
            return -value if op == "-" else value
        return self.power()

    def power(self):
        base = self.atom()
        if self.peek() == ("op", "^"):
            self.take()
            return base ** self.unary()
        return base

    def atom(self):
        kind, value = self.take()
        if kind == "num":
            return value
        if kind == "name":
            if value not in self.vars:
                raise NameError(f"unknown variable {value!r}")
            return float(self.vars[value])
        if (kind, value) == ("op", "("):
            inner = self.expr()
            if self.take() != ("op", ")"):
                raise ValueError("missing closing parenthesis")
            return inner
        raise ValueError(f"unexpected {value if value is not None else 'end of input'!r}")


def evaluate(expression, variables=None):
    """The value of `expression` as a float."""
    parser = _Parser(_tokens(expression), variables or {})
    value = parser.expr()
    if parser.peek()[0] != "end":
        raise ValueError(f"unexpected {parser.peek()[1]!r}")
    return float(value)
