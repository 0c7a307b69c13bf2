"""A small pytest compatibility module for the Troupe Python sandbox.

pytest itself cannot be installed offline, so the parts generated tests use
most are provided here: ``raises`` (with ``match=``), ``approx``,
``mark.parametrize``, ``mark.skip``/``skipif``/``xfail``, ``fixture`` (plain
and yield fixtures), ``param``, ``skip``, ``fail`` and ``importorskip``. The
sandbox's runner (``_troupe_runner``) reads the marks and fixtures set here.
"""

import math
import re

__all__ = [
    "approx",
    "fail",
    "fixture",
    "importorskip",
    "mark",
    "param",
    "raises",
    "skip",
    "ExceptionInfo",
]

_FIXTURE_ATTR = "_troupe_fixture"
_MARKS_ATTR = "_troupe_marks"


class Skipped(Exception):
    """Raised by :func:`skip`; the test is reported as ignored."""


class Failed(AssertionError):
    """Raised by :func:`fail` and by :func:`raises` when nothing was raised."""


def skip(reason=""):
    """Skips the running test."""
    raise Skipped(reason)


def fail(reason=""):
    """Fails the running test with ``reason``."""
    raise Failed(reason)


def importorskip(modname, minversion=None, reason=None):
    """Imports ``modname`` or skips the test when it cannot be imported."""
    import importlib

    try:
        return importlib.import_module(modname)
    except ImportError as error:
        raise Skipped(reason or f"could not import {modname!r}: {error}")


class ExceptionInfo:
    """What :func:`raises` caught: ``type``, ``value``, ``tb`` and ``match``."""

    def __init__(self):
        self.type = None
        self.value = None
        self.tb = None

    def match(self, pattern):
        text = str(self.value)
        if not re.search(pattern, text):
            raise AssertionError(
                f"Regex pattern did not match.\n Regex: {pattern!r}\n Input: {text!r}"
            )
        return True

    def __repr__(self):
        return f"<ExceptionInfo {self.type.__name__ if self.type else None}: {self.value!r}>"


class _RaisesContext:
    def __init__(self, expected, match):
        self.expected = expected
        self.match_pattern = match
        self.excinfo = ExceptionInfo()

    def __enter__(self):
        return self.excinfo

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            raise Failed(f"DID NOT RAISE {_names(self.expected)}")
        if not issubclass(exc_type, self.expected):
            return False
        self.excinfo.type = exc_type
        self.excinfo.value = exc
        self.excinfo.tb = tb
        if self.match_pattern is not None:
            self.excinfo.match(self.match_pattern)
        return True


def _names(expected):
    if isinstance(expected, tuple):
        return " or ".join(e.__name__ for e in expected)
    return expected.__name__


def raises(expected_exception, *args, match=None, **kwargs):
    """``with raises(E, match="re"):`` or ``raises(E, func, *args)``."""
    context = _RaisesContext(expected_exception, match)
    if not args:
        return context
    func, *rest = args
    with context:
        func(*rest, **kwargs)
    return context.excinfo


class _Approx:
    def __init__(self, expected, rel, abs_):
        self.expected = expected
        self.rel = rel
        self.abs = abs_

    def _close(self, actual, expected):
        if isinstance(expected, (list, tuple)):
            return (
                isinstance(actual, (list, tuple))
                and len(actual) == len(expected)
                and all(self._close(a, e) for a, e in zip(actual, expected))
            )
        if isinstance(expected, dict):
            return (
                isinstance(actual, dict)
                and actual.keys() == expected.keys()
                and all(self._close(actual[k], expected[k]) for k in expected)
            )
        if isinstance(expected, bool) or not isinstance(expected, (int, float, complex)):
            return actual == expected
        if isinstance(actual, bool) or not isinstance(actual, (int, float, complex)):
            return False
        if actual == expected:
            return True
        if isinstance(expected, float) and math.isnan(expected):
            return False
        if math.isinf(abs(expected)):
            return False
        abs_tol = 1e-12 if self.abs is None else self.abs
        rel_tol = 1e-6 if self.rel is None else self.rel
        if self.rel is None and self.abs is not None:
            rel_tol = 0
        tolerance = max(rel_tol * abs(expected), abs_tol)
        return abs(actual - expected) <= tolerance

    def __eq__(self, actual):
        return self._close(actual, self.expected)

    def __ne__(self, actual):
        return not self.__eq__(actual)

    __hash__ = None

    def __repr__(self):
        return f"approx({self.expected!r})"


def approx(expected, rel=None, abs=None):
    """A value equal to numbers (or lists, tuples, dicts of them) close to ``expected``."""
    return _Approx(expected, rel, abs)


class _Param:
    def __init__(self, values, marks, id):
        self.values = values
        self.marks = marks
        self.id = id


def param(*values, marks=(), id=None):
    """One parametrize case with its own marks or id."""
    if not isinstance(marks, (list, tuple)):
        marks = (marks,)
    return _Param(values, tuple(marks), id)


class Mark:
    """A mark with a name, its args and kwargs; applied by calling it on a test."""

    def __init__(self, name, args=(), kwargs=None):
        self.name = name
        self.args = args
        self.kwargs = kwargs or {}

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and not kwargs and callable(args[0]) and not self.args:
            target = args[0]
            marks = list(getattr(target, _MARKS_ATTR, []))
            marks.append(self)
            setattr(target, _MARKS_ATTR, marks)
            return target
        return Mark(self.name, self.args + args, {**self.kwargs, **kwargs})

    def __repr__(self):
        return f"Mark({self.name!r}, {self.args!r}, {self.kwargs!r})"


class _MarkGenerator:
    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return Mark(name)

    def parametrize(self, argnames, argvalues, ids=None, **kwargs):
        mark = Mark("parametrize", (argnames, list(argvalues)), {"ids": ids})
        return _Applier(mark)

    def skip(self, reason="", **kwargs):
        if callable(reason):
            return _Applier(Mark("skip", (), {"reason": ""}))(reason)
        return _Applier(Mark("skip", (), {"reason": kwargs.get("reason", reason)}))

    def skipif(self, condition, reason=""):
        return _Applier(Mark("skipif", (condition,), {"reason": reason}))

    def xfail(self, condition=True, reason="", raises=None, strict=False):
        if callable(condition) and not isinstance(condition, bool):
            return _Applier(Mark("xfail", (True,), {"reason": ""}))(condition)
        return _Applier(
            Mark("xfail", (condition,), {"reason": reason, "raises": raises, "strict": strict})
        )


class _Applier:
    def __init__(self, mark):
        self.mark = mark

    def __call__(self, target):
        marks = list(getattr(target, _MARKS_ATTR, []))
        marks.append(self.mark)
        setattr(target, _MARKS_ATTR, marks)
        return target


mark = _MarkGenerator()


class _FixtureDef:
    def __init__(self, func, scope, name, autouse, params):
        self.func = func
        self.scope = scope
        self.name = name
        self.autouse = autouse
        self.params = params


def fixture(func=None, *, scope="function", name=None, autouse=False, params=None):
    """Declares a fixture; a generator fixture's code after ``yield`` is its teardown."""

    def wrap(f):
        setattr(f, _FIXTURE_ATTR, _FixtureDef(f, scope, name or f.__name__, autouse, params))
        return f

    if func is not None and callable(func):
        return wrap(func)
    return wrap
