import { assert } from "../../../deps.ts";
import { analyzeCode } from "../../../../actors/workflow/tools/analysis.ts";

/** [file, rule, code that must be flagged, near miss that must not]. */
type Pair = [path: string, rule: string, bad: string, good: string];

const TS: Pair[] = [
  ["a.ts", "eval", "eval(input);", "obj.evaluate(input);"],
  [
    "a.ts",
    "eval",
    "const e = eval; e(input);",
    "const e = evaluate; e(input);",
  ],
  ["a.ts", "eval", "globalThis.eval(code);", "myLib.eval(code);"],
  ["a.ts", "eval", "(0, eval)(code);", "(0, run)(code);"],
  [
    "a.ts",
    "new-function",
    "const f = new Function('a', 'return a');",
    "const f = new Functor('a');",
  ],
  [
    "a.ts",
    "string-timer",
    'setTimeout("alert(1)", 100);',
    "setTimeout(() => alert(1), 100);",
  ],
  [
    "a.ts",
    "string-timer",
    "setInterval(`tick()`, 100);",
    "setInterval(tick, 100);",
  ],
  [
    "a.ts",
    "subprocess",
    'await new Deno.Command("sh", { args }).output();',
    'await new Deno.Commander("sh").output();',
  ],
  [
    "a.ts",
    "subprocess",
    'import { exec } from "node:child_process";\nexec(cmd);',
    'import { exec } from "./regex.ts";\nexec(cmd);',
  ],
  ["a.ts", "subprocess", "child_process.exec(cmd);", "pattern.exec(text);"],
  [
    "a.ts",
    "shell-true",
    'spawn("ls", [dir], { shell: true });',
    'spawn("ls", [dir], { shell: false });',
  ],
  [
    "a.ts",
    "hardcoded-secret",
    'const k = "AKIAIOSFODNN7EXAMPLE";',
    'const k = "AKIA-not-a-key";',
  ],
  [
    "a.ts",
    "hardcoded-secret",
    'const apiKey = "9f8e7d6c5b4a39281706";',
    'const apiKey = Deno.env.get("API_KEY");',
  ],
  [
    "a.ts",
    "hardcoded-secret",
    'const config = { password: "Tr0ub4dor&3" };',
    'const config = { password: "" };',
  ],
  [
    "a.ts",
    "path-traversal",
    'const data = await Deno.readTextFile("./files/" + req.query.name);',
    'const data = await Deno.readTextFile("./files/" + VERSION);',
  ],
  [
    "a.ts",
    "path-traversal",
    "fs.readFileSync(`uploads/${params.file}`);",
    'fs.readFileSync("uploads/index.html");',
  ],
  [
    "a.ts",
    "unsafe-deserialization",
    "const obj = v8.deserialize(buffer);",
    "const obj = JSON.parse(text);",
  ],
  [
    "a.ts",
    "unsafe-deserialization",
    "const doc = yaml.load(text);",
    "const doc = yaml.load(text, { schema: yaml.JSON_SCHEMA });",
  ],
  [
    "a.ts",
    "unsafe-deserialization",
    "const o = serialize.unserialize(cookie);",
    "const o = serialize.stringify(cookie);",
  ],
  [
    "a.ts",
    "xss",
    "el.innerHTML = comment;",
    "el.textContent = comment;",
  ],
  ["a.ts", "xss", 'el.innerHTML += "<b>" + name;', 'el.innerHTML = "";'],
  ["a.ts", "xss", "document.write(html);", "doc.write(html);"],
  [
    "a.tsx",
    "xss",
    "const v = <div dangerouslySetInnerHTML={{ __html: html }} />;",
    "const v = <div title={html} />;",
  ],
  [
    "a.ts",
    "sql-injection",
    "await db.query(`SELECT * FROM users WHERE name = '${name}'`);",
    "await db.query('SELECT * FROM users WHERE name = $1', [name]);",
  ],
  [
    "a.ts",
    "sql-injection",
    'db.run("DELETE FROM users WHERE id = " + id);',
    'db.run("DELETE FROM users WHERE id = ?", id);',
  ],
  [
    "a.ts",
    "sql-injection",
    "const q = `UPDATE t SET a = ${a} WHERE id = 1`;",
    "const q = sql`UPDATE t SET a = ${a} WHERE id = 1`;",
  ],
  [
    "a.ts",
    "weak-crypto",
    'const h = createHash("md5").update(password).digest("hex");',
    'const h = createHash("sha256").update(password).digest("hex");',
  ],
  [
    "a.ts",
    "weak-crypto",
    'const c = crypto.createCipher("aes-256-cbc", key);',
    'const c = crypto.createCipheriv("aes-256-cbc", key, iv);',
  ],
  [
    "a.ts",
    "weak-crypto",
    'await crypto.subtle.digest("SHA-1", data);',
    'await crypto.subtle.digest("SHA-256", data);',
  ],
  [
    "a.ts",
    "insecure-random",
    "const token = Math.random().toString(16);",
    "const jitter = Math.random() * base;",
  ],
  [
    "a.ts",
    "insecure-random",
    "const session = { id: Math.random() };",
    "const point = { x: Math.random() };",
  ],
  [
    "a.ts",
    "tls-disabled",
    "const agent = new Agent({ rejectUnauthorized: false });",
    "const agent = new Agent({ rejectUnauthorized: true });",
  ],
  [
    "a.ts",
    "tls-disabled",
    'process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";',
    'process.env.NODE_TLS_REJECT_UNAUTHORIZED = "1";',
  ],
  [
    "a.ts",
    "tls-disabled",
    'Deno.env.set("NODE_TLS_REJECT_UNAUTHORIZED", "0");',
    'Deno.env.set("NODE_ENV", "0");',
  ],
  [
    "a.ts",
    "prototype-pollution",
    "target.__proto__ = source;",
    "target.proto = source;",
  ],
  [
    "a.ts",
    "prototype-pollution",
    "for (const key in src) { dst[key] = src[key]; }",
    'for (const key in src) { if (key === "__proto__") continue; dst[key] = src[key]; }',
  ],
  [
    "a.ts",
    "prototype-pollution",
    "settings[req.body.key] = req.body.value;",
    'settings["theme"] = req.body.value;',
  ],
  ["a.ts", "ffi", 'Deno.dlopen("./lib.so", {});', 'Deno.open("./lib.so");'],
];

