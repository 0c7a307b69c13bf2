"""Test runner inside the Troupe Python sandbox (Pyodide).

The JavaScript side drives it one call at a time so that Python never holds a
reference to a JavaScript object: ``install_guard()`` once, ``collect(config)``
(static import check, then discovery), ``run_one(test_id)`` for each collected
test, then ``finish()``. Every call returns a JSON string.

Discovery: ``test_*.py`` and ``*_test.py`` files; in them ``unittest.TestCase``
subclasses and pytest-style ``test_*`` functions and ``Test*`` classes (no
``__init__``), with the fixtures and marks of the in-repo ``pytest`` module.
"""

import ast
import importlib
import importlib.abc
import importlib.util
import inspect
import json
import linecache
import os
import sys
import tempfile
import traceback
import unittest

import pytest as _pytest

WORKSPACE = "/workspace"
MAX_MESSAGE = 4000

# Modules that reach the JavaScript engine (Pyodide's bridges) or raw memory.
BRIDGE_MODULES = {
    "js": "Pyodide's bridge to the JavaScript global scope",
    "pyodide": "Pyodide's bridge to the JavaScript engine",
    "pyodide_js": "Pyodide's JavaScript API",
    "_pyodide": "Pyodide's internals",
    "_pyodide_core": "Pyodide's internals",
    "micropip": "package installation (no network here)",
    "ctypes": "raw memory and foreign functions",
    "_ctypes": "raw memory and foreign functions",
}

_state = {
    "guard": None,
    "tests": {},
    "order": [],
    "fixture_cache": {},
    "fixture_finalizers": {"module": [], "session": []},
    "unittest_suite": None,
    "unittest_result": None,
    "current_module": None,
    "config": {},
}


class ImportRefused(ModuleNotFoundError):
    """An import the sandbox does not allow."""


class ImportGuard(importlib.abc.MetaPathFinder):
    """Refuses every import that is not the standard library or the workspace's."""

    def __init__(self, allowed_extra):
        self.allowed_extra = set(allowed_extra)
        self.refused = {}

    def allowed(self, top):
        if top in BRIDGE_MODULES:
            return False
        return (
            top in sys.stdlib_module_names
            or top in sys.builtin_module_names
            or top in self.allowed_extra
        )

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.split(".")[0]
        if self.allowed(top):
            return None
        why = BRIDGE_MODULES.get(top, "not in the Python standard library or the workspace")
        self.refused.setdefault(top, why)
        raise ImportRefused(
            f"import of {top!r} refused by the sandbox: {why}; "
            "only the Python standard library and the workspace's own modules can be imported",
            name=fullname,
        )


def workspace_modules(paths):
    """Top-level names the workspace provides: every .py stem and every folder."""
    names = {"pytest", "_troupe_runner"}
    for path in paths:
        parts = path.split("/")
        names.update(p for p in parts[:-1] if p.isidentifier())
        if parts[-1].endswith(".py"):
            names.add(parts[-1][:-3])
    return names


def install_guard(paths_json):
    """Drops Pyodide's bridge modules and installs the import hook."""
    paths = json.loads(paths_json)
    for name in list(sys.modules):
        if name.split(".")[0] in BRIDGE_MODULES:
            del sys.modules[name]
    guard = ImportGuard(workspace_modules(paths))
    sys.meta_path.insert(0, guard)
    _state["guard"] = guard
    return json.dumps({"ok": True})


def _catches_import_error(handlers):
    for handler in handlers:
        if handler.type is None:
            return True
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        for t in types:
            if isinstance(t, ast.Name) and t.id in (
                "ImportError",
                "ModuleNotFoundError",
                "Exception",
                "BaseException",
            ):
                return True
    return False


