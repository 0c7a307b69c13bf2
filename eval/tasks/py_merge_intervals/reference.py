def merge(intervals):
    """Sorted union of closed intervals; touching ones are joined."""
    for s, e in intervals:
        if s > e:
            raise ValueError(f"interval ({s}, {e}) ends before it starts")
    out = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def covered(intervals):
    """Total length of the union."""
    return sum(e - s for s, e in merge(intervals))


def gaps(intervals, start, end):
    """Free stretches of [start, end]."""
    free = []
    cursor = start
    for s, e in merge(intervals):
        if e <= cursor:
            continue
        if s >= end:
            break
        if s > cursor:
            free.append((cursor, s))
        cursor = max(cursor, e)
    if cursor < end:
        free.append((cursor, end))
    return free