const JS: Pair[] = [
  [
    "a.js",
    "eval",
    "const run = eval;\nrun(code);",
    "const run = exec;\nrun(code);",
  ],
  ["a.js", "eval", "window.eval(code);", "editor.eval(code);"],
  [
    "a.js",
    "subprocess",
    'const cp = require("child_process");\ncp.exec(cmd);',
    'const re = /a/;\nre.exec("a");',
  ],
  [
    "a.js",
    "xss",
    'el.insertAdjacentHTML("beforeend", html);',
    'el.insertAdjacentText("beforeend", html);',
  ],
  [
    "a.jsx",
    "xss",
    "const v = <p dangerouslySetInnerHTML={{ __html: x }} />;",
    "const v = <p>{x}</p>;",
  ],
  [
    "a.js",
    "sql-injection",
    'conn.execute("SELECT * FROM t WHERE a = \'" + a + "\'");',
    'conn.execute("SELECT * FROM t WHERE a = ?", [a]);',
  ],
  [
    "a.js",
    "prototype-pollution",
    "Object.setPrototypeOf(obj, evil);",
    "Object.getPrototypeOf(obj);",
  ],
  [
    "a.js",
    "hardcoded-secret",
    'const token = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";',
    "const token = process.env.GITHUB_TOKEN;",
  ],
];