class _ImportScanner(ast.NodeVisitor):
    def __init__(self):
        self.found = []  # (name, line)
        self.optional_depth = 0

    def visit_Try(self, node):
        optional = _catches_import_error(node.handlers)
        if optional:
            self.optional_depth += 1
        for stmt in node.body:
            self.visit(stmt)
        if optional:
            self.optional_depth -= 1
        for part in (node.handlers, node.orelse, node.finalbody):
            for stmt in part:
                self.visit(stmt)

    visit_TryStar = visit_Try

    def _add(self, name, node):
        if self.optional_depth == 0 and name:
            self.found.append((name.split(".")[0], node.lineno))

    def visit_Import(self, node):
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node):
        if node.level == 0 and node.module:
            self._add(node.module, node)

    def visit_Call(self, node):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if (
            name in ("__import__", "import_module")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            self._add(node.args[0].value, node)
        self.generic_visit(node)


def check_imports(sources, guard):
    """Statically lists the imports of every file that the guard would refuse."""
    refused = {}
    for path, source in sources.items():
        try:
            tree = ast.parse(source, filename=path)
        except SyntaxError:
            continue  # reported when the file is imported
        scanner = _ImportScanner()
        scanner.visit(tree)
        for name, line in scanner.found:
            if not guard.allowed(name) and name not in refused:
                why = BRIDGE_MODULES.get(name, "not in the Python standard library or the workspace")
                refused[name] = f"{why} (imported in {path}, line {line})"
    return [{"specifier": name, "reason": why} for name, why in refused.items()]


def is_test_file(path):
    base = path.split("/")[-1]
    return base.endswith(".py") and (base.startswith("test_") or base.endswith("_test.py"))


def _format_failure(exc_type, exc, tb, skip_frames=0):
    frames = traceback.extract_tb(tb)
    user = [f for f in frames if f.filename.startswith(WORKSPACE + "/")]
    kept = user if user else frames[skip_frames:]
    lines = ["Traceback (most recent call last):\n"]
    lines += traceback.format_list(kept)
    detail = "".join(traceback.format_exception_only(exc_type, exc)).rstrip()
    if exc_type is AssertionError and not exc.args and tb is not None:
        explained = _explain_assert(tb)
        if explained:
            detail = f"AssertionError: {explained}"
    lines.append(detail)
    text = "".join(lines).replace(WORKSPACE + "/", "")
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE] + "\n[... cut ...]"
    return text


def _reevaluable(node):
    """Whether evaluating ``node`` again cannot change what the test saw.

    Method calls (``stack.pop()``), walrus, await and yield may have side
    effects, so a second evaluation could show a value the assertion never
    compared; plain function calls (``slugify("A B")``) are taken as pure.
    """
    for sub in ast.walk(node):
        if isinstance(sub, (ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)):
            return False
        if isinstance(sub, ast.Call) and not isinstance(sub.func, ast.Name):
            return False
    return True


def _explain_assert(tb):
    """``assert a == b`` failed without a message: show both sides' values
    when they can be evaluated again safely, else the assertion itself."""
    while tb.tb_next is not None:
        tb = tb.tb_next
    frame = tb.tb_frame
    if not frame.f_code.co_filename.startswith(WORKSPACE + "/"):
        return None
    try:
        source = "".join(
            linecache.getline(frame.f_code.co_filename, n)
            for n in range(tb.tb_lineno, tb.tb_lineno + 20)
        )
        node = None
        for end in range(len(source), 0, -1):
            try:
                node = ast.parse(source[:end].strip()).body[0]
                break
            except SyntaxError:
                continue
        if not isinstance(node, ast.Assert) or not isinstance(node.test, ast.Compare):
            return f"assert {ast.unparse(node.test)}" if isinstance(node, ast.Assert) else None
        compare = node.test
        if len(compare.ops) != 1 or not _reevaluable(compare):
            return f"assert {ast.unparse(compare)}"
        env = dict(frame.f_globals)
        env.update(frame.f_locals)
        left = eval(compile(ast.Expression(compare.left), "<assert>", "eval"), env)
        right = eval(compile(ast.Expression(compare.comparators[0]), "<assert>", "eval"), env)
        op = ast.unparse(ast.Compare(ast.Name("a"), compare.ops, [ast.Name("b")]))[2:-2]
        return f"assert {left!r} {op} {right!r}\n  where the assertion was: assert {ast.unparse(compare)}"
    except Exception:
        return None


def _import_test_module(path):
    directory, base = os.path.split(os.path.join(WORKSPACE, path))
    if directory not in sys.path:
        sys.path.insert(0, directory)
    name = base[:-3]
    if name in sys.modules and getattr(sys.modules[name], "__file__", None) != os.path.join(directory, base):
        raise ImportError(f"two test modules are named {name!r}; rename one of them")
    return importlib.import_module(name)


def _marks(obj):
    return list(getattr(obj, _pytest._MARKS_ATTR, []))


