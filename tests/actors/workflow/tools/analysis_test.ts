import { assert, fc } from "../../../deps.ts";
import {
  analyzeCode,
  type Finding,
} from "../../../../actors/workflow/tools/analysis.ts";

const CLEAN = `/** Adds two numbers. */
export function add(a: number, b: number): number {
  return a + b;
}

/** Greets someone by name. */
export function greet(name: string): string {
  return \`Hello, \${name}!\`;
}
`;

const INSECURE = `/** Adds two numbers. */
export function add(a: number, b: number): number {
  return a + b;
}

const password = "Tr0ub4dor&3-horse";

/** Runs a formula. */
export function calculate(formula: string): number {
  return eval(formula);
}
`;

function rules(findings: readonly Finding[], category?: string): string[] {
  return findings.filter((f) => !category || f.category === category).map((
    f,
  ) => f.rule);
}

function one(content: string, path = "src/mod.ts") {
  return analyzeCode([{ path, content }], { language: "typescript" });
}

Deno.test("code with eval and a hard-coded secret scores lower on security than clean code", async () => {
  const clean = await one(CLEAN);
  const insecure = await one(INSECURE);
  assert.equal(clean.security, 100);
  assert.ok(insecure.security < 60, `security ${insecure.security}`);
  assert.deepEqual(rules(insecure.findings, "security").sort(), [
    "eval",
    "hardcoded-secret",
  ]);
});

Deno.test("findings carry the line of the offending code", async () => {
  const { findings } = await one(INSECURE);
  const byRule = Object.fromEntries(findings.map((f) => [f.rule, f]));
  assert.equal(byRule["hardcoded-secret"]?.line, 6);
  assert.equal(byRule["eval"]?.line, 10);
  assert.equal(byRule["eval"]?.path, "src/mod.ts");
  assert.equal(byRule["eval"]?.severity, "critical");
});

Deno.test("eval in strings, comments, templates and regexes does not count", async () => {
  const { findings, security } = await one(`/** Harmless. */
export function describe(): string {
  // eval(input) would be bad; so would new Function("x")
  /* setTimeout("code", 1); child_process; password = "hunter22" */
  const a = "eval(x) and new Function('y')";
  const b = 'password = "abcdefgh1"';
  const c = \`eval(\${a}) require("child_process")\`;
  const d = /eval\\(/.test(b);
  return a + b + c + String(d);
}
`);
  assert.deepEqual(rules(findings, "security"), []);
  assert.equal(security, 100);
});

Deno.test("each security rule fires on its pattern", async () => {
  const cases: [string, string][] = [
    ["const f = new Function('a', 'return a');", "new-function"],
    ['setTimeout("alert(1)", 100);', "string-timer"],
    ['import { exec } from "node:child_process";', "subprocess"],
    ['await new Deno.Command("sh").output();', "subprocess"],
    ['spawn("ls", [dir], { shell: true });', "shell-true"],
    ['const k = "AKIAIOSFODNN7EXAMPLE";', "hardcoded-secret"],
    [
      'const pem = "-----BEGIN RSA PRIVATE KEY-----\\nMIIE";',
      "hardcoded-secret",
    ],
    ['const config = { apiKey: "9f8e7d6c5b4a39281706" };', "hardcoded-secret"],
    [
      'const data = await Deno.readTextFile("./files/" + req.query.name);',
      "path-traversal",
    ],
    ['const txt = readFileSync("../../etc/passwd");', "path-traversal"],
    ["const obj = v8.deserialize(buffer);", "unsafe-deserialization"],
    ["const doc = yaml.load(text);", "unsafe-deserialization"],
    ["target.__proto__ = source;", "prototype-pollution"],
    ["el.innerHTML = userComment;", "xss"],
    ["document.write(html);", "xss"],
    [
      "await db.query(`SELECT * FROM users WHERE name = '${name}'`);",
      "sql-injection",
    ],
    [
      'db.run("DELETE FROM users WHERE id = " + id);',
      "sql-injection",
    ],
    ['const h = createHash("md5").update(s).digest("hex");', "weak-crypto"],
    ["const token = Math.random().toString(16);", "insecure-random"],
    ["const agent = new Agent({ rejectUnauthorized: false });", "tls-disabled"],
  ];
  for (const [code, rule] of cases) {
    const { findings } = await one(code + "\n");
    assert.ok(
      rules(findings, "security").includes(rule),
      `${rule} not found in ${code}: ${JSON.stringify(findings)}`,
    );
  }
});