const PY: Pair[] = [
  [
    "a.py",
    "eval",
    "result = eval(expr)\n",
    "result = ast.literal_eval(expr)\n",
  ],
  ["a.py", "eval", "exec(code)\n", "executor.exec(code)\n"],
  [
    "a.py",
    "eval",
    'code = compile(src, "<s>", "exec")\n',
    "code = re.compile(src)\n",
  ],
  [
    "a.py",
    "unsafe-deserialization",
    "obj = pickle.loads(data)\n",
    "obj = json.loads(data)\n",
  ],
  [
    "a.py",
    "unsafe-deserialization",
    "obj = marshal.load(f)\n",
    "obj = tomllib.load(f)\n",
  ],
  [
    "a.py",
    "unsafe-deserialization",
    "cfg = yaml.load(text)\n",
    "cfg = yaml.load(text, Loader=yaml.SafeLoader)\n",
  ],
  [
    "a.py",
    "unsafe-deserialization",
    "cfg = yaml.unsafe_load(text)\n",
    "cfg = yaml.safe_load(text)\n",
  ],
  [
    "a.py",
    "shell-true",
    "subprocess.run(cmd, shell=True)\n",
    'subprocess.run(["ls", path], shell=False)\n',
  ],
  ["a.py", "subprocess", "os.system(cmd)\n", "os.getcwd()\n"],
  [
    "a.py",
    "subprocess",
    "out = os.popen(cmd).read()\n",
    "out = os.path.join(a, b)\n",
  ],
  [
    "a.py",
    "sql-injection",
    'cur.execute("SELECT * FROM users WHERE id = %s" % uid)\n',
    'cur.execute("SELECT * FROM users WHERE id = %s", (uid,))\n',
  ],
  [
    "a.py",
    "sql-injection",
    "cur.execute(f\"DELETE FROM users WHERE name = '{name}'\")\n",
    'cur.execute("DELETE FROM users WHERE name = ?", (name,))\n',
  ],
  [
    "a.py",
    "sql-injection",
    'cur.execute("SELECT * FROM t WHERE a = " + a)\n',
    'log.info("SELECT took " + str(ms))\n',
  ],
  [
    "a.py",
    "sql-injection",
    'cur.execute("SELECT * FROM t WHERE a = {}".format(a))\n',
    'print("total: {}".format(a))\n',
  ],
  [
    "a.py",
    "weak-crypto",
    "digest = hashlib.md5(password.encode()).hexdigest()\n",
    "digest = hashlib.sha256(password.encode()).hexdigest()\n",
  ],
  [
    "a.py",
    "weak-crypto",
    'h = hashlib.new("sha1", data)\n',
    'h = hashlib.new("sha512", data)\n',
  ],
  [
    "a.py",
    "weak-crypto",
    "etag = hashlib.sha1(body).hexdigest()\n",
    "etag = hashlib.sha1(body, usedforsecurity=False).hexdigest()\n",
  ],
  [
    "a.py",
    "insecure-random",
    "token = random.getrandbits(128)\n",
    "token = secrets.token_hex(16)\n",
  ],
  [
    "a.py",
    "insecure-random",
    "reset_password = ''.join(random.choice(ALPHABET) for _ in range(12))\n",
    "colour = random.choice(COLOURS)\n",
  ],
  [
    "a.py",
    "tls-disabled",
    "requests.get(url, verify=False)\n",
    "requests.get(url, verify=True)\n",
  ],
  [
    "a.py",
    "tls-disabled",
    "ctx = ssl._create_unverified_context()\n",
    "ctx = ssl.create_default_context()\n",
  ],
  [
    "a.py",
    "insecure-temp-file",
    "path = tempfile.mktemp()\n",
    "fd, path = tempfile.mkstemp()\n",
  ],
  [
    "a.py",
    "hardcoded-secret",
    'DB_PASSWORD = "s3cr3t-Passw0rd"\n',
    'DB_PASSWORD = os.environ["DB_PASSWORD"]\n',
  ],
  [
    "a.py",
    "hardcoded-secret",
    'client = Client(api_key="9f8e7d6c5b4a39281706")\n',
    "client = Client(api_key=settings.API_KEY)\n",
  ],
  [
    "a.py",
    "hardcoded-secret",
    'KEY = "AKIAIOSFODNN7EXAMPLE"\n',
    'KEY = "release-notes"\n',
  ],
  [
    "a.py",
    "assert-access-check",
    "def delete(user):\n    assert user.is_admin\n    remove()\n",
    "def delete(items):\n    assert len(items) > 0\n    remove()\n",
  ],
  [
    "a.py",
    "path-traversal",
    'f = open("/srv/files/" + request.args["name"])\n',
    'f = open("/srv/files/index.html")\n',
  ],
  [
    "a.py",
    "path-traversal",
    'f = open(f"uploads/{filename}")\n',
    'f = open(f"uploads/{VERSION}.txt")\n',
  ],
];

async function rulesOf(path: string, code: string): Promise<string[]> {
  const { findings } = await analyzeCode([{ path, content: code + "\n" }], {
    language: path.endsWith(".py") ? "python" : "typescript",
  });
  return findings.filter((f) => f.category === "security").map((f) => f.rule);
}

const ALL = [...TS, ...JS, ...PY];

Deno.test("at least 60 rule pairs cover TypeScript, JavaScript and Python", () => {
  assert.ok(ALL.length >= 60, `${ALL.length} pairs`);
  assert.ok(PY.length >= 20 && TS.length >= 20 && JS.length >= 5);
});

for (const [path, rule, bad, good] of ALL) {
  Deno.test(`${path.split(".")[1]} ${rule}: flags \`${bad.trim().split("\n").at(-1)}\`, not \`${good.trim().split("\n").at(-1)}\``, async () => {
    const flagged = await rulesOf(path, bad);
    assert.ok(flagged.includes(rule), `${rule} missing for ${bad}: ${flagged}`);
    const spared = await rulesOf(path, good);
    assert.ok(!spared.includes(rule), `${rule} wrongly found in ${good}`);
  });
}