def _param_cases(func):
    """Expands stacked parametrize marks into (suffix, kwargs, marks) cases."""
    cases = [("", {}, [])]
    for mark in reversed([m for m in _marks(func) if m.name == "parametrize"]):
        argnames, argvalues = mark.args
        names = [n.strip() for n in argnames.split(",")] if isinstance(argnames, str) else list(argnames)
        ids = mark.kwargs.get("ids")
        expanded = []
        for index, value in enumerate(argvalues):
            marks = []
            case_id = None
            if isinstance(value, _pytest._Param):
                marks = list(value.marks)
                case_id = value.id
                value = value.values if len(names) > 1 else value.values[0]
            values = list(value) if len(names) > 1 else [value]
            if len(values) != len(names):
                raise TypeError(f"parametrize: {len(names)} names but case {index} has {len(values)} values")
            if case_id is None and ids is not None:
                case_id = ids(value) if callable(ids) else ids[index]
            if case_id is None:
                case_id = "-".join(_id_of(v, n, index) for v, n in zip(values, names))
            for suffix, kwargs, prior in cases:
                expanded.append(
                    (f"{suffix}-{case_id}" if suffix else str(case_id), {**kwargs, **dict(zip(names, values))}, prior + marks)
                )
        cases = expanded
    return cases


def _id_of(value, name, index):
    if isinstance(value, (int, float, str, bool)) or value is None:
        text = str(value)
        return text if len(text) <= 30 else f"{name}{index}"
    return f"{name}{index}"


def _fixtures_of(*namespaces):
    found = {}
    for namespace in namespaces:
        for value in list(vars(namespace).values()):
            definition = getattr(value, _pytest._FIXTURE_ATTR, None)
            if definition is not None:
                found[definition.name] = definition
    return found


def _conftests(path):
    modules = []
    parts = path.split("/")[:-1]
    for depth in range(len(parts) + 1):
        candidate = "/".join(parts[:depth] + ["conftest.py"])
        if os.path.exists(os.path.join(WORKSPACE, candidate)):
            directory = os.path.dirname(os.path.join(WORKSPACE, candidate))
            name = "conftest" if depth == 0 else "conftest_" + "_".join(parts[:depth])
            if name not in sys.modules:
                spec = importlib.util.spec_from_file_location(name, os.path.join(directory, "conftest.py"))
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
            modules.append(sys.modules[name])
    return modules


def _register(test_id, name, path, kind, payload):
    _state["tests"][test_id] = {"name": name, "file": path, "kind": kind, **payload}
    _state["order"].append(test_id)


def _collect_module(path, module, fixtures):
    for attr, value in list(vars(module).items()):
        if isinstance(value, type) and issubclass(value, unittest.TestCase):
            if value.__module__ != module.__name__:
                continue
            for method in unittest.TestLoader().getTestCaseNames(value):
                name = f"{value.__name__}::{method}"
                _register(f"{path}::{name}", name, path, "unittest", {"cls": value, "method": method})
        elif isinstance(value, type) and attr.startswith("Test"):
            if value.__module__ != module.__name__ or "__init__" in vars(value):
                continue
            for method_name in sorted(dir(value)):
                method = getattr(value, method_name, None)
                if method_name.startswith("test") and callable(method):
                    for suffix, params, marks in _param_cases(method):
                        name = f"{value.__name__}::{method_name}" + (f"[{suffix}]" if suffix else "")
                        _register(
                            f"{path}::{name}",
                            name,
                            path,
                            "pytest",
                            {"cls": value, "func": method_name, "params": params, "marks": _marks(method) + marks, "fixtures": fixtures},
                        )
        elif inspect.isfunction(value) and attr.startswith("test") and value.__module__ == module.__name__:
            for suffix, params, marks in _param_cases(value):
                name = attr + (f"[{suffix}]" if suffix else "")
                _register(
                    f"{path}::{name}",
                    name,
                    path,
                    "pytest",
                    {"cls": None, "func": value, "params": params, "marks": _marks(value) + marks, "fixtures": fixtures},
                )


def collect(config_json):
    """Checks imports, imports the test files and lists their tests."""
    config = json.loads(config_json)
    _state["config"] = config
    paths = config["paths"]
    os.chdir(WORKSPACE)
    if WORKSPACE not in sys.path:
        sys.path.insert(0, WORKSPACE)
    guard = _state["guard"] or ImportGuard(workspace_modules(paths))
    sources = {}
    for path in paths:
        if path.endswith(".py"):
            with open(os.path.join(WORKSPACE, path), encoding="utf-8", errors="replace") as f:
                sources[path] = f.read()
    refused = check_imports(sources, guard) if config.get("guard", True) else []
    # The parent picks the test files (actors/languages/python.ts); is_test_file is the fallback.
    chosen = config.get("testFiles")
    test_files = [p for p in paths if p in chosen] if chosen is not None else [p for p in paths if is_test_file(p)]
    result = {"testFiles": test_files, "tests": [], "errors": [], "refused": refused, "exit": None}
    if refused:
        return json.dumps(result)
    max_tests = config.get("maxTests", 10000)
    for path in test_files:
        try:
            module = _import_test_module(path)
            fixtures = {}
            for conftest in _conftests(path):
                fixtures.update(_fixtures_of(conftest))
            fixtures.update(_fixtures_of(module))
            _collect_module(path, module, fixtures)
        except SystemExit as exit_:
            result["exit"] = {
                "file": path,
                "code": repr(exit_.code),
                "message": _format_failure(type(exit_), exit_, exit_.__traceback__),
            }
            break
        except BaseException as error:  # noqa: BLE001 - reported, not hidden
            result["errors"].append(
                {
                    "name": f"{path} (collection error)",
                    "file": path,
                    "message": _format_failure(type(error), error, error.__traceback__),
                }
            )
        if len(_state["order"]) > max_tests:
            break
    result["tests"] = [
        {"id": test_id, "name": _state["tests"][test_id]["name"], "file": _state["tests"][test_id]["file"]}
        for test_id in _state["order"]
    ]
    return json.dumps(result)


