/**
 * Build retrieval policy: what the workflow's analyze step fetches for a
 * build (similar code, documentation, best practices, the user's earlier
 * builds, one embedding for all four) and what it stores when a build ends
 * (its files, a summary). Plain functions over a narrow part of the vector
 * store, which keeps only the mechanism (embed, add, search).
 *
 * @module
 */
import { languageNamed } from "../languages/mod.ts";
import type { VectorHit, VectorStore } from "./_outside_types.ts";

/** The part of the vector store the retrieval policy uses. */
export type RetrievalStore = Pick<VectorStore, "add" | "searchMany">;

/** What the analyze step gets for a build. */
export interface BuildContext {
  /** The user's code (and global code) in the build's language. */
  similarCode: VectorHit[];
  /** Documentation the user may see. */
  documentation: VectorHit[];
  /** Best practices of the build's language. */
  bestPractices: VectorHit[];
  /** Summaries of the user's earlier builds, the asking build left out. */
  previousBuilds: VectorHit[];
}

/** A build as the policy files it: whose, which, in what language. */
export interface RetrievalBuild {
  /** The build's id. */
  buildId: string;
  /** Its owner. */
  userId: string;
  /** Its language (`ts` and `js` are spelled out when stored). */
  language: string;
}

/** The language's id when it is one Troupe knows (`ts` -> `typescript`), else lower case. */
function normalizeLanguage(language: string): string {
  return languageNamed(language)?.id ?? language.trim().toLowerCase();
}

/** Languages whose best practices apply to a build's language. */
function practiceLanguages(language: string): string[] {
  const l = normalizeLanguage(language);
  return l === "typescript" ? ["typescript", "javascript"] : [l];
}

/**
 * Similar code, documentation, best practices and the user's earlier builds
 * for a build's requirements: one embedding, four searches in parallel.
 *
 * @example
 * ```ts ignore
 * import { contextForBuild } from "./retrieval.ts";
 * const context = await contextForBuild(vectorStore, {
 *   userId,
 *   requirements: "A CSV parser",
 *   language: "typescript",
 *   buildId,
 *   k: 3,
 * });
 * ```
 */
export async function contextForBuild(
  store: RetrievalStore,
  query: {
    userId: string;
    requirements: string;
    language: string;
    /** Hits per kind. Default 5. */
    k?: number;
    /** The build asking, left out of previousBuilds. */
    buildId?: string;
  },
): Promise<BuildContext> {
  const k = query.k ?? 5;
  const language = normalizeLanguage(query.language);
  const [similarCode, documentation, bestPractices, previousBuilds] =
    await store.searchMany(query.requirements, [
      {
        collections: "code_snippets",
        k,
        where: { visibleTo: query.userId, language },
      },
      { collections: "documentation", k, where: { visibleTo: query.userId } },
      {
        collections: "best_practices",
        k,
        where: { language: practiceLanguages(language) },
      },
      {
        collections: "conversations",
        k,
        where: {
          userId: query.userId,
          ...(query.buildId ? { excludeBuildId: query.buildId } : {}),
        },
      },
    ], { operation: "context", label: "build context" });
  return {
    similarCode: similarCode!,
    documentation: documentation!,
    bestPractices: bestPractices!,
    previousBuilds: previousBuilds!,
  };
}

/**
 * Stores a build's files: code in `code_snippets`, docs in `documentation`.
 * Empty files are left out; ids derive from the build and path, so storing
 * again replaces.
 *
 * @example
 * ```ts ignore
 * import { rememberFiles } from "./retrieval.ts";
 * await rememberFiles(vectorStore, { buildId, userId, language: "ts" }, [
 *   { path: "mod.ts", content: "export const a = 1;", kind: "source" },
 *   { path: "README.md", content: "# a", kind: "doc" },
 * ]);
 * ```
 */
export async function rememberFiles(
  store: RetrievalStore,
  build: RetrievalBuild,
  files: readonly { path: string; content: string; kind: string }[],
): Promise<void> {
  const item = (f: { path: string; content: string; kind: string }) => ({
    id: `${build.buildId}:${f.path}`,
    text: f.content,
    metadata: {
      userId: build.userId,
      buildId: build.buildId,
      language: normalizeLanguage(build.language),
      type: f.kind,
      path: f.path,
    },
  });
  const docs = files.filter((f) => f.kind === "doc" && f.content.trim());
  const code = files.filter((f) => f.kind !== "doc" && f.content.trim());
  await store.add("code_snippets", code.map(item));
  await store.add("documentation", docs.map(item));
}

/**
 * Stores a summary of a finished build in `conversations`, read back by
 * {@linkcode contextForBuild} as the user's earlier builds.
 *
 * @example
 * ```ts ignore
 * import { rememberBuild } from "./retrieval.ts";
 * await rememberBuild(vectorStore, {
 *   buildId,
 *   userId,
 *   language: "typescript",
 *   text: "A CSV parser\n\nFiles: mod.ts, mod_test.ts",
 * });
 * ```
 */
export async function rememberBuild(
  store: RetrievalStore,
  build: RetrievalBuild & {
    /** The summary that is embedded. */
    text: string;
  },
): Promise<void> {
  await store.add("conversations", [{
    id: `build:${build.buildId}`,
    text: build.text,
    metadata: {
      userId: build.userId,
      buildId: build.buildId,
      language: normalizeLanguage(build.language),
      type: "build",
    },
  }]);
}

/**
 * Flattens a build context into prompt-ready snippets, most relevant kinds
 * first.
 *
 * @example
 * ```ts
 * import { contextTexts } from "./retrieval.ts";
 * const texts = contextTexts({ similarCode: [], documentation: [], bestPractices: [], previousBuilds: [] });
 * console.assert(texts.length === 0);
 * ```
 */
export function contextTexts(context: BuildContext): string[] {
  const label = (kind: string, h: VectorHit) =>
    `[${kind}${h.metadata.path ? ` ${h.metadata.path}` : ""}${
      h.metadata.title ? `: ${h.metadata.title}` : ""
    }]\n${h.text}`;
  return [
    ...context.bestPractices.map((h) => label("best practice", h)),
    ...context.similarCode.map((h) => label("similar code", h)),
    ...context.documentation.map((h) => label("documentation", h)),
    ...context.previousBuilds.map((h) => label("earlier build", h)),
  ];
}
