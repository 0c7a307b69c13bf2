/**
 * Python analysis on tree-sitter syntax trees: security rules (eval/exec,
 * unsafe deserialization, shells, SQL built from strings, weak hashes,
 * predictable randomness, TLS off, mktemp, secrets, asserts as access
 * checks), function metrics, public definitions and their docstrings.
 *
 * @module
 */

import {
  at,
  checkSecretAssignment,
  checkSecretText,
  collectLines,
  type ExportInfo,
  type FileFacts,
  type FileInput,
  type FunctionInfo,
  type LanguageModule,
  type Report,
  SECURE_NAME,
  SQL_TEXT,
  USER_INPUT,
} from "./model.ts";
import {
  ancestor,
  field,
  named,
  type SyntaxNode,
  textOf,
  walk,
} from "./tree.ts";

/** Node types that are functions. */
export const PY_FUNCTION_TYPES: ReadonlySet<string> = new Set([
  "function_definition",
  "lambda",
]);

const DECISIONS = new Set([
  "if_statement",
  "elif_clause",
  "for_statement",
  "while_statement",
  "except_clause",
  "conditional_expression",
  "boolean_operator",
  "if_clause",
  "for_in_clause",
  "case_clause",
]);
const NESTING = new Set([
  "if_statement",
  "for_statement",
  "while_statement",
  "try_statement",
  "with_statement",
  "match_statement",
]);
const DESERIALIZERS =
  /^(pickle|cPickle|_pickle|marshal|dill|shelve|jsonpickle)$/;
const RANDOM_CALLS =
  /^(random|randint|randrange|choice|choices|getrandbits|sample|shuffle|uniform)$/;
const SQL_CALLS =
  /^(execute|executemany|executescript|raw|read_sql|read_sql_query|text|mogrify)$/;
const PATH_CALLS =
  /^(open|send_file|send_from_directory|remove|unlink|rmtree|FileResponse|Path)$/;
const ACCESS_WORDS =
  /\b(is_)?(admin|auth|authenticated|authori[sz]ed|permission|permitted|allowed|owner|logged_in|role|staff|superuser|can_[a-z_]+|has_perm\w*)\b/i;

/** Python. */
export const pythonLanguage: LanguageModule = {
  id: "python",
  grammarFor: () => "python",
  analyze: analyzePython,
};

type Text = (node: SyntaxNode | undefined) => string;

function analyzePython(file: FileInput, report: Report): FileFacts {
  const { source, root } = file;
  const text: Text = (n) => n ? textOf(source, n) : "";
  const functions: FunctionInfo[] = [];
  walk(root, (node) => {
    switch (node.type) {
      case "call":
        callRules(node, file, text, report);
        break;
      case "string":
        checkSecretText(text(node), at(node), report);
        stringSqlRule(node, text, report);
        break;
      case "binary_operator":
        if (node.parent?.type !== "binary_operator") {
          binarySqlRule(node, text, report);
        }
        break;
      case "assignment":
        assignmentRules(
          field(node, "left"),
          field(node, "right"),
          node,
          text,
          report,
        );
        break;
      case "keyword_argument":
        keywordRules(node, text, report);
        break;
      case "pair":
        assignmentRules(
          field(node, "key"),
          field(node, "value"),
          node,
          text,
          report,
        );
        break;
      case "assert_statement":
        if (!file.isTest && ACCESS_WORDS.test(text(node))) {
          report(
            "assert-access-check",
            "security",
            "medium",
            "assert is removed under python -O; check access with an if and raise",
            at(node),
          );
        }
        break;
      case "attribute":
        attributeRules(node, text, report);
        break;
      case "function_definition":
      case "class_definition":
        namingRule(node, text, report);
        break;
    }
    if (node.named && PY_FUNCTION_TYPES.has(node.type)) {
      functions.push(measureFunction(node, text));
    }
  });
  return {
    functions,
    exports: pythonExports(root, text),
    ...collectLines(source, root),
  };
}