class _FixtureRequest:
    def __init__(self, fixtures):
        self.fixtures = fixtures
        self.finalizers = []  # function-scoped generator teardowns, LIFO

    def value(self, name, stack=()):
        if name in stack:
            raise RuntimeError(f"fixture {name!r} depends on itself: {' -> '.join(stack + (name,))}")
        if name == "tmp_path":
            import pathlib

            return pathlib.Path(tempfile.mkdtemp(prefix="pytest-"))
        if name == "request":
            return self
        definition = self.fixtures.get(name)
        if definition is None:
            raise LookupError(
                f"fixture {name!r} not found (available: {', '.join(sorted(self.fixtures)) or 'none'}, tmp_path)"
            )
        if definition.params is not None:
            raise NotImplementedError(f"fixture {name!r}: fixture params are not supported here; use parametrize")
        scope = definition.scope if definition.scope in ("module", "session", "class", "package") else "function"
        key = (name, _state["current_module"] if scope in ("module", "class") else None)
        if scope != "function" and key in _state["fixture_cache"]:
            return _state["fixture_cache"][key]
        kwargs = {
            arg: self.value(arg, stack + (name,))
            for arg in inspect.signature(definition.func).parameters
        }
        value = definition.func(**kwargs)
        if inspect.isgenerator(value):
            generator = value
            value = next(generator)
            finalizer = lambda g=generator: next(g, None)  # noqa: E731
            if scope == "function":
                self.finalizers.append(finalizer)
            else:
                bucket = "session" if scope in ("session", "package") else "module"
                _state["fixture_finalizers"][bucket].append(finalizer)
        if scope != "function":
            _state["fixture_cache"][key] = value
        return value


def _end_module_scope(next_module):
    if _state["current_module"] != next_module:
        errors = []
        while _state["fixture_finalizers"]["module"]:
            try:
                _state["fixture_finalizers"]["module"].pop()()
            except BaseException as error:  # noqa: BLE001
                errors.append(_format_failure(type(error), error, error.__traceback__))
        _state["fixture_cache"] = {k: v for k, v in _state["fixture_cache"].items() if k[1] is None}
        _state["current_module"] = next_module
        return errors
    return []


def _run_pytest(test):
    for mark in test["marks"]:
        if mark.name == "skip":
            return {"outcome": "ignored", "message": mark.kwargs.get("reason", "")}
        if mark.name == "skipif" and mark.args and mark.args[0]:
            return {"outcome": "ignored", "message": mark.kwargs.get("reason", "")}
    xfail = next((m for m in test["marks"] if m.name == "xfail" and (not m.args or m.args[0])), None)
    request = _FixtureRequest(test["fixtures"])
    failure = None
    try:
        for name, definition in test["fixtures"].items():
            if definition.autouse:
                request.value(name)
        if test["cls"] is not None:
            instance = test["cls"]()
            func = getattr(instance, test["func"])
            if hasattr(instance, "setup_method"):
                instance.setup_method(func)
        else:
            instance = None
            func = test["func"]
        kwargs = {}
        for arg in inspect.signature(func).parameters:
            kwargs[arg] = test["params"][arg] if arg in test["params"] else request.value(arg)
        try:
            returned = func(**kwargs)
            if inspect.isawaitable(returned):
                # Never awaited: its asserts did not run, so it must not pass.
                if hasattr(returned, "close"):
                    returned.close()
                return {"outcome": "failed", "message": ASYNC_UNSUPPORTED}
        finally:
            if instance is not None and hasattr(instance, "teardown_method"):
                instance.teardown_method(func)
    except _pytest.Skipped as skipped:
        return {"outcome": "ignored", "message": str(skipped)}
    except BaseException as error:  # noqa: BLE001 - a test's failure, SystemExit included
        failure = (type(error), error, error.__traceback__)
    finally:
        teardown_errors = []
        while request.finalizers:
            try:
                request.finalizers.pop()()
            except BaseException as error:  # noqa: BLE001
                teardown_errors.append(_format_failure(type(error), error, error.__traceback__))
    if xfail is not None:
        if failure is not None:
            return {"outcome": "ignored", "message": f"xfail: {xfail.kwargs.get('reason', '')}"}
        if xfail.kwargs.get("strict"):
            return {"outcome": "failed", "message": "[XPASS(strict)] the test was expected to fail"}
    if failure is not None:
        message = _format_failure(*failure)
        if isinstance(failure[1], SystemExit):
            message = f"the test called sys.exit({failure[1].code!r})\n{message}"
        return {"outcome": "failed", "message": message}
    if teardown_errors:
        return {"outcome": "failed", "message": "fixture teardown failed:\n" + "\n".join(teardown_errors)}
    return {"outcome": "passed", "message": ""}


