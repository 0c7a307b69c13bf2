from datetime import timedelta

_LIMITS = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]


def _field(text, low, high):
    values = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"bad step in {text!r}")
            step = int(step_text)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            if not (a.isdigit() and b.isdigit()):
                raise ValueError(f"bad range {part!r}")
            start, end = int(a), int(b)
        elif part.isdigit():
            start = end = int(part)
        else:
            raise ValueError(f"bad field {text!r}")
        if start < low or end > high or start > end:
            raise ValueError(f"{part!r} is outside {low}-{high} or reversed")
        values.update(range(start, end + 1, step))
    return values


def _parse(expression):
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError("a cron expression has five fields")
    sets = [_field(f, lo, hi) for f, (lo, hi) in zip(fields, _LIMITS)]
    if 7 in sets[4]:
        sets[4] = (sets[4] - {7}) | {0}
    return sets, fields[2] != "*", fields[4] != "*"


def _matches(parsed, when):
    (minutes, hours, days, months, weekdays), dom_set, dow_set = parsed
    if when.minute not in minutes or when.hour not in hours or when.month not in months:
        return False
    dom = when.day in days
    dow = (when.isoweekday() % 7) in weekdays
    if dom_set and dow_set:
        return dom or dow
    return dom and dow


def matches(expression, when):
    """Whether `when` matches the five-field cron `expression`."""
    return _matches(_parse(expression), when)


def next_match(expression, after):
    """The first matching minute strictly after `after`."""
    parsed = _parse(expression)
    t = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    limit = after + timedelta(days=366 * 4 + 1)
    while t <= limit:
        if not _matches(parsed, t):
            if t.month not in parsed[0][3]:
                t = (t.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
                continue
            if t.hour not in parsed[0][1]:
                t = t.replace(minute=0) + timedelta(hours=1)
                continue
            t += timedelta(minutes=1)
            continue
        return t
    raise ValueError(f"{expression!r} matches nothing in four years")
