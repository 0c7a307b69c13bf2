def parse_ini(text):
    """Sections of key -> value strings."""
    data = {}
    section = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            data.setdefault(section, {})
            continue
        cuts = [i for i in (line.find("="), line.find(":")) if i != -1]
        if not cuts:
            raise ValueError(f"line {number}: expected [section] or key = value")
        cut = min(cuts)
        key = line[:cut].strip()
        if not key:
            raise ValueError(f"line {number}: empty key")
        data.setdefault(section, {})[key] = line[cut + 1:].strip()
    return data


def dump_ini(data):
    """Text that `parse_ini` reads back as `data`."""
    lines = []
    for section, values in data.items():
        if section or lines:
            lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"