class _Result(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.outcome = None

    def addError(self, test, err):
        super().addError(test, err)
        self.outcome = ("failed", _format_failure(*err))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.outcome = ("failed", _format_failure(*err))

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.outcome = ("failed", f"{subtest._subDescription()}\n" + _format_failure(*err))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.outcome = ("ignored", reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.outcome = ("ignored", "expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.outcome = ("failed", "unexpected success of a test marked expectedFailure")


def _run_unittest(test):
    suite = _state["unittest_suite"]
    if suite is None:
        suite = _state["unittest_suite"] = unittest.TestSuite()
        _state["unittest_result"] = _Result()
    result = _state["unittest_result"]
    case = test["cls"](test["method"])
    errors_before = len(result.errors)
    result.outcome = None
    # What TestSuite.run does between two tests: class and module fixtures.
    suite._tearDownPreviousClass(case, result)
    suite._handleModuleFixture(case, result)
    suite._handleClassSetUp(case, result)
    result._previousTestClass = case.__class__
    fixture_errors = [m for _, m in result.errors[errors_before:]]
    if getattr(case.__class__, "_classSetupFailed", False) or getattr(result, "_moduleSetUpFailed", False):
        return {"outcome": "failed", "message": "class or module setup failed:\n" + "\n".join(fixture_errors)}
    result.outcome = None
    try:
        case(result)
    except SystemExit as exit_:
        return {"outcome": "failed", "message": f"the test called sys.exit({exit_.code!r})"}
    if result.outcome is None:
        if fixture_errors:
            return {"outcome": "failed", "message": "the previous class's teardown failed:\n" + "\n".join(fixture_errors)}
        return {"outcome": "passed", "message": ""}
    outcome, message = result.outcome
    return {"outcome": outcome, "message": message}


ASYNC_UNSUPPORTED = (
    "async tests are not supported in the Python sandbox (asyncio has no event loop "
    "there); write the test and the code it calls as plain functions"
)


def _is_async_unittest(test):
    cls = test["cls"]
    method = getattr(cls, test["method"], None)
    return issubclass(cls, unittest.IsolatedAsyncioTestCase) or inspect.iscoroutinefunction(method)


def run_one(test_id):
    """Runs one collected test and returns its outcome."""
    test = _state["tests"][test_id]
    if test["kind"] == "unittest" and _is_async_unittest(test):
        return json.dumps({"outcome": "failed", "message": ASYNC_UNSUPPORTED})
    teardown_errors = _end_module_scope(test["file"])
    if test["kind"] == "unittest":
        result = _run_unittest(test)
    else:
        result = _run_pytest(test)
    if teardown_errors and result["outcome"] == "passed":
        result = {"outcome": "failed", "message": "module fixture teardown failed:\n" + "\n".join(teardown_errors)}
    return json.dumps(result)


def finish():
    """Tears down class, module and session fixtures; returns their errors."""
    errors = _end_module_scope(None)
    while _state["fixture_finalizers"]["session"]:
        try:
            _state["fixture_finalizers"]["session"].pop()()
        except BaseException as error:  # noqa: BLE001
            errors.append(_format_failure(type(error), error, error.__traceback__))
    suite = _state["unittest_suite"]
    if suite is not None:
        result = _state["unittest_result"]
        before = len(result.errors)
        suite._tearDownPreviousClass(None, result)
        suite._handleModuleTearDown(result)
        errors += [m for _, m in result.errors[before:]]
    guard = _state["guard"]
    refused = [{"specifier": k, "reason": v} for k, v in (guard.refused.items() if guard else [])]
    return json.dumps({"errors": errors, "refused": refused})

