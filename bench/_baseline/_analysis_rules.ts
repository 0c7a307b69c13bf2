/**
 * Security rules of code analysis. Each rule reads the token stream of one
 * file (comments and string contents are tokens of their own, so `"eval("`
 * in a string or a comment never matches a call).
 *
 * @module
 */

import type { Syntax, Token } from "./analysis_tokens.ts";

/** Finding categories. */
export type Category = "security" | "quality" | "maintainability";
/** Finding severities, lowest first. */
export type Severity = "low" | "medium" | "high" | "critical";

/** One problem found in the code. */
export interface Finding {
  rule: string;
  category: Category;
  severity: Severity;
  message: string;
  path: string;
  line: number;
}

/** What a rule sees of one file. */
export interface FileContext {
  path: string;
  syntax: Syntax;
  /** All tokens, comments included. */
  tokens: Token[];
  /** Tokens without comments. */
  code: Token[];
  /** Source lines. */
  lines: string[];
  /** Whether the file is a test file. */
  isTest: boolean;
}

type Report = (
  rule: string,
  severity: Severity,
  message: string,
  line: number,
) => void;

const SECRET_NAME =
  /(pass(word|wd|phrase)?|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|client[_-]?secret|credential|auth[_-]?key|signing[_-]?key)$/i;
const SECRET_PATTERNS: [RegExp, string][] = [
  [/\bAKIA[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/, "a private key block"],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, "a GitHub token"],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, "a Slack token"],
  [/\b(?:sk|rk)_live_[A-Za-z0-9]{16,}/, "a Stripe live key"],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, "a Google API key"],
  [/\bsk-[A-Za-z0-9_-]{32,}\b/, "an API secret key"],
  [/\b\d{8,10}:[A-Za-z0-9_-]{35}\b/, "a Telegram bot token"],
];
const PLACEHOLDER =
  /^(|x+|\*+|\.+|changeme|change[_-]?me|todo|placeholder|example|your[_-].*|<.*>|\$\{.*\}|%s)$/i;
const USER_INPUT =
  /^(req|request|params|query|body|input|userInput|args|argv|searchParams|url|filename|fileName|file|name|path|userPath|untrusted)$/;
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
  "sql",
]);
const SQL_TEXT =
  /\b(select\s[\s\S]*\bfrom|insert\s+into|update\s[\s\S]*\bset|delete\s+from|drop\s+table|where\s)\b/i;
const SECURE_CONTEXT =
  /(token|secret|password|passwd|key|nonce|salt|session|otp|csrf|auth|uuid|id)$/i;

