def shift(text, n):
    """Moves each ASCII letter `n` places, wrapping, keeping case."""
    out = []
    for ch in text:
        if "a" <= ch <= "z":
            out.append(chr((ord(ch) - 97 + n) % 26 + 97))
        elif "A" <= ch <= "Z":
            out.append(chr((ord(ch) - 65 + n) % 26 + 65))
        else:
            out.append(ch)
    return "".join(out)


def unshift(text, n):
    """Undoes `shift(text, n)`."""
    return shift(text, -n)
