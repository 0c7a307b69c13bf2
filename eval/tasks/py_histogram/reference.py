import math


def histogram(values, width):
    """Counts `values` into buckets `width` wide, keyed by bucket start, ascending."""
    if width <= 0:
        raise ValueError("width must be positive")
    counts = {}
    for v in values:
        start = math.floor(v / width) * width
        counts[start] = counts.get(start, 0) + 1
    return {k: counts[k] for k in sorted(counts)}


def render(hist, bar="#"):
    """One line per bucket: `start: ###`."""
    return "\n".join(f"{start}: {bar * count}" for start, count in hist.items())
