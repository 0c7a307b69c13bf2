/**
 * Python answers in the shapes coder models write them: prose around fenced
 * ```python blocks, names in the info string, on the line before, or as a
 * `# file.py` first-line comment; pytest-style and unittest-style tests,
 * `if __name__ == "__main__":` blocks, `<think>` first, and broken ones.
 * Entries with `run: "now"` pass in the Pyodide sandbox.
 *
 * @module
 */
import type { CorpusEntry } from "./replies.ts";

const F = "```";

const SLUG_PY = `"""Turns titles into URL slugs."""
import re
import unicodedata


def slugify(title: str) -> str:
    """Lower-cases the title and joins its ASCII words with dashes."""
    text = unicodedata.normalize("NFKD", title)
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")`;

const SLUG_PYTEST = `import pytest

from slugify import slugify


def test_joins_words_with_dashes():
    assert slugify("Hello World") == "hello-world"


def test_drops_accents():
    assert slugify("Crème Brûlée") == "creme-brulee"


@pytest.mark.parametrize("title,expected", [("  a  ", "a"), ("A--B", "a-b")])
def test_trims_and_collapses(title, expected):
    assert slugify(title) == expected`;

const SLUG_UNITTEST = `import unittest

from slugify import slugify


class TestSlugify(unittest.TestCase):
    def test_joins_words(self):
        self.assertEqual(slugify("Hello World"), "hello-world")

    def test_empty(self):
        self.assertEqual(slugify(""), "")


if __name__ == "__main__":
    unittest.main()`;

const STACK_PY = `class Stack:
    """A last-in, first-out stack."""

    def __init__(self):
        self._items = []

    def push(self, item):
        """Adds an item on top."""
        self._items.append(item)

    def pop(self):
        """Removes and returns the top item; IndexError when empty."""
        if not self._items:
            raise IndexError("pop from an empty stack")
        return self._items.pop()

    def __len__(self):
        return len(self._items)


if __name__ == "__main__":
    s = Stack()
    s.push(1)
    print(s.pop())`;

const STACK_PYTEST = `import pytest
from stack import Stack


@pytest.fixture
def stack():
    return Stack()


def test_pop_returns_last_pushed(stack):
    stack.push(1)
    stack.push(2)
    assert stack.pop() == 2
    assert len(stack) == 1


def test_pop_empty_raises(stack):
    with pytest.raises(IndexError, match="empty"):
        stack.pop()`;

const MEAN_PY = `def mean(values):
    """The arithmetic mean of a non-empty sequence."""
    if not values:
        raise ValueError("mean of an empty sequence")
    return sum(values) / len(values)`;

const MEAN_TEST = `import pytest
from stats import mean


def test_mean_of_floats():
    assert mean([0.1, 0.2, 0.3]) == pytest.approx(0.2)


def test_empty_is_an_error():
    with pytest.raises(ValueError):
        mean([])`;

const THINK =
  "<think>\nThe user wants slugify in Python. I'll use unicodedata.normalize('NFKD') and re.sub, then pytest tests: test_joins_words... Something like `def slugify(title: str) -> str`.\n</think>\n\n";

const SLUG_PY_FILES = {
  "slugify.py": "source",
  "test_slugify.py": "test",
} as const;

