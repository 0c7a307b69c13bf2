def squash(text, keep_newlines=False):
    """Collapses runs of whitespace to one space; optionally keeps line breaks."""
    if not keep_newlines:
        return " ".join(text.split())
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)
