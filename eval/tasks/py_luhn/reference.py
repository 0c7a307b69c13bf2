def _digits(text):
    stripped = text.replace(" ", "")
    if not stripped.isdigit() or not stripped.isascii():
        return None
    return [int(c) for c in stripped]


def _sum(digits, double_first_from_right):
    total = 0
    for i, d in enumerate(reversed(digits)):
        if (i % 2 == 0) == double_first_from_right:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total


def is_valid(number):
    """Whether the digits of `number` (spaces ignored) pass the Luhn check."""
    digits = _digits(number)
    if digits is None or len(digits) < 2:
        return False
    return _sum(digits, False) % 10 == 0


def check_digit(partial):
    """The digit that makes `partial` + digit valid."""
    digits = _digits(partial)
    if digits is None:
        raise ValueError("digits and spaces only, at least one digit")
    return (10 - _sum(digits, True) % 10) % 10
