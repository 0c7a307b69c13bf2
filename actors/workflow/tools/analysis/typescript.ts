/**
 * TypeScript and JavaScript (and TSX/JSX) analysis on tree-sitter syntax
 * trees: security rules, function metrics (complexity, nesting, length,
 * parameters), exports and their JSDoc, and the quality rules specific to
 * the language.
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
  type Grammar,
  named,
  previousNamed,
  type SyntaxNode,
  textOf,
  walk,
} from "./tree.ts";

/** Node types that are functions. */
export const JS_FUNCTION_TYPES: ReadonlySet<string> = new Set([
  "function_declaration",
  "generator_function_declaration",
  "function_expression",
  "generator_function",
  "arrow_function",
  "method_definition",
]);

const DECISIONS = new Set([
  "if_statement",
  "for_statement",
  "for_in_statement",
  "while_statement",
  "do_statement",
  "catch_clause",
  "ternary_expression",
]);
const NESTING = new Set([
  "if_statement",
  "for_statement",
  "for_in_statement",
  "while_statement",
  "do_statement",
  "switch_statement",
  "try_statement",
]);
const LOGICAL = new Set(["&&", "||", "??", "&&=", "||=", "??="]);
const GLOBALS = new Set(["window", "globalThis", "self", "global"]);
const FS_CALLS = new Set([
  "readFile",
  "readFileSync",
  "writeFile",
  "writeFileSync",
  "createReadStream",
  "createWriteStream",
  "readTextFile",
  "readTextFileSync",
  "writeTextFile",
  "writeTextFileSync",
  "open",
  "openSync",
  "unlink",
  "unlinkSync",
  "remove",
  "removeSync",
  "rm",
  "rmSync",
  "sendFile",
  "readdir",
  "readDir",
  "appendFile",
  "appendFileSync",
]);
const SQL_CALLS = new Set([
  "query",
  "execute",
  "exec",
  "raw",
  "run",
  "all",
  "get",
  "prepare",
  "unsafe",
  "executeQuery",
  "queryRaw",
  "$queryRawUnsafe",
  "$executeRawUnsafe",
]);
const ALLOWED_NUMBERS = new Set([
  "0",
  "1",
  "2",
  "10",
  "100",
  "1000",
  "0.5",
  "1024",
  "60",
  "24",
  "1e3",
]);

/** TypeScript, TSX, JavaScript and JSX. */
export const typescriptLanguage: LanguageModule = {
  id: "typescript",
  grammarFor(path: string): Grammar {
    if (/\.tsx$/i.test(path)) return "tsx";
    if (/\.(js|jsx|mjs|cjs)$/i.test(path)) return "javascript";
    return "typescript";
  },
  analyze: analyzeJs,
};

/** JavaScript: the same rules, the JavaScript grammar by default. */
export const javascriptLanguage: LanguageModule = {
  id: "javascript",
  grammarFor(path: string): Grammar {
    if (/\.tsx$/i.test(path)) return "tsx";
    if (/\.(ts|mts|cts)$/i.test(path)) return "typescript";
    return "javascript";
  },
  analyze: analyzeJs,
};