function calleeParts(
  call: SyntaxNode,
  text: Text,
): { object: string; name: string } {
  const callee = field(call, "function");
  if (callee?.type === "identifier") return { object: "", name: text(callee) };
  if (callee?.type === "attribute") {
    return {
      object: text(field(callee, "object")),
      name: text(field(callee, "attribute")),
    };
  }
  return { object: "", name: "" };
}

function argsOf(call: SyntaxNode): SyntaxNode[] {
  const list = field(call, "arguments");
  return list ? named(list).filter((a) => a.type !== "comment") : [];
}

function keyword(
  call: SyntaxNode,
  name: string,
  text: Text,
): SyntaxNode | undefined {
  const kw = argsOf(call).find((a) =>
    a.type === "keyword_argument" && text(field(a, "name")) === name
  );
  return kw ? field(kw, "value") : undefined;
}

/** A plain string literal's value (no interpolation), else null. */
function stringValue(node: SyntaxNode | undefined, text: Text): string | null {
  if (node?.type !== "string") return null;
  if (node.children.some((c) => c.type === "interpolation")) return null;
  return node.children.filter((c) => c.type === "string_content").map(text)
    .join("");
}

function isFString(node: SyntaxNode, text: Text): boolean {
  const start = node.children.find((c) => c.type === "string_start");
  return /f/i.test(text(start)) &&
    node.children.some((c) => c.type === "interpolation");
}

function callRules(
  node: SyntaxNode,
  file: FileInput,
  text: Text,
  report: Report,
): void {
  const { object, name } = calleeParts(node, text);
  const args = argsOf(node);
  const first = args[0];

  if (
    (name === "eval" || name === "exec" || name === "compile") &&
    (object === "" || object === "builtins")
  ) {
    report(
      "eval",
      "security",
      name === "compile" ? "high" : "critical",
      `${name}() runs arbitrary code; parse the data instead`,
      at(node),
    );
  }
  if (
    DESERIALIZERS.test(object) &&
    /^(load|loads|Unpickler|open|decode)$/.test(name)
  ) {
    report(
      "unsafe-deserialization",
      "security",
      "high",
      `${object}.${name} on untrusted data runs code`,
      at(node),
    );
  }
  if (object === "yaml" && (name === "unsafe_load" || name === "load")) {
    const loader = keyword(node, "Loader", text) ?? args[1];
    const safe = loader !== undefined && /Safe|Base/.test(text(loader));
    if (name === "unsafe_load" || !safe) {
      report(
        "unsafe-deserialization",
        "security",
        "high",
        `yaml.${name} without SafeLoader can construct arbitrary objects; use yaml.safe_load`,
        at(node),
      );
    }
  }
  if (text(keyword(node, "shell", text)) === "True") {
    report(
      "shell-true",
      "security",
      "critical",
      "shell=True passes the command through a shell (command injection)",
      at(node),
    );
  }
  if (object === "os" && /^(system|popen|popen2|popen3)$/.test(name)) {
    report(
      "subprocess",
      "security",
      "high",
      `os.${name} runs a shell command; use subprocess.run with a list of arguments`,
      at(node),
    );
  }
  if (SQL_CALLS.test(name) && first && builtSql(first, text)) {
    report(
      "sql-injection",
      "security",
      "critical",
      `SQL built from strings passed to ${name}(); use query parameters`,
      at(node),
    );
  }
  if (object === "hashlib" && /^(md5|sha1|new)$/.test(name)) {
    const algorithm = name === "new" ? stringValue(first, text) ?? "" : name;
    const notForSecurity =
      text(keyword(node, "usedforsecurity", text)) === "False";
    if (/^(md5|sha1|md4)$/i.test(algorithm) && !notForSecurity) {
      report(
        "weak-crypto",
        "security",
        secretContext(node, text) ? "high" : "medium",
        `hashlib.${algorithm} is broken for security purposes; use sha256 or hashlib.scrypt for passwords`,
        at(node),
      );
    }
  }
  if (
    object === "random" && RANDOM_CALLS.test(name) && secretContext(node, text)
  ) {
    report(
      "insecure-random",
      "security",
      "high",
      `random.${name} is predictable; use the secrets module for tokens and passwords`,
      at(node),
    );
  }
  if (object === "tempfile" && name === "mktemp") {
    report(
      "insecure-temp-file",
      "security",
      "medium",
      "tempfile.mktemp races with other processes; use mkstemp or NamedTemporaryFile",
      at(node),
    );
  }
  if (object === "ssl" && name === "_create_unverified_context") {
    tlsReport(node, report);
  }
  if (PATH_CALLS.test(name) && first && builtPath(first, text)) {
    report(
      "path-traversal",
      "security",
      "high",
      `${name}() with a path built from input; resolve it and check it stays inside the allowed directory`,
      at(node),
    );
  }
  if (name === "print" && object === "" && !file.isTest) {
    report(
      "console-log",
      "quality",
      "low",
      "print() left in the code; use logging",
      at(node),
    );
  }
}

