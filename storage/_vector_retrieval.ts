/**
 * Build retrieval policy: what the workflow's analyze step fetches for a
 * build (similar code, documentation, best practices, the user's earlier
 * builds, one embedding for all four) and what it stores when a build ends
 * (its files, a summary). Written against a small port of the store, so the
 * policy can move next to the workflow without the store's internals.
 *
 * @module
 */
import type { Collection } from "chromadb";
import {
  type BuildContext,
  type CollectionName,
  COLLECTIONS,
  type VectorFilter,
  type VectorHit,
  type VectorItem,
  type VectorMetadata,
} from "./vector_types.ts";

/** Languages whose best practices apply to a build's language. */
export function practiceLanguages(language: string): string[] {
  const l = normalizeLanguage(language);
  return l === "typescript" ? ["typescript", "javascript"] : [l];
}

/** Lower case; `ts` and `js` spelled out. */
export function normalizeLanguage(language: string): string {
  const l = language.trim().toLowerCase();
  return l === "ts" ? "typescript" : l === "js" ? "javascript" : l;
}

/** The store functions the policy uses. */
export interface RetrievalPort {
  /** Embeds and stores items. */
  add(name: CollectionName, items: readonly VectorItem[]): Promise<string[]>;
  /** Opens a collection (checking its model). */
  collectionOf(name: CollectionName): Promise<Collection>;
  /** Embeds texts, checking the width. */
  embedChecked(
    collection: string,
    texts: readonly string[],
  ): Promise<number[][]>;
  /** Times an operation. */
  timed<T>(
    operation: string,
    collection: string,
    fn: () => Promise<T>,
  ): Promise<T>;
  /** The `k` nearest items to an embedding across collections. */
  searchWith(
    names: readonly CollectionName[],
    embedding: number[],
    k: number,
    filter: VectorFilter | undefined,
  ): Promise<VectorHit[]>;
}

/** The build retrieval functions over a store's port. */
export function buildRetrieval(port: RetrievalPort) {
  const { add, collectionOf, embedChecked, timed, searchWith } = port;

  async function contextForBuild(q: {
    userId: string;
    requirements: string;
    language: string;
    k?: number;
    buildId?: string;
  }): Promise<BuildContext> {
    const k = q.k ?? 5;
    const language = normalizeLanguage(q.language);
    await Promise.all(COLLECTIONS.map(collectionOf));
    const [embedding] = await embedChecked("build context", [q.requirements]);
    const e = embedding!;
    const [similarCode, documentation, bestPractices, previousBuilds] =
      await timed("context", "*", () =>
        Promise.all([
          searchWith(["code_snippets"], e, k, {
            visibleTo: q.userId,
            language,
          }),
          searchWith(["documentation"], e, k, { visibleTo: q.userId }),
          searchWith(["best_practices"], e, k, {
            language: practiceLanguages(language),
          }),
          searchWith(["conversations"], e, k, {
            userId: q.userId,
            ...(q.buildId ? { excludeBuildId: q.buildId } : {}),
          }),
        ]));
    return { similarCode, documentation, bestPractices, previousBuilds };
  }

  async function rememberFiles(
    build: { buildId: string; userId: string; language: string },
    files: readonly { path: string; content: string; kind: string }[],
  ): Promise<void> {
    const meta = (f: { path: string; kind: string }): VectorMetadata => ({
      userId: build.userId,
      buildId: build.buildId,
      language: normalizeLanguage(build.language),
      type: f.kind,
      path: f.path,
    });
    const item = (f: { path: string; content: string; kind: string }) => ({
      id: `${build.buildId}:${f.path}`,
      text: f.content,
      metadata: meta(f),
    });
    const docs = files.filter((f) => f.kind === "doc" && f.content.trim());
    const code = files.filter((f) => f.kind !== "doc" && f.content.trim());
    await add("code_snippets", code.map(item));
    await add("documentation", docs.map(item));
  }

  async function rememberBuild(build: {
    buildId: string;
    userId: string;
    language: string;
    text: string;
  }): Promise<void> {
    await add("conversations", [{
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

  return { contextForBuild, rememberFiles, rememberBuild };
}

/**
 * Flattens a build context into prompt-ready snippets, most relevant kinds
 * first.
 *
 * @example
 * ```ts
 * import { contextTexts } from "./_vector_retrieval.ts";
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