Deno.test("safe variants of risky patterns are not flagged", async () => {
  const safe = [
    "const rows = await db.sql`SELECT * FROM users WHERE id = ${id}`;",
    "const doc = yaml.load(text, { schema: yaml.JSON_SCHEMA });",
    'el.innerHTML = "";',
    "el.textContent = userComment;",
    'const h = createHash("sha256").update(s).digest("hex");',
    "const jitter = Math.random() * base;",
    'const password = "";',
    'const password = Deno.env.get("DB_PASSWORD");',
    "obj.evaluate(x);",
  ];
  for (const code of safe) {
    const { findings } = await one(code + "\n");
    assert.deepEqual(rules(findings, "security"), [], code);
  }
});

function nestedDuplicated(): string {
  const block = (n: number) => `
  if (items[${n}] && items[${n}].active) {
    for (const child of items[${n}].children) {
      if (child.visible || child.pinned) {
        while (child.pending > 0) {
          if (child.retry) {
            child.pending = child.pending - 1;
            console.log("retrying child", child.id);
            total = total + child.weight * 3;
          }
        }
      }
    }
  }`;
  const body = Array.from({ length: 6 }, (_, i) => block(i % 2)).join("\n");
  return `export function process_items(items: any[]) {
  let total = 0;${body}
  return total;
}
`;
}

Deno.test("a long, deeply nested, duplicated function scores lower than a clean one", async () => {
  const clean = await one(CLEAN);
  const messy = await one(nestedDuplicated());
  assert.equal(clean.quality, 100);
  assert.equal(clean.maintainability, 100);
  assert.ok(messy.quality < 60, `quality ${messy.quality}`);
  assert.ok(messy.maintainability < 85, `maint ${messy.maintainability}`);
  const found = new Set(rules(messy.findings));
  for (
    const rule of [
      "complexity",
      "function-length",
      "deep-nesting",
      "duplication",
      "console-log",
      "explicit-any",
      "undocumented-export",
      "naming",
    ]
  ) {
    assert.ok(found.has(rule), `missing ${rule}: ${[...found]}`);
  }
  assert.ok(messy.metrics.maxComplexity > 20);
  assert.ok(messy.metrics.maxNesting >= 5);
  assert.ok(messy.metrics.duplicatedLines >= 6);
  const complexity = messy.findings.find((f) => f.rule === "complexity");
  assert.equal(complexity?.line, 1);
  assert.match(complexity?.message ?? "", /process_items/);
});

Deno.test("metrics count functions, exports and documentation", async () => {
  const { metrics } = await one(`/** A. */
export class A {
  method(x: number): number {
    if (x > 1) return 1;
    return x > 0 ? 2 : 3;
  }
}
export const f = async (y: string): Promise<string> => {
  return y;
};
function inner<T>(t: T): T { return t; }
`);
  assert.equal(metrics.functions, 3);
  assert.equal(metrics.maxComplexity, 3);
  assert.equal(metrics.exportedSymbols, 2);
  assert.equal(metrics.documentedExports, 1);
  assert.equal(metrics.lines, 11);
});

Deno.test("python code is analysed with the same rules", async () => {
  const result = await analyzeCode([{
    path: "app.py",
    content: `import subprocess
API_TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"

def run(cmd):
    # eval(cmd) in a comment does not count
    subprocess.run(cmd, shell=True)
    return eval(cmd)
`,
  }], { language: "python" });
  const found = rules(result.findings, "security");
  assert.ok(found.includes("eval"));
  assert.ok(found.includes("shell-true"));
  assert.ok(found.includes("hardcoded-secret"));
  assert.equal(result.findings.find((f) => f.rule === "eval")?.line, 7);
  assert.equal(result.metrics.functions, 1);
});

