def _check(matrix):
    if matrix and any(len(row) != len(matrix[0]) for row in matrix):
        raise ValueError("rows must have the same length")


def spiral(matrix):
    """Elements clockwise from the top-left corner."""
    _check(matrix)
    out = []
    top, bottom = 0, len(matrix) - 1
    left, right = 0, (len(matrix[0]) - 1) if matrix else -1
    while top <= bottom and left <= right:
        out.extend(matrix[top][c] for c in range(left, right + 1))
        out.extend(matrix[r][right] for r in range(top + 1, bottom + 1))
        if top < bottom:
            out.extend(matrix[bottom][c] for c in range(right - 1, left - 1, -1))
        if left < right:
            out.extend(matrix[r][left] for r in range(bottom - 1, top, -1))
        top, bottom, left, right = top + 1, bottom - 1, left + 1, right - 1
    return out


def rotate(matrix):
    """A new matrix turned 90 degrees clockwise."""
    _check(matrix)
    return [list(row) for row in zip(*matrix[::-1])]