/** Python code answers. */
export const PYTHON_CORPUS: readonly CorpusEntry[] = [
  {
    id: "py-info-file-pytest",
    model: "qwen2.5-coder",
    language: "python",
    reply:
      `Here's a Python implementation of \`slugify\` with pytest tests.\n\n${F}python file=slugify.py\n${SLUG_PY}\n${F}\n\nAnd the tests:\n\n${F}python file=test_slugify.py\n${SLUG_PYTEST}\n${F}\n\nRun them with:\n\n${F}bash\npytest -q\n${F}\n`,
    expect: { files: SLUG_PY_FILES },
    run: "now",
  },
  {
    id: "py-bold-before-fence-unittest",
    model: "deepseek-coder",
    language: "python",
    reply:
      `Sure! Below is the module and a unittest suite.\n\n**slugify.py**\n\n${F}python\n${SLUG_PY}\n${F}\n\n**test_slugify.py**\n\n${F}python\n${SLUG_UNITTEST}\n${F}\n\nYou can run the tests with \`python -m unittest\`.`,
    expect: { files: SLUG_PY_FILES },
    run: "now",
  },
  {
    id: "py-first-line-comment",
    model: "codellama",
    language: "python",
    reply:
      `${F}python\n# slugify.py\n${SLUG_PY}\n${F}\n\n${F}python\n# test_slugify.py\n${SLUG_PYTEST}\n${F}`,
    expect: { files: SLUG_PY_FILES },
    run: "now",
  },
  {
    id: "py-heading-suffix-test-main-block",
    model: "llama3",
    language: "python",
    reply:
      `### File: \`stack.py\`\n\n${F}py\n${STACK_PY}\n${F}\n\n### File: \`stack_test.py\`\n\n${F}py\n${STACK_PYTEST}\n${F}\n\nThe \`if __name__ == "__main__":\` block lets you try the stack by hand.`,
    expect: { files: { "stack.py": "source", "stack_test.py": "test" } },
    run: "now",
  },
  {
    id: "py-think-unnamed",
    model: "qwen3",
    language: "python",
    reply:
      `${THINK}Here is the code:\n\n${F}python\n${SLUG_PY}\n${F}\n\nTests:\n\n${F}python\n${SLUG_PYTEST}\n${F}`,
    expect: { files: SLUG_PY_FILES },
    run: "now",
  },
  {
    id: "py-title-python3-approx",
    model: "deepseek-r1",
    language: "python",
    reply:
      `<think>\nmean with pytest.approx for floats.\n</think>\n\n${F}python3 title="stats.py"\n${MEAN_PY}\n${F}\n\n${F}python3 title="tests/test_stats.py"\n${MEAN_TEST}\n${F}\n\n${F}text file=requirements.txt\npytest\n${F}`,
    expect: {
      files: {
        "stats.py": "source",
        "tests/test_stats.py": "test",
        "requirements.txt": "doc",
      },
    },
  },
  {
    id: "py-conftest-and-readme",
    model: "qwen2.5-coder",
    language: "python",
    reply:
      `${F}python file=stack.py\n${STACK_PY}\n${F}\n${F}python file=conftest.py\nimport pytest\n${F}\n${F}python file=test_stack.py\n${STACK_PYTEST}\n${F}\n${F}markdown file=README.md\n# stack\n\nA LIFO stack.\n${F}`,
    expect: {
      files: {
        "stack.py": "source",
        "conftest.py": "test",
        "test_stack.py": "test",
        "README.md": "doc",
      },
    },
    run: "now",
  },
  {
    id: "py-third-party-import",
    model: "llama3",
    language: "python",
    reply:
      `${F}python file=stats.py\nimport numpy as np\n\n\ndef mean(values):\n    return float(np.mean(values))\n${F}\n${F}python file=test_stats.py\nfrom stats import mean\n\n\ndef test_mean():\n    assert mean([1, 2, 3]) == 2\n${F}`,
    expect: { files: { "stats.py": "source", "test_stats.py": "test" } },
  },
  {
    id: "py-only-source",
    model: "codellama",
    language: "python",
    reply:
      `Here is the function:\n\n${F}python file=slugify.py\n${SLUG_PY}\n${F}\n\nYou can test it with pytest.`,
    expect: { problem: "no_tests" },
  },
  {
    id: "py-only-tests",
    model: "deepseek-coder",
    language: "python",
    reply: `${F}python file=test_slugify.py\n${SLUG_PYTEST}\n${F}`,
    expect: { problem: "no_source" },
  },
  {
    id: "py-tests-named-like-source",
    model: "llama3",
    language: "python",
    reply:
      `${F}python file=slugify.py\n${SLUG_PY}\n${F}\n${F}python file=tests.py\n${SLUG_PYTEST}\n${F}`,
    expect: { problem: "no_tests" },
  },
];