Deno.test("scores are integers in 0..100 and analysis never throws, for any input", async () => {
  const snippets = fc.constantFrom(
    "eval(",
    "`${",
    "}",
    "{",
    "/*",
    "*/",
    "//",
    '"',
    "'",
    "/",
    "\n",
    "function f() {",
    "=> {",
    "password = ",
    "AKIAIOSFODNN7EXAMPLE",
    "if (",
    ")",
    "def f():\n  ",
    "SELECT * FROM t WHERE ",
    "\\",
  );
  const source = fc.oneof(
    fc.string({ maxLength: 400 }),
    fc.array(snippets, { maxLength: 60 }).map((parts) => parts.join("")),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          path: fc.constantFrom("a.ts", "b.js", "c.py", "d.txt"),
          content: source,
        }),
        {
          maxLength: 3,
        },
      ),
      fc.constantFrom("typescript", "javascript", "python", "go"),
      async (files, language) => {
        const result = await analyzeCode(files, { language });
        for (
          const s of [result.security, result.quality, result.maintainability]
        ) {
          if (!Number.isInteger(s) || s < 0 || s > 100) return false;
        }
        return result.findings.every((f) =>
          Number.isInteger(f.line) && f.line >= 1
        );
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("a 5,000-line file is analysed without pathological slowness in findings", async () => {
  const content = Array.from(
    { length: 1000 },
    (_, i) =>
      `/** f${i}. */\nexport function f${i}(x: number): number {\n  return x + ${i};\n}\n`,
  ).join("");
  const result = await one(content);
  assert.equal(result.metrics.functions, 1000);
  assert.ok(rules(result.findings).includes("file-length"));
});

Deno.test("an exported arrow function counts as a function and is measured", async () => {
  const { metrics } = await one(
    "/** Adds. */\nexport const add = (a: number, b: number) => a + b;\n",
  );
  assert.equal(metrics.functions, 1);
  assert.equal(metrics.exportedSymbols, 1);
  assert.equal(metrics.documentedExports, 1);
});

Deno.test("eval reached through an alias is flagged at its call", async () => {
  const { findings } = await one("const e = eval;\nexport const r = e(x);\n");
  const hit = findings.find((f) => f.rule === "eval");
  assert.equal(hit?.line, 2);
  assert.equal(hit?.column, 18);
  assert.match(hit?.message ?? "", /e is eval/);
});

Deno.test("nested ternaries in an expression-bodied arrow raise its complexity", async () => {
  const arms = Array.from({ length: 11 }, (_, i) => `n === ${i} ? "${i}" :`)
    .join("\n    ");
  const { metrics, findings } = await one(
    `export const label = (n: number) =>\n    ${arms}\n    "many";\n`,
  );
  assert.ok(metrics.maxComplexity >= 11, `complexity ${metrics.maxComplexity}`);
  const complexity = findings.find((f) => f.rule === "complexity");
  assert.match(
    complexity?.message ?? "",
    /^label has cyclomatic complexity 12/,
  );
});

Deno.test("logical operators, methods and arrows each add to complexity", async () => {
  const { metrics } = await one(`class A {
  m(a: boolean, b: boolean) {
    return a && b || (a ?? b);
  }
}
const f = function () {
  for (const x of xs) if (x) continue;
};
`);
  assert.equal(metrics.functions, 2);
  assert.equal(metrics.maxComplexity, 4);
});

Deno.test("python complexity counts boolean operators, comprehension ifs and lambdas", async () => {
  const result = await analyzeCode([{
    path: "m.py",
    content: `def pick(items, flag):
    """Picks."""
    out = [i for i in items if i and flag]
    key = lambda x: x if x else 0
    try:
        while flag or out:
            if out:
                break
    except ValueError:
        pass
    return out, key
`,
  }], { language: "python" });
  // pick: 1 + for-in clause + if clause + and + or + while + if + except = 8.
  assert.equal(result.metrics.functions, 2);
  assert.equal(result.metrics.maxComplexity, 8);
  assert.equal(result.metrics.maxNesting, 3);
  assert.equal(result.metrics.exportedSymbols, 1);
  assert.equal(result.metrics.documentedExports, 1);
});

Deno.test("too many parameters are reported with the function's position", async () => {
  const { findings } = await one(
    "export function f7(a, b, c, d, e, f, g) { return a; }\n",
    "src/p.js",
  );
  const hit = findings.find((f) => f.rule === "too-many-params");
  assert.equal(hit?.line, 1);
  assert.match(hit?.message ?? "", /takes 7 parameters/);
});

Deno.test("code that does not parse gets a syntax-error finding and still scores", async () => {
  const result = await one("export function (\n");
  assert.ok(result.findings.some((f) => f.rule === "syntax-error"));
  assert.ok(Number.isInteger(result.quality));
});

Deno.test("deeply nested expressions do not overflow the stack", async () => {
  const depth = 20_000;
  const ts = `export function f() {\n  return ${"[".repeat(depth)}1${
    "]".repeat(depth)
  };\n}\n`;
  const py = `def f():\n    return ${"(".repeat(depth)}1${")".repeat(depth)}\n`;
  const result = await analyzeCode([
    { path: "deep.ts", content: ts },
    { path: "deep.py", content: py },
  ]);
  assert.ok(Number.isInteger(result.quality));
  assert.ok(result.metrics.functions >= 1);
});

Deno.test("python test files are recognised: print is allowed there", async () => {
  const content = "def test_add():\n    print(add(1, 2))\n";
  const inTest = await analyzeCode([{ path: "test_math.py", content }]);
  const inApp = await analyzeCode([{ path: "math_tools.py", content }]);
  assert.ok(!rules(inTest.findings).includes("console-log"));
  assert.ok(rules(inApp.findings).includes("console-log"));
});
