/**
 * The workflow's tools: file operations confined to a build's workspace, the
 * test sandbox, code analysis and documentation generation. Plain functions,
 * no actors, no model.
 *
 * @example
 * ```ts
 * import { analyzeCode, createWorkspace, generateDocs, runTests } from "./mod.ts";
 *
 * const ws = await createWorkspace(workspacesRoot, buildId);
 * await ws.writeFile("add.ts", "export const add = (a: number, b: number) => a + b;\n");
 * await ws.writeFile("add_test.ts", 'import { add } from "./add.ts";\nDeno.test("adds", () => { if (add(1, 2) !== 3) throw new Error("no"); });\n');
 * const report = await runTests(ws.dir, { timeoutMs: 30_000, memoryMb: 128 });
 * const files = await Promise.all((await ws.list()).map(async (path) => ({ path, content: await ws.readFile(path) })));
 * const scores = analyzeCode(files, { language: "typescript" });
 * const readme = generateDocs(files, { title: "add" });
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
