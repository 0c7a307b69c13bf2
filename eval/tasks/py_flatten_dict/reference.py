def flatten(d, sep="."):
    """Nested dicts to one level with joined keys."""
    out = {}

    def walk(prefix, value):
        if isinstance(value, dict) and value:
            for key, inner in value.items():
                walk(f"{prefix}{sep}{key}" if prefix else str(key), inner)
        else:
            out[prefix] = value

    for key, value in d.items():
        walk(str(key), value)
    return out


def unflatten(flat, sep="."):
    """The reverse of `flatten`; conflicting keys raise ValueError."""
    root = {}
    for key, value in flat.items():
        parts = key.split(sep)
        node = root
        for i, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ValueError(f"key {sep.join(parts[: i + 1])!r} conflicts with {key!r}")
            node = child
        last = parts[-1]
        if last in node:
            raise ValueError(f"key {key!r} conflicts with another key")
        node[last] = value
    return root
