/**
 * What generated tests may import in the sandbox, and the check that holds
 * them to it.
 *
 * Models writing Deno tests import the standard library's assertion modules
 * (`jsr:@std/assert`, `jsr:@std/expect`, `jsr:@std/testing/bdd`, their bare
 * `@std/…` forms and the older `https://deno.land/std@…/…` URLs). The sandbox
 * has no network and no module cache, so {@linkcode buildImportMap} maps
 * exactly those specifiers, as written in the workspace's sources, to the
 * modules in `./sandbox_compat/` that provide the same API. The map is a file
 * in the run's private temp directory, passed with `--import-map` together
 * with `--no-config`: a `deno.json` or import map in the workspace is ignored,
 * so generated code cannot redirect anything.
 *
 * {@linkcode checkGraph} then resolves every test file's module graph with
 * `deno info --json` under the same map and refuses anything that is not a
 * workspace file, an allowed `node:` built-in or one of the compat modules,
 * naming the import as it was written and the file that wrote it.
 *
 * @module
 */

import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isInside } from "./workspace.ts";
import { stripAnsi } from "../../../runtime/ansi.ts";

/** Node built-ins without I/O that tests may import. Everything else `node:` is refused. */
export const ALLOWED_NODE_BUILTINS: readonly string[] = Object.freeze([
  "node:assert",
  "node:assert/strict",
  "node:test",
]);

/** The compat modules, by the std module whose API each provides. */
export const STD_COMPAT_MODULES: Readonly<
  Record<"assert" | "expect" | "bdd", string>
> = Object.freeze({
  assert: new URL("./sandbox_compat/assert.ts", import.meta.url).href,
  expect: new URL("./sandbox_compat/expect.ts", import.meta.url).href,
  bdd: new URL("./sandbox_compat/bdd.ts", import.meta.url).href,
});

const COMPAT_URLS: ReadonlySet<string> = new Set(
  Object.values(STD_COMPAT_MODULES),
);

/** What a refusal says can be imported. */
export function importPolicy(allowedBuiltins: readonly string[]): string {
  return `only workspace files, ${
    allowedBuiltins.join(", ")
  } and the std assertion modules (jsr:@std/assert, jsr:@std/expect, jsr:@std/testing/bdd) can be imported`;
}

const NAME = "[a-z][a-z0-9_-]*";
const VERSION = "@[0-9A-Za-z.^~*<>=+_-]+";
const STD_PATTERNS: readonly [RegExp, keyof typeof STD_COMPAT_MODULES][] = [
  [new RegExp(`^jsr:@std/assert(?:${VERSION})?(?:/${NAME})?$`), "assert"],
  [new RegExp(`^@std/assert(?:/${NAME})?$`), "assert"],
  [new RegExp(`^jsr:@std/expect(?:${VERSION})?(?:/${NAME})?$`), "expect"],
  [new RegExp(`^@std/expect(?:/${NAME})?$`), "expect"],
  [new RegExp(`^jsr:@std/testing(?:${VERSION})?/bdd$`), "bdd"],
  [/^@std\/testing\/bdd$/, "bdd"],
  [
    new RegExp(`^https://deno\\.land/std(?:${VERSION})?/assert/${NAME}\\.ts$`),
    "assert",
  ],
  [
    new RegExp(`^https://deno\\.land/std(?:${VERSION})?/testing/asserts\\.ts$`),
    "assert",
  ],
  [
    new RegExp(`^https://deno\\.land/std(?:${VERSION})?/testing/bdd\\.ts$`),
    "bdd",
  ],
  [
    new RegExp(`^https://deno\\.land/std(?:${VERSION})?/expect/${NAME}\\.ts$`),
    "expect",
  ],
];

/**
 * The compat module that stands in for a std specifier, or null when the
 * specifier is not one of the mapped std assertion modules.
 *
 * @example
 * ```ts
 * stdCompatTarget("jsr:@std/assert@1/equals"); // STD_COMPAT_MODULES.assert
 * stdCompatTarget("jsr:@std/fs"); // null
 * ```
 */
export function stdCompatTarget(specifier: string): string | null {
  for (const [pattern, module] of STD_PATTERNS) {
    if (pattern.test(specifier)) return STD_COMPAT_MODULES[module];
  }
  return null;
}