/** Runs every security rule on one file. */
export function securityRules(ctx: FileContext, report: Report): void {
  const { code, syntax } = ctx;
  const at = (k: number) => code[k];
  const val = (k: number) => code[k]?.value;
  const isPunct = (k: number, v: string) =>
    code[k]?.type === "punct" && code[k]?.value === v;
  const isIdent = (k: number, v?: string) =>
    code[k]?.type === "ident" && (v === undefined || code[k]?.value === v);
  const memberOf = (k: number): string | undefined =>
    isPunct(k - 1, ".") || isPunct(k - 1, "?.") ? val(k - 2) : undefined;
  /** Index of the token closing the call whose "(" is at `open`. */
  const callEnd = (open: number) => {
    let depth = 0;
    for (let k = open; k < code.length; k++) {
      if (code[k]!.type !== "punct") continue;
      if (["(", "[", "{"].includes(code[k]!.value)) depth++;
      else if ([")", "]", "}"].includes(code[k]!.value)) {
        depth--;
        if (depth === 0) return k;
      }
    }
    return code.length - 1;
  };

  for (let k = 0; k < code.length; k++) {
    const t = code[k]!;
    const line = t.line;

    // Secrets inside any string or template literal.
    if (t.type === "string" || t.type === "template") {
      const text = t.text ?? "";
      for (const [re, what] of SECRET_PATTERNS) {
        if (re.test(text)) {
          report(
            "hardcoded-secret",
            "critical",
            `hard-coded ${what} in a string literal; load it from configuration`,
            line,
          );
          break;
        }
      }
    }

    if (t.type === "ident") {
      const next = val(k + 1);
      const member = memberOf(k);

      // Secret-ish name assigned a literal: `password = "..."`, `apiKey: '...'`, `token=...` (python).
      if (
        SECRET_NAME.test(t.value) && (next === "=" || next === ":") &&
        (at(k + 2)?.type === "string" ||
          (at(k + 2)?.type === "template" &&
            at(k + 2)?.template?.substitutions === 0))
      ) {
        const value = at(k + 2)?.text ?? "";
        if (!PLACEHOLDER.test(value.trim()) && value.length >= 6) {
          const entropy = shannon(value);
          report(
            "hardcoded-secret",
            entropy >= 3.5 && value.length >= 16 ? "critical" : "high",
            `"${t.value}" is assigned a hard-coded value; load secrets from the environment or a secret store`,
            line,
          );
        }
      }

      // Code evaluation.
      if (
        (t.value === "eval" || (syntax === "python" && t.value === "exec")) &&
        next === "(" &&
        (member === undefined ||
          ["window", "globalThis", "self", "global", "builtins"].includes(
            member,
          ))
      ) {
        report(
          "eval",
          "critical",
          `${t.value}() runs arbitrary code; parse the data instead`,
          line,
        );
      }
      if (t.value === "Function" && val(k - 1) === "new" && next === "(") {
        report(
          "new-function",
          "critical",
          "new Function() compiles code from a string, like eval",
          line,
        );
      }
      if (
        (t.value === "setTimeout" || t.value === "setInterval") &&
        next === "(" &&
        (at(k + 2)?.type === "string" || at(k + 2)?.type === "template")
      ) {
        report(
          "string-timer",
          "high",
          `${t.value} with a string argument evaluates it as code; pass a function`,
          line,
        );
      }

      // Subprocesses and shells.
      if (
        (t.value === "Command" || t.value === "run") && member === "Deno"
      ) {
        report(
          "subprocess",
          "high",
          `Deno.${t.value} starts a subprocess; make sure no input reaches its arguments`,
          line,
        );
      }
      if (
        t.value === "shell" && (next === ":" || next === "=") &&
        isIdent(k + 2, syntax === "python" ? "True" : "true")
      ) {
        report(
          "shell-true",
          "critical",
          "shell: true passes the command through a shell (command injection)",
          line,
        );
      }
      if (
        syntax === "python" && member === "os" &&
        ["system", "popen"].includes(t.value) && next === "("
      ) {
        report(
          "subprocess",
          "high",
          `os.${t.value} runs a shell command`,
          line,
        );
      }
      if (
        ["exec", "execSync"].includes(t.value) && next === "(" &&
        (member === undefined || member === "child_process" ||
          member === "cp") &&
        syntax === "js"
      ) {
        report(
          "subprocess",
          "high",
          `${t.value}() runs a command through a shell`,
          line,
        );
      }

      // Path traversal: fs calls built from user input.
      if (FS_CALLS.has(t.value) && next === "(" && syntax !== "python") {
        const end = callEnd(k + 1);
        const args = code.slice(k + 2, end);
        const firstArgEnd = args.findIndex((a) => a.value === ",");
        const first = firstArgEnd === -1 ? args : args.slice(0, firstArgEnd);
        const built = first.some((a) =>
          (a.type === "punct" && a.value === "+") ||
          (a.type === "template" && (a.template?.substitutions ?? 0) > 0)
        );
        const userInput = first.some((a) =>
          a.type === "ident" && USER_INPUT.test(a.value)
        );
        if (built && userInput) {
          report(
            "path-traversal",
            "high",
            `${t.value}() with a path built from input; resolve it and check it stays inside the allowed directory`,
            line,
          );
        } else if (
          first.some((a) =>
            (a.type === "string" || a.type === "template") &&
            /(^|[\\/])\.\.([\\/]|$)/.test(a.text ?? "")
          )
        ) {
          report(
            "path-traversal",
            "medium",
            `${t.value}() with a "../" path`,
            line,
          );
        }
      }

      // Unsafe deserialization and prototype pollution.
      if (
        t.value === "deserialize" && next === "(" &&
        (member === "v8" || member === undefined)
      ) {
        report(
          "unsafe-deserialization",
          "high",
          "v8.deserialize on untrusted data can create arbitrary objects",
          line,
        );
      }
      if (
        t.value === "load" && next === "(" &&
        ["yaml", "YAML", "jsyaml"].includes(member ?? "")
      ) {
        const end = callEnd(k + 1);
        const args = code.slice(k + 2, end).map((a) => a.value);
        if (
          !args.some((a) => /Safe|JSON_SCHEMA|FAILSAFE|CORE_SCHEMA/.test(a))
        ) {
          report(
            "unsafe-deserialization",
            "high",
            "yaml.load without a safe schema can construct arbitrary objects; use a safe loader",
            line,
          );
        }
      }
      if (
        syntax === "python" && next === "(" &&
        ((["pickle", "cPickle", "marshal", "dill"].includes(member ?? "") &&
          ["load", "loads"].includes(t.value)) ||
          (member === "yaml" && t.value === "unsafe_load"))
      ) {
        report(
          "unsafe-deserialization",
          "high",
          `${member}.${t.value} on untrusted data runs code`,
          line,
        );
      }
      if (t.value === "__proto__" || t.value === "setPrototypeOf") {
        report(
          "prototype-pollution",
          "medium",
          `${t.value} changes an object's prototype; with input-controlled keys this is prototype pollution`,
          line,
        );
      }

      // XSS sinks.
      if (
        ["innerHTML", "outerHTML"].includes(t.value) && member !== undefined &&
        (next === "=" || next === "+=")
      ) {
        const rhs = at(k + 2);
        const constant = rhs?.type === "string" &&
          ["", ";"].includes(val(k + 3) ?? "");
        if (!constant) {
          report(
            "xss",
            "high",
            `assigning to ${t.value} renders HTML from data; use textContent or escape it`,
            line,
          );
        }
      }
      if (
        (t.value === "write" || t.value === "writeln") &&
        member === "document" && next === "("
      ) {
        report("xss", "high", `document.${t.value} writes raw HTML`, line);
      }
      if (
        t.value === "insertAdjacentHTML" ||
        t.value === "dangerouslySetInnerHTML"
      ) {
        report("xss", "high", `${t.value} renders raw HTML`, line);
      }

      // Weak crypto.
      if (
        ["createHash", "createHmac"].includes(t.value) && next === "(" &&
        /^(md5|md4|sha1|sha-1)$/i.test(at(k + 2)?.text ?? "")
      ) {
        report(
          "weak-crypto",
          "medium",
          `${
            at(k + 2)?.text
          } is broken for security purposes; use sha256 or better`,
          line,
        );
      }
      if (
        syntax === "python" && member === "hashlib" &&
        ["md5", "sha1"].includes(t.value)
      ) {
        report(
          "weak-crypto",
          "medium",
          `hashlib.${t.value} is broken for security purposes`,
          line,
        );
      }
      if (
        t.value === "digest" && next === "(" &&
        /^sha-?1$/i.test(at(k + 2)?.text ?? "")
      ) {
        report(
          "weak-crypto",
          "medium",
          "SHA-1 is broken for security purposes",
          line,
        );
      }
      if (
        (t.value === "createCipher" || t.value === "createDecipher") &&
        next === "("
      ) {
        report(
          "weak-crypto",
          "high",
          `${t.value} derives keys weakly and is deprecated; use createCipheriv`,
          line,
        );
      }

      // Insecure randomness where it makes secrets.
      if (t.value === "random" && member === "Math") {
        const names = code.filter((o) => o.line === line && o.type === "ident")
          .map((o) => o.value);
        if (names.some((nm) => nm !== "Math" && SECURE_CONTEXT.test(nm))) {
          report(
            "insecure-random",
            "high",
            "Math.random is predictable; use crypto.getRandomValues or crypto.randomUUID for tokens and ids",
            line,
          );
        }
      }

      // Disabled TLS verification.
      if (
        (t.value === "rejectUnauthorized" && next === ":" &&
          isIdent(k + 2, "false")) ||
        (syntax === "python" && t.value === "verify" && next === "=" &&
          isIdent(k + 2, "False"))
      ) {
        report(
          "tls-disabled",
          "high",
          "TLS certificate verification is turned off",
          line,
        );
      }

      // FFI.
      if (t.value === "dlopen" && member === "Deno") {
        report("ffi", "high", "Deno.dlopen loads native code", line);
      }
    }

    // NODE_TLS_REJECT_UNAUTHORIZED set to "0" (env assignment or env.set call), or Deno's flag.
    const tlsEnv = (t.type === "ident" &&
      t.value === "NODE_TLS_REJECT_UNAUTHORIZED" &&
      (val(k + 1) === "=" || val(k + 1) === ":") &&
      /^0?$/.test(at(k + 2)?.text ?? at(k + 2)?.value ?? "")) ||
      (t.type === "string" && t.text === "NODE_TLS_REJECT_UNAUTHORIZED" &&
        val(k + 1) === "," && at(k + 2)?.text === "0");
    if (
      tlsEnv ||
      (t.type === "string" &&
        /^--unsafely-ignore-certificate-errors/.test(t.text ?? ""))
    ) {
      report(
        "tls-disabled",
        "high",
        "TLS certificate verification is turned off",
        line,
      );
    }

    // child_process / subprocess modules.
    if (
      t.type === "string" &&
      /^(node:)?child_process$/.test(t.text ?? "") &&
      (val(k - 1) === "from" || val(k - 1) === "(" || val(k - 1) === "import")
    ) {
      report(
        "subprocess",
        "high",
        "child_process starts subprocesses; make sure no input reaches a command",
        line,
      );
    }
    if (
      syntax === "python" && t.type === "ident" && t.value === "subprocess" &&
      (val(k - 1) === "import" || val(k - 1) === "from")
    ) {
      report("subprocess", "medium", "subprocess starts programs", line);
    }

    // SQL built from strings.
    if (t.type === "template" && t.template && t.value.startsWith("`")) {
      const info = t.template;
      const tagged = at(k - 1)?.type === "ident" ||
        at(k - 1)?.value === ")" || at(k - 1)?.value === "]";
      if (info.substitutions > 0 && !tagged && SQL_TEXT.test(info.text)) {
        const inCall = isPunct(k - 1, "(") && SQL_CALLS.has(val(k - 2) ?? "");
        report(
          "sql-injection",
          inCall ? "critical" : "high",
          "SQL built with ${} interpolation; use parameters or a query builder",
          line,
        );
      }
    }
    if (
      (t.type === "string") && SQL_TEXT.test(t.text ?? "") &&
      (isPunct(k + 1, "+") || isPunct(k - 1, "+") ||
        (syntax === "python" && (isPunct(k + 1, "%") || isPunct(k + 1, "."))))
    ) {
      const formatted = syntax === "python" && isPunct(k + 1, ".") &&
        val(k + 2) !== "format";
      if (!formatted) {
        report(
          "sql-injection",
          "high",
          "SQL built by string concatenation; use parameters",
          line,
        );
      }
    }
    if (
      syntax === "python" && t.type === "string" && /^[fF]/.test(t.value) &&
      SQL_TEXT.test(t.text ?? "") && /\{[^}]+\}/.test(t.text ?? "")
    ) {
      report(
        "sql-injection",
        "high",
        "SQL built with an f-string; use parameters",
        line,
      );
    }
  }
}

/** Shannon entropy in bits per character. */
export function shannon(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