function analyzeJs(file: FileInput, report: Report): FileFacts {
  const { source, root } = file;
  const text = (n: SyntaxNode | undefined) => n ? textOf(source, n) : "";
  const evalAliases = collectEvalAliases(root, text);
  const functions: FunctionInfo[] = [];

  walk(root, (node) => {
    switch (node.type) {
      case "call_expression":
        callRules(node, file, text, evalAliases, report);
        break;
      case "new_expression":
        newRules(node, text, report);
        break;
      case "string":
      case "template_string":
        checkSecretText(text(node), at(node), report);
        if (node.type === "template_string") {
          sqlTemplateRule(node, text, report);
        }
        break;
      case "binary_expression":
        sqlConcatRule(node, text, report);
        break;
      case "variable_declarator":
      case "pair":
      case "public_field_definition":
      case "property_signature":
      case "assignment_expression":
        assignmentRules(node, text, report);
        break;
      case "augmented_assignment_expression":
        xssAssignment(node, text, report);
        break;
      case "jsx_attribute":
        if (/^dangerouslySetInnerHTML\b/.test(text(node))) {
          report(
            "xss",
            "security",
            "high",
            "dangerouslySetInnerHTML renders raw HTML",
            at(node),
          );
        }
        break;
      case "import_statement":
        importRules(node, text, report);
        break;
      case "debugger_statement":
        report(
          "debugger",
          "quality",
          "medium",
          "debugger statement left in",
          at(node),
        );
        break;
      case "predefined_type":
        if (text(node) === "any") {
          report(
            "explicit-any",
            "quality",
            "low",
            "`any` turns type checking off; use unknown or a precise type",
            at(node),
          );
        }
        break;
      case "number":
        if (!file.isTest) magicNumberRule(node, text, report);
        break;
      case "class_declaration":
      case "abstract_class_declaration":
      case "interface_declaration":
      case "function_declaration":
        namingRule(node, text, report);
        break;
      case "lexical_declaration":
      case "variable_declaration":
        if (!/^const\b/.test(text(node))) {
          for (const d of named(node)) {
            const name = text(field(d, "name"));
            if (/[a-z0-9]_[a-z]/.test(name)) {
              report(
                "naming",
                "maintainability",
                "low",
                `${name} should be camelCase`,
                at(d),
              );
            }
          }
        }
        break;
      case "string_fragment":
        if (/^--unsafely-ignore-certificate-errors/.test(text(node))) {
          tlsReport(node, report);
        }
        break;
    }
    if (node.named && JS_FUNCTION_TYPES.has(node.type)) {
      functions.push(measureFunction(node, text));
    }
  });
  return {
    functions,
    exports: jsExports(root, text),
    ...collectLines(source, root),
  };
}

type Text = (node: SyntaxNode | undefined) => string;

/** The plain name a callee ends with: `eval`, `a.b.exec` -> `exec`. */
function calleeName(callee: SyntaxNode | undefined, text: Text): string {
  if (!callee) return "";
  if (callee.type === "identifier") return text(callee);
  if (callee.type === "member_expression") {
    return text(field(callee, "property"));
  }
  return "";
}

/** The object of a member callee: `Deno.Command` -> `Deno`. */
function calleeObject(callee: SyntaxNode | undefined, text: Text): string {
  if (callee?.type !== "member_expression") return "";
  return text(field(callee, "object"));
}

/** Strips quotes of a string node's text. */
function stringValue(node: SyntaxNode | undefined, text: Text): string | null {
  if (!node) return null;
  if (node.type === "string") return text(node).slice(1, -1);
  if (
    node.type === "template_string" &&
    !node.children.some((c) => c.type === "template_substitution")
  ) return text(node).slice(1, -1);
  return null;
}

function argumentsOf(node: SyntaxNode): SyntaxNode[] {
  const args = field(node, "arguments");
  return args ? named(args).filter((a) => a.type !== "comment") : [];
}