function attributeRules(node: SyntaxNode, text: Text, report: Report): void {
  if (text(node) === "ssl.CERT_NONE") tlsReport(node, report);
}

function keywordRules(node: SyntaxNode, text: Text, report: Report): void {
  const name = text(field(node, "name"));
  const value = field(node, "value");
  if (name === "verify" && text(value) === "False") tlsReport(node, report);
  const literal = stringValue(value, text);
  if (literal !== null) checkSecretAssignment(name, literal, at(node), report);
}

function assignmentRules(
  target: SyntaxNode | undefined,
  value: SyntaxNode | undefined,
  node: SyntaxNode,
  text: Text,
  report: Report,
): void {
  const name = text(target);
  const literal = stringValue(value, text);
  if (literal !== null) checkSecretAssignment(name, literal, at(node), report);
  if (
    /NODE_TLS_REJECT_UNAUTHORIZED|PYTHONHTTPSVERIFY/.test(name) &&
    literal === "0"
  ) tlsReport(node, report);
}

function tlsReport(node: SyntaxNode, report: Report): void {
  report(
    "tls-disabled",
    "security",
    "high",
    "TLS certificate verification is turned off",
    at(node),
  );
}

/** `"..." % x`, `"..." + x`, f-strings and `"...".format(x)` containing SQL. */
function builtSql(node: SyntaxNode, text: Text): boolean {
  if (node.type === "string") {
    return isFString(node, text) && SQL_TEXT.test(text(node));
  }
  if (node.type === "binary_operator") {
    const op = text(field(node, "operator"));
    return (op === "%" || op === "+") && SQL_TEXT.test(text(node)) &&
      /["']/.test(text(node));
  }
  if (node.type === "call") {
    const { name } = calleeParts(node, text);
    const callee = field(node, "function");
    return name === "format" && callee?.type === "attribute" &&
      field(callee, "object")?.type === "string" &&
      SQL_TEXT.test(text(field(callee, "object")));
  }
  return false;
}

function inSqlCall(node: SyntaxNode, text: Text): boolean {
  const list = node.parent;
  if (list?.type !== "argument_list") return false;
  const call = list.parent;
  return call?.type === "call" && SQL_CALLS.test(calleeParts(call, text).name);
}

/** SQL f-strings outside query calls. */
function stringSqlRule(node: SyntaxNode, text: Text, report: Report): void {
  if (!builtSql(node, text) || inSqlCall(node, text)) return;
  report(
    "sql-injection",
    "security",
    "high",
    "SQL built with an f-string; use query parameters",
    at(node),
  );
}

/** SQL built with `%` or `+` outside query calls. */
function binarySqlRule(node: SyntaxNode, text: Text, report: Report): void {
  if (!builtSql(node, text) || inSqlCall(node, text)) return;
  report(
    "sql-injection",
    "security",
    "high",
    "SQL built by string formatting; use query parameters",
    at(node),
  );
}

function builtPath(node: SyntaxNode, text: Text): boolean {
  const built = node.type === "binary_operator" ||
    (node.type === "string" &&
      node.children.some((c) => c.type === "interpolation")) ||
    (node.type === "call" &&
      /^(join)$/.test(calleeParts(node, text).name));
  if (!built) return false;
  let input = false;
  walk(node, (n) => {
    if (
      (n.type === "identifier" && USER_INPUT.test(text(n))) ||
      (n.type === "attribute" && /^request\./.test(text(n)))
    ) input = true;
  });
  return input;
}

/** The name the value of `node` is given: assignment target, keyword or function. */
function secretContext(node: SyntaxNode, text: Text): boolean {
  const owner = ancestor(
    node,
    (p) =>
      p.type === "assignment" || p.type === "keyword_argument" ||
      p.type === "pair" || p.type === "function_definition",
  );
  if (!owner) return false;
  const name = owner.type === "assignment"
    ? text(field(owner, "left"))
    : owner.type === "pair"
    ? text(field(owner, "key")).replace(/^["']|["']$/g, "")
    : text(field(owner, "name"));
  return SECURE_NAME.test(name.replace(/^.*\./, ""));
}

function namingRule(node: SyntaxNode, text: Text, report: Report): void {
  const nameNode = field(node, "name");
  const name = text(nameNode);
  if (!nameNode) return;
  if (
    node.type === "function_definition" && /[A-Z]/.test(name) &&
    !name.startsWith("__")
  ) {
    report(
      "naming",
      "maintainability",
      "low",
      `function ${name} should be snake_case`,
      at(nameNode),
    );
  }
  if (
    node.type === "class_definition" && !/^_*[A-Z][A-Za-z0-9]*$/.test(name)
  ) {
    report(
      "naming",
      "maintainability",
      "low",
      `class ${name} should be PascalCase`,
      at(nameNode),
    );
  }
}

function measureFunction(node: SyntaxNode, text: Text): FunctionInfo {
  let complexity = 1;
  let nesting = 0;
  // Iterative walk (deep expressions must not overflow the call stack).
  const body = field(node, "body");
  const stack: [SyntaxNode, number][] = body ? [[body, 0]] : [];
  while (stack.length > 0) {
    const [child, depth] = stack.pop()!;
    // Nested functions and classes are measured on their own.
    if (PY_FUNCTION_TYPES.has(child.type) && child.named) continue;
    if (child.type === "class_definition") continue;
    let d = depth;
    if (DECISIONS.has(child.type)) complexity++;
    if (NESTING.has(child.type)) {
      d++;
      nesting = Math.max(nesting, d);
    }
    for (const c of child.children) stack.push([c, d]);
  }
  const params = field(node, "parameters");
  const paramNames = params
    ? named(params).filter((p) =>
      p.type !== "comment" && !/^(self|cls)$/.test(text(p)) &&
      p.type !== "keyword_separator" && p.type !== "positional_separator"
    )
    : [];
  const owner = node.parent?.type === "decorated_definition"
    ? node.parent
    : node;
  return {
    name: node.type === "lambda" ? "(lambda)" : text(field(node, "name")),
    line: owner.line,
    column: owner.column,
    endLine: node.endLine,
    complexity,
    nesting,
    params: paramNames.length,
  };
}

/** The definition inside a decorated definition. */
export function definitionOf(node: SyntaxNode): SyntaxNode {
  return node.type === "decorated_definition"
    ? field(node, "definition") ?? node
    : node;
}

/** The docstring node of a module, class or function body, if any. */
export function docstringOf(
  body: SyntaxNode | undefined,
): SyntaxNode | undefined {
  const first = body
    ? named(body).find((c) => c.type !== "comment")
    : undefined;
  if (first?.type !== "expression_statement") return undefined;
  const value = named(first)[0];
  return value?.type === "string" ? value : undefined;
}

/** Top-level public functions and classes and whether they have docstrings. */
function pythonExports(root: SyntaxNode, text: Text): ExportInfo[] {
  const out: ExportInfo[] = [];
  for (const child of root.children) {
    const def = definitionOf(child);
    if (
      def.type !== "function_definition" && def.type !== "class_definition"
    ) continue;
    const name = text(field(def, "name"));
    if (name.startsWith("_")) continue;
    out.push({
      name,
      kind: def.type === "function_definition" ? "function" : "class",
      line: child.line,
      column: child.column,
      documented: docstringOf(field(def, "body")) !== undefined,
    });
  }
  return out;
}
