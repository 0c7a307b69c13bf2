/**
 * The workflow's tools: file operations confined to a build's workspace, the
 * test sandbox, code analysis and documentation generation. Plain functions,
 * no actors, no model.
 *
 * @example
 * ```ts
 * import { analyzeCode, createWorkspace, generateDocs, runTests } from "./mod.ts";
 *
 * const root = await Deno.makeTempDir();
 * const ws = await createWorkspace(root, "b-example");
 * await ws.writeFile("add.ts", "export const add = (a: number, b: number) => a + b;\n");
 * await ws.writeFile("add_test.ts", 'import { add } from "./add.ts";\nDeno.test("adds", () => { if (add(1, 2) !== 3) throw new Error("no"); });\n');
 * const report = await runTests(ws.dir, { timeoutMs: 30_000, memoryMb: 128 });
 * const files = await Promise.all((await ws.list()).map(async (path) => ({ path, content: await ws.readFile(path) })));
 * const scores = await analyzeCode(files, { language: "typescript" });
 * const readme = await generateDocs(files, { title: "add" });
 * await Deno.remove(root, { recursive: true });
 * if (report.status !== "passed") throw new Error(report.reason);
 * if (scores.quality < 0 || !readme.includes("add")) throw new Error("no analysis");
 * ```
 *
 * @module
 */

export {
  createWorkspace,
  DEFAULT_WORKSPACE_LIMITS,
  type Workspace,
  WorkspaceEscapeError,
  WorkspaceLimitError,
  type WorkspaceLimits,
  type WorkspaceOptions,
} from "./workspace.ts";
export {
  ALLOWED_NODE_BUILTINS,
  type RefusedModule,
  runTests,
  type RunTestsOptions,
  SANDBOX_LANGUAGES,
  type TestFailure,
  type TestReport,
  type TestStatus,
  UnsupportedLanguageError,
} from "./sandbox.ts";
export {
  type AnalysisMetrics,
  type AnalysisResult,
  analyzeCode,
  type AnalyzeOptions,
  type Category,
  type Finding,
  type Severity,
  SEVERITY_WEIGHT,
  type SourceFile,
} from "./analysis.ts";
export {
  type DocComment,
  type DocModule,
  type DocSourceFile,
  type DocSymbol,
  extractModules,
  generateDocs,
  type GenerateDocsOptions,
} from "./docs.ts";
export type {
  Grammar,
  GrammarLoader,
  SyntaxNode,
  WasmLocator,
} from "./analysis/mod.ts";