/** Names bound to eval: `const e = eval`, `const e = globalThis.eval`, `e = eval`. */
function collectEvalAliases(root: SyntaxNode, text: Text): Set<string> {
  const aliases = new Set<string>();
  const isEval = (n: SyntaxNode | undefined): boolean => {
    if (!n) return false;
    if (n.type === "parenthesized_expression") {
      const inner = named(n);
      return isEval(inner[inner.length - 1]);
    }
    if (n.type === "sequence_expression") {
      const inner = named(n);
      return isEval(inner[inner.length - 1]);
    }
    if (n.type === "identifier") {
      return text(n) === "eval" || aliases.has(text(n));
    }
    if (n.type === "member_expression") {
      return text(field(n, "property")) === "eval" &&
        GLOBALS.has(text(field(n, "object")));
    }
    if (n.type === "subscript_expression") {
      return /^["'`]eval["'`]$/.test(text(field(n, "index"))) &&
        GLOBALS.has(text(field(n, "object")));
    }
    return false;
  };
  walk(root, (node) => {
    if (node.type === "variable_declarator" && isEval(field(node, "value"))) {
      aliases.add(text(field(node, "name")));
    } else if (
      node.type === "assignment_expression" &&
      field(node, "left")?.type === "identifier" &&
      isEval(field(node, "right"))
    ) {
      aliases.add(text(field(node, "left")));
    }
  });
  aliases.add("eval");
  return aliases;
}

function callRules(
  node: SyntaxNode,
  file: FileInput,
  text: Text,
  evalAliases: ReadonlySet<string>,
  report: Report,
): void {
  const callee = field(node, "function");
  const name = calleeName(callee, text);
  const object = calleeObject(callee, text);
  const args = argumentsOf(node);
  const first = args[0];

  // Code evaluation, directly or through an alias or `(0, eval)`.
  const unwrapped = unwrapCallee(callee);
  if (
    (unwrapped?.type === "identifier" && evalAliases.has(text(unwrapped))) ||
    (unwrapped?.type === "member_expression" && name === "eval" &&
      GLOBALS.has(calleeObject(unwrapped, text))) ||
    (unwrapped?.type === "subscript_expression" &&
      /^["'`]eval["'`]$/.test(text(field(unwrapped, "index"))))
  ) {
    const alias = unwrapped.type === "identifier" &&
        text(unwrapped) !== "eval"
      ? ` (${text(unwrapped)} is eval)`
      : "";
    report(
      "eval",
      "security",
      "critical",
      `eval() runs arbitrary code${alias}; parse the data instead`,
      at(node),
    );
  }
  if (callee?.type === "identifier" && name === "Function") {
    report(
      "new-function",
      "security",
      "critical",
      "Function() compiles code from a string, like eval",
      at(node),
    );
  }
  if (
    (name === "setTimeout" || name === "setInterval") &&
    (object === "" || GLOBALS.has(object)) &&
    (first?.type === "string" || first?.type === "template_string" ||
      first?.type === "binary_expression" && /["'`]/.test(text(first)))
  ) {
    report(
      "string-timer",
      "security",
      "high",
      `${name} with a string argument evaluates it as code; pass a function`,
      at(node),
    );
  }

  // Subprocesses.
  if (object === "Deno" && name === "run") {
    report(
      "subprocess",
      "security",
      "high",
      "Deno.run starts a subprocess; make sure no input reaches its arguments",
      at(node),
    );
  }
  if (
    ["exec", "execSync"].includes(name) &&
    (/^(child_process|cp|childProcess)$/.test(object) ||
      (callee?.type === "identifier" &&
        importedFrom(file.root, name, text, /^(node:)?child_process$/)))
  ) {
    report(
      "subprocess",
      "security",
      "high",
      `${name}() runs a command through a shell`,
      at(node),
    );
  }
  if (object === "Deno" && name === "dlopen") {
    report(
      "ffi",
      "security",
      "high",
      "Deno.dlopen loads native code",
      at(node),
    );
  }

  // Path traversal: fs calls with a path built from input.
  if (FS_CALLS.has(name) && first) {
    const built = first.type === "binary_expression" ||
      (first.type === "template_string" &&
        first.children.some((c) => c.type === "template_substitution"));
    if (built && mentionsInput(first, text)) {
      report(
        "path-traversal",
        "security",
        "high",
        `${name}() with a path built from input; resolve it and check it stays inside the allowed directory`,
        at(node),
      );
    } else if (/(^|[\\/])\.\.([\\/]|$)/.test(stringValue(first, text) ?? "")) {
      report(
        "path-traversal",
        "security",
        "medium",
        `${name}() with a "../" path`,
        at(node),
      );
    }
  }

  // Unsafe deserialization.
  if (name === "deserialize" && (object === "v8" || object === "")) {
    report(
      "unsafe-deserialization",
      "security",
      "high",
      "v8.deserialize on untrusted data can create arbitrary objects",
      at(node),
    );
  }
  if (name === "unserialize") {
    report(
      "unsafe-deserialization",
      "security",
      "critical",
      "unserialize() revives functions from the data (node-serialize runs code)",
      at(node),
    );
  }
  if (
    name === "load" && /^(yaml|YAML|jsyaml|jsYaml)$/.test(object) &&
    !args.slice(1).some((a) =>
      /Safe|JSON_SCHEMA|FAILSAFE|CORE_SCHEMA/.test(text(a))
    )
  ) {
    report(
      "unsafe-deserialization",
      "security",
      "high",
      "yaml.load without a safe schema can construct arbitrary objects; use a safe loader",
      at(node),
    );
  }

  // XSS.
  if ((name === "write" || name === "writeln") && object === "document") {
    report(
      "xss",
      "security",
      "high",
      `document.${name} writes raw HTML`,
      at(node),
    );
  }
  if (name === "insertAdjacentHTML") {
    report(
      "xss",
      "security",
      "high",
      "insertAdjacentHTML renders raw HTML",
      at(node),
    );
  }

  // SQL built from strings, passed to a query call.
  if (SQL_CALLS.has(name) && object !== "" && first && builtSql(first, text)) {
    report(
      "sql-injection",
      "security",
      "critical",
      `SQL built from strings passed to ${name}(); use parameters or a query builder`,
      at(node),
    );
  }

  // Weak crypto.
  const algorithm = stringValue(first, text) ?? "";
  if (
    (name === "createHash" || name === "createHmac") &&
    /^(md5|md4|sha1|sha-1)$/i.test(algorithm)
  ) {
    report(
      "weak-crypto",
      "security",
      secretContext(node, text) ? "high" : "medium",
      `${algorithm} is broken for security purposes; use sha256 or better`,
      at(node),
    );
  }
  if (name === "digest" && /^(sha-?1|md5)$/i.test(algorithm)) {
    report(
      "weak-crypto",
      "security",
      "medium",
      `${algorithm} is broken for security purposes; use SHA-256`,
      at(node),
    );
  }
  if (name === "createCipher" || name === "createDecipher") {
    report(
      "weak-crypto",
      "security",
      "high",
      `${name} derives keys weakly and is deprecated; use ${name}iv`,
      at(node),
    );
  }

  // Predictable randomness where it makes secrets.
  if (name === "random" && object === "Math" && secretContext(node, text)) {
    report(
      "insecure-random",
      "security",
      "high",
      "Math.random is predictable; use crypto.getRandomValues or crypto.randomUUID for tokens and ids",
      at(node),
    );
  }

  // TLS off through the environment.
  if (
    name === "set" && /env$/.test(object) &&
    stringValue(first, text) === "NODE_TLS_REJECT_UNAUTHORIZED" &&
    stringValue(args[1], text) === "0"
  ) tlsReport(node, report);

  // Prototype changes.
  if (name === "setPrototypeOf" && object === "Object") {
    report(
      "prototype-pollution",
      "security",
      "medium",
      "Object.setPrototypeOf changes an object's prototype; with input-controlled values this is prototype pollution",
      at(node),
    );
  }

  // Leftover logging.
  if (
    object === "console" && /^(log|debug|dir|trace)$/.test(name) &&
    !file.isTest
  ) {
    report(
      "console-log",
      "quality",
      "low",
      `console.${name} left in the code; use the logger`,
      at(node),
    );
  }
}

/** `(0, eval)` and `(eval)` are eval. */
function unwrapCallee(callee: SyntaxNode | undefined): SyntaxNode | undefined {
  let n = callee;
  while (
    n?.type === "parenthesized_expression" || n?.type === "sequence_expression"
  ) {
    const inner = named(n);
    n = inner[inner.length - 1];
  }
  return n;
}

function importedFrom(
  root: SyntaxNode,
  name: string,
  text: Text,
  module: RegExp,
): boolean {
  for (const node of root.children) {
    if (node.type !== "import_statement") continue;
    const from = stringValue(field(node, "source"), text) ?? "";
    if (module.test(from) && new RegExp(`\\b${name}\\b`).test(text(node))) {
      return true;
    }
  }
  return false;
}

function newRules(node: SyntaxNode, text: Text, report: Report): void {
  const ctor = field(node, "constructor");
  const name = text(ctor);
  if (name === "Function" || name === "globalThis.Function") {
    report(
      "new-function",
      "security",
      "critical",
      "new Function() compiles code from a string, like eval",
      at(node),
    );
  }
  if (name === "Deno.Command") {
    report(
      "subprocess",
      "security",
      "high",
      "Deno.Command starts a subprocess; make sure no input reaches its arguments",
      at(node),
    );
  }
}

function importRules(node: SyntaxNode, text: Text, report: Report): void {
  const from = stringValue(field(node, "source"), text) ?? "";
  if (/^(node:)?child_process$/.test(from)) {
    report(
      "subprocess",
      "security",
      "high",
      "child_process starts subprocesses; make sure no input reaches a command",
      at(node),
    );
  }
}

/** True when some identifier inside `node` has a name that usually carries input. */
function mentionsInput(node: SyntaxNode, text: Text): boolean {
  let found = false;
  walk(node, (n) => {
    if (
      (n.type === "identifier" || n.type === "property_identifier" ||
        n.type === "shorthand_property_identifier") && USER_INPUT.test(text(n))
    ) found = true;
  });
  return found;
}

/** A string concatenation or interpolated template containing SQL. */
function builtSql(node: SyntaxNode, text: Text): boolean {
  if (node.type === "template_string") {
    return node.children.some((c) => c.type === "template_substitution") &&
      SQL_TEXT.test(templateText(node, text));
  }
  if (
    node.type === "binary_expression" && text(field(node, "operator")) === "+"
  ) {
    let sql = false;
    walk(node, (n) => {
      if (
        (n.type === "string" || n.type === "template_string") &&
        SQL_TEXT.test(text(n))
      ) sql = true;
    });
    return sql;
  }
  return false;
}

function templateText(node: SyntaxNode, text: Text): string {
  return node.children.filter((c) => c.type === "string_fragment").map(text)
    .join(" ");
}

/** SQL in an interpolated template outside query calls and tagged templates. */
function sqlTemplateRule(node: SyntaxNode, text: Text, report: Report): void {
  if (!builtSql(node, text)) return;
  const parent = node.parent;
  // Tagged templates (sql`...`) parameterise; query calls are reported by callRules.
  if (parent?.type === "call_expression") return;
  if (parent?.type === "arguments" && inQueryCall(parent, text)) return;
  report(
    "sql-injection",
    "security",
    "high",
    "SQL built with ${} interpolation; use parameters or a query builder",
    at(node),
  );
}

function inQueryCall(args: SyntaxNode, text: Text): boolean {
  const call = args.parent;
  if (call?.type !== "call_expression") return false;
  const callee = field(call, "function");
  return SQL_CALLS.has(calleeName(callee, text)) &&
    callee?.type === "member_expression";
}

/** SQL concatenation outside query calls (reported once, at the outermost `+`). */
function sqlConcatRule(node: SyntaxNode, text: Text, report: Report): void {
  if (node.parent?.type === "binary_expression") return;
  if (!builtSql(node, text)) return;
  if (node.parent?.type === "arguments" && inQueryCall(node.parent, text)) {
    return;
  }
  report(
    "sql-injection",
    "security",
    "high",
    "SQL built by string concatenation; use parameters",
    at(node),
  );
}

/** The name a value is given: declarator, property key, assignment target or function. */
function contextName(node: SyntaxNode, text: Text): string {
  const owner = ancestor(
    node,
    (p) =>
      p.type === "variable_declarator" || p.type === "pair" ||
      p.type === "assignment_expression" ||
      p.type === "public_field_definition" || JS_FUNCTION_TYPES.has(p.type) ||
      p.type === "return_statement",
  );
  if (!owner) return "";
  switch (owner.type) {
    case "variable_declarator":
    case "public_field_definition":
    case "method_definition":
    case "function_declaration":
      return text(field(owner, "name"));
    case "pair":
      return text(field(owner, "key"));
    case "assignment_expression":
      return text(field(owner, "left")).replace(/^.*\./, "");
    case "return_statement": {
      const fn = ancestor(owner, (p) => JS_FUNCTION_TYPES.has(p.type));
      return fn ? functionName(fn, text) : "";
    }
    default:
      return functionName(owner, text);
  }
}

function secretContext(node: SyntaxNode, text: Text): boolean {
  const name = contextName(node, text);
  return name !== "" && SECURE_NAME.test(name);
}

function assignmentRules(node: SyntaxNode, text: Text, report: Report): void {
  const target = node.type === "pair"
    ? field(node, "key")
    : node.type === "assignment_expression"
    ? field(node, "left")
    : field(node, "name");
  const value = node.type === "variable_declarator" ||
      node.type === "public_field_definition"
    ? field(node, "value")
    : field(node, "right") ?? field(node, "value");
  const name = text(target);
  const literal = stringValue(value, text);
  if (literal !== null) {
    checkSecretAssignment(name, literal, at(node), report);
  }
  const valueText = text(value);
  if (/^["']?shell["']?$/.test(name) && valueText === "true") {
    report(
      "shell-true",
      "security",
      "critical",
      "shell: true passes the command through a shell (command injection)",
      at(node),
    );
  }
  if (/(^|\.)rejectUnauthorized$/.test(name) && valueText === "false") {
    tlsReport(node, report);
  }
  if (
    /(^|[.[])["']?NODE_TLS_REJECT_UNAUTHORIZED["']?\]?$/.test(name) &&
    /^["'`]?0["'`]?$/.test(valueText)
  ) tlsReport(node, report);
  if (
    node.type === "pair" && /^["']?dangerouslySetInnerHTML["']?$/.test(name)
  ) {
    report(
      "xss",
      "security",
      "high",
      "dangerouslySetInnerHTML renders raw HTML",
      at(node),
    );
  }
  if (node.type === "assignment_expression") {
    xssAssignment(node, text, report);
    pollutionRule(node, text, report);
  }
}

function xssAssignment(node: SyntaxNode, text: Text, report: Report): void {
  const left = field(node, "left");
  if (left?.type !== "member_expression") return;
  const prop = text(field(left, "property"));
  if (prop !== "innerHTML" && prop !== "outerHTML") return;
  const right = field(node, "right");
  if (right?.type === "string") return; // A constant is not data.
  report(
    "xss",
    "security",
    "high",
    `assigning to ${prop} renders HTML from data; use textContent or escape it`,
    at(node),
  );
}

/** `__proto__` writes, and `target[key] = ...` with an unguarded for-in key or an input key. */
function pollutionRule(node: SyntaxNode, text: Text, report: Report): void {
  const left = field(node, "left");
  if (!left) return;
  if (
    (left.type === "member_expression" &&
      text(field(left, "property")) === "__proto__") ||
    (left.type === "subscript_expression" &&
      /^["'`]__proto__["'`]$/.test(text(field(left, "index"))))
  ) {
    report(
      "prototype-pollution",
      "security",
      "medium",
      "__proto__ changes an object's prototype; with input-controlled keys this is prototype pollution",
      at(node),
    );
    return;
  }
  if (left.type !== "subscript_expression") return;
  const index = field(left, "index");
  if (!index) return;
  const key = text(index);
  const loop = index.type === "identifier"
    ? ancestor(
      node,
      (p) => p.type === "for_in_statement" && text(field(p, "left")) === key,
    )
    : undefined;
  const guarded = (scope: SyntaxNode) =>
    /__proto__|hasOwn|constructor|prototype|Object\.create\(null\)/.test(
      text(scope),
    );
  if (loop && !guarded(loop)) {
    report(
      "prototype-pollution",
      "security",
      "high",
      `copying keys with ${
        text(left)
      } = ... in a for-in loop lets "__proto__" through; skip it or use Object.create(null)`,
      at(node),
    );
  } else if (
    index.type !== "identifier" && index.type !== "number" &&
    index.type !== "string" && mentionsInput(index, text) &&
    !guarded(ancestor(node, (p) => JS_FUNCTION_TYPES.has(p.type)) ?? node)
  ) {
    report(
      "prototype-pollution",
      "security",
      "high",
      `${text(left)} = ... with a key from input can write "__proto__"`,
      at(node),
    );
  }
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

function magicNumberRule(node: SyntaxNode, text: Text, report: Report): void {
  const value = text(node);
  if (ALLOWED_NUMBERS.has(value)) return;
  if (!ancestor(node, (p) => JS_FUNCTION_TYPES.has(p.type))) return;
  let p = node.parent;
  if (p?.type === "unary_expression") p = p.parent;
  if (!p) return;
  const named = ["binary_expression", "arguments", "return_statement"];
  if (!named.includes(p.type) && p.type !== "assignment_expression") return;
  if (p.type === "assignment_expression") {
    const left = text(field(p, "left"));
    if (/^[A-Z][A-Z0-9_]*$/.test(left.replace(/^.*\./, ""))) return;
  }
  report(
    "magic-number",
    "quality",
    "low",
    `magic number ${value}; name it with a constant`,
    at(node),
  );
}

function namingRule(node: SyntaxNode, text: Text, report: Report): void {
  const nameNode = field(node, "name");
  const name = text(nameNode);
  if (!nameNode || !name) return;
  const kind = node.type === "interface_declaration"
    ? "interface"
    : node.type === "function_declaration"
    ? "function"
    : "class";
  if (kind !== "function" && !/^[A-Z][A-Za-z0-9]*$/.test(name)) {
    report(
      "naming",
      "maintainability",
      "low",
      `${kind} ${name} should be PascalCase`,
      at(nameNode),
    );
  }
  if (kind === "function" && /[a-z0-9]_[a-z]/.test(name)) {
    report(
      "naming",
      "maintainability",
      "low",
      `${name} should be camelCase`,
      at(nameNode),
    );
  }
  if (kind !== "interface" && name.length === 1) {
    report(
      "naming",
      "maintainability",
      "low",
      `the name ${name} says nothing`,
      at(nameNode),
    );
  }
}

/** A function's name: declared, or the variable, property or field it is assigned to. */
export function functionName(node: SyntaxNode, text: Text): string {
  const own = field(node, "name");
  if (own) return text(own);
  const p = node.parent;
  if (p?.type === "variable_declarator") return text(field(p, "name"));
  if (p?.type === "pair") return text(field(p, "key"));
  if (p?.type === "public_field_definition") return text(field(p, "name"));
  if (p?.type === "assignment_expression") return text(field(p, "left"));
  return node.type === "arrow_function"
    ? "(arrow function)"
    : "(anonymous function)";
}

function measureFunction(node: SyntaxNode, text: Text): FunctionInfo {
  let complexity = 1;
  let nesting = 0;
  const body = field(node, "body");
  // Iterative walk (deep expressions must not overflow the call stack).
  const stack: [SyntaxNode, number][] = body ? [[body, 0]] : [];
  while (stack.length > 0) {
    const [child, depth] = stack.pop()!;
    // Nested functions are measured on their own.
    if (JS_FUNCTION_TYPES.has(child.type)) continue;
    let d = depth;
    if (DECISIONS.has(child.type) || child.type === "switch_case") {
      complexity++;
    } else if (
      (child.type === "binary_expression" ||
        child.type === "augmented_assignment_expression") &&
      LOGICAL.has(text(field(child, "operator")))
    ) complexity++;
    if (NESTING.has(child.type)) {
      const elseIf = child.type === "if_statement" &&
        child.parent?.type === "else_clause";
      if (!elseIf) d++;
      nesting = Math.max(nesting, d);
    }
    for (const c of child.children) stack.push([c, d]);
  }
  const params = field(node, "parameters") ?? field(node, "parameter");
  const paramCount = !params
    ? 0
    : params.type === "identifier"
    ? 1
    : named(params).filter((c) => c.type !== "comment").length;
  const named0 = node.parent?.type === "variable_declarator"
    ? node.parent.parent ?? node
    : node;
  return {
    name: functionName(node, text),
    line: named0.line,
    column: named0.column,
    endLine: node.endLine,
    complexity,
    nesting,
    params: paramCount,
  };
}

/** The statements that declare something, unwrapped from `declare`. */
function declarationOf(node: SyntaxNode): SyntaxNode | undefined {
  const decl = field(node, "declaration") ?? field(node, "value");
  if (decl?.type === "ambient_declaration") return named(decl)[0];
  return decl;
}

/** Kind word of a declaration node. */
export function declarationKind(node: SyntaxNode | undefined): string {
  switch (node?.type) {
    case "function_declaration":
    case "generator_function_declaration":
    case "function_signature":
      return "function";
    case "class_declaration":
    case "abstract_class_declaration":
    case "class":
      return "class";
    case "interface_declaration":
      return "interface";
    case "type_alias_declaration":
      return "type";
    case "enum_declaration":
      return "enum";
    case "internal_module":
    case "module":
      return "namespace";
    case "lexical_declaration":
    case "variable_declaration":
      return "variable";
    default:
      return "default";
  }
}

/** The `/** ... *\/` comment right before `node`, if any (not a module comment). */
export function jsDocBefore(
  node: SyntaxNode,
  text: Text,
): string | undefined {
  const prev = previousNamed(node);
  if (prev?.type !== "comment") return undefined;
  const comment = text(prev);
  if (!comment.startsWith("/**") || /@module\b/.test(comment)) return undefined;
  return comment;
}

/** Exported declarations and whether a JSDoc comment precedes them. */
function jsExports(root: SyntaxNode, text: Text): ExportInfo[] {
  const out: ExportInfo[] = [];
  for (const node of root.children) {
    if (node.type !== "export_statement") continue;
    const decl = declarationOf(node);
    const isDefault = node.children.some((c) => c.type === "default");
    if (!decl && !isDefault) continue; // re-exports
    const documented = jsDocBefore(node, text) !== undefined;
    const kind = declarationKind(decl);
    if (kind === "variable" && decl) {
      for (const d of named(decl)) {
        if (d.type !== "variable_declarator") continue;
        const value = field(d, "value");
        out.push({
          name: text(field(d, "name")),
          kind: value && JS_FUNCTION_TYPES.has(value.type)
            ? "function"
            : "const",
          line: node.line,
          column: node.column,
          documented,
        });
      }
      continue;
    }
    out.push({
      name: decl && field(decl, "name") ? text(field(decl, "name")) : "default",
      kind,
      line: node.line,
      column: node.column,
      documented,
    });
  }
  return out;
}