const SOURCE_FILE = /\.(?:ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const QUOTED =
  /["'`]((?:jsr:|https:\/\/deno\.land\/|@std\/)[^"'`\s]{1,200})["'`]/g;

/**
 * Builds the import map of a run: every std specifier that appears quoted in
 * the workspace's source files, mapped to its compat module. Specifiers are
 * collected from the text (not the graph) so one `deno info` pass suffices;
 * a string that is not an import only adds an unused entry.
 */
export async function buildImportMap(
  root: string,
  files: readonly string[],
): Promise<{ imports: Record<string, string> }> {
  const imports: Record<string, string> = {};
  for (const file of files) {
    if (!SOURCE_FILE.test(file)) continue;
    const text = await Deno.readTextFile(join(root, file));
    for (const match of text.matchAll(QUOTED)) {
      const specifier = match[1] ?? "";
      const target = stdCompatTarget(specifier);
      if (target) imports[specifier] = target;
    }
  }
  return { imports };
}

/** A module the graph check refused. */
export interface RefusedModule {
  /** The resolved specifier (or the raw one when it could not be resolved). */
  specifier: string;
  /** Why it was refused. */
  reason: string;
  /** The import as written in the source, when known. */
  importedAs?: string;
  /** The workspace file that imports it, relative to the workspace, when known. */
  from?: string;
}

interface InfoDependency {
  specifier: string;
  code?: { specifier?: string; error?: string };
  type?: { specifier?: string; error?: string };
}

interface InfoModule {
  specifier: string;
  kind?: string;
  error?: string;
  dependencies?: InfoDependency[];
}

/** Inputs of {@linkcode checkGraph}. */
export interface GraphCheck {
  /** The deno binary. */
  deno: string;
  /** The workspace (real path). */
  root: string;
  /** Test files relative to the workspace; each one's graph is checked. */
  testFiles: readonly string[];
  /** The whole environment of `deno info`. */
  env: Record<string, string>;
  /** The run's import map (see {@linkcode buildImportMap}). */
  importMapPath: string;
  /** The node: built-ins tests may import. */
  allowedBuiltins: readonly string[];
  /** Cancels the check. */
  signal: AbortSignal | undefined;
  /** Limit of each `deno info` call in ms. */
  timeoutMs: number;
}

/** Runs `deno info --json` on each test file and refuses what lies outside. */
export async function checkGraph(
  check: GraphCheck,
): Promise<{ refused: RefusedModule[] }> {
  const { deno, root, env, signal } = check;
  const refused = new Map<string, RefusedModule>();
  const refuse = (entry: RefusedModule) => {
    if (!refused.has(entry.specifier)) refused.set(entry.specifier, entry);
  };
  const display = (url: string): string => {
    if (!url.startsWith("file:")) return url;
    try {
      const path = fileURLToPath(url);
      return isInside(root, path) ? relative(root, path) : path;
    } catch {
      return url;
    }
  };
  for (const file of check.testFiles) {
    const result = await new Deno.Command(deno, {
      args: [
        "info",
        "--json",
        "--no-config",
        "--no-lock",
        "--no-remote",
        "--no-npm",
        `--import-map=${check.importMapPath}`,
        // "./" keeps a file name from being read as a flag; "--" would make
        // `deno info` print its general info and skip the graph.
        `./${file}`,
      ],
      cwd: root,
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.any([
        ...(signal ? [signal] : []),
        AbortSignal.timeout(check.timeoutMs),
      ]),
    }).output();
    signal?.throwIfAborted();
    if (result.signal !== null) {
      refuse({
        specifier: file,
        reason: `the module graph check was killed (${result.signal})`,
      });
      continue;
    }
    let modules: InfoModule[];
    try {
      const graph: { roots?: string[]; modules?: InfoModule[] } = JSON.parse(
        new TextDecoder().decode(result.stdout),
      );
      // Fail closed: a reply without this file's graph proves nothing.
      const rootUrl = pathToFileURL(join(root, file)).href;
      if (!graph.roots?.includes(rootUrl) || !graph.modules?.length) {
        throw new Error("no module graph");
      }
      modules = graph.modules;
    } catch {
      refuse({
        specifier: file,
        reason: `the module graph could not be read: ${
          stripAnsi(new TextDecoder().decode(result.stderr)).trim().slice(
            0,
            500,
          )
        }`,
      });
      continue;
    }
    // Who imports what: node built-ins imported only by the compat modules
    // (node:assert) are allowed even when allowedBuiltins leaves them out.
    const importers = new Map<string, Set<string>>();
    for (const module of modules) {
      for (const dep of module.dependencies ?? []) {
        for (const resolved of [dep.code, dep.type]) {
          const target = resolved?.specifier ?? dep.specifier;
          const set = importers.get(target) ?? new Set<string>();
          set.add(module.specifier);
          importers.set(target, set);
        }
      }
    }
    const judge = async (specifier: string, kind?: string) =>
      await judgeSpecifier(specifier, kind, root, check.allowedBuiltins, [
        ...(importers.get(specifier) ?? []),
      ]);
    for (const module of modules) {
      if (COMPAT_URLS.has(module.specifier)) continue;
      for (const dep of module.dependencies ?? []) {
        for (const resolved of [dep.code, dep.type]) {
          if (!resolved) continue;
          const from = display(module.specifier);
          if (resolved.error) {
            refuse({
              specifier: dep.specifier,
              importedAs: dep.specifier,
              from,
              reason: `unresolvable import: ${resolved.error}`,
            });
          } else if (resolved.specifier) {
            const why = await judge(resolved.specifier);
            if (why) {
              refuse({
                specifier: resolved.specifier,
                importedAs: dep.specifier,
                from,
                reason: why,
              });
            }
          }
        }
      }
    }
    for (const module of modules) {
      const why = await judge(module.specifier, module.kind);
      if (why) refuse({ specifier: module.specifier, reason: why });
      else if (module.error && !module.specifier.startsWith("file:")) {
        refuse({ specifier: module.specifier, reason: module.error });
      }
    }
  }
  return { refused: [...refused.values()] };
}

async function judgeSpecifier(
  specifier: string,
  kind: string | undefined,
  root: string,
  allowedBuiltins: readonly string[],
  importers: readonly string[],
): Promise<string | null> {
  if (specifier.startsWith("node:") || kind === "node") {
    if (allowedBuiltins.includes(specifier)) return null;
    if (importers.length > 0 && importers.every((i) => COMPAT_URLS.has(i))) {
      return null;
    }
    return `Node built-in not allowed (allowed: ${allowedBuiltins.join(", ")})`;
  }
  if (COMPAT_URLS.has(specifier)) return null;
  if (!specifier.startsWith("file:")) {
    const scheme = specifier.split(":")[0] ?? specifier;
    return `${scheme}: modules are not allowed; only files inside the workspace`;
  }
  let path: string;
  try {
    path = fileURLToPath(specifier);
  } catch {
    return "invalid file URL";
  }
  const real = await Deno.realPath(path).catch(() => path);
  return isInside(root, real) ? null : "file outside the workspace";
}

export { stripAnsi } from "../../../runtime/ansi.ts";
