/**
 * `deno task reindex <collection|all> [--batch N]`: re-embeds Chroma
 * collections with the configured embedding model (OLLAMA_EMBED_MODEL,
 * EMBED_DIMENSIONS), e.g. after switching models. Each collection is rebuilt
 * beside the old one and swapped in when complete; an interrupted run is
 * continued by the next one.
 *
 * With the embedded Chroma (no CHROMA_URL) and no node running on DATA_DIR
 * the command starts its own Chroma on DATA_DIR/chroma; while a node runs
 * there, the command runs inside that node, on its Chroma.
 *
 * @module
 */
import { createModelClient, ModelError } from "../actors/workflow/llm.ts";
import {
  chromaClient,
  ChromaStartError,
  type EmbeddedChroma,
  startEmbeddedChroma,
} from "../storage/chroma_server.ts";
import {
  type CollectionName,
  COLLECTIONS,
  openVectorStore,
  VectorStoreError,
} from "../storage/vector.ts";
import type { Db } from "../storage/schema.ts";
import { type Command, UsageError, withDatabase } from "./_context.ts";

const USAGE = `usage: deno task reindex <${
  COLLECTIONS.join("|")
}|all> [--batch N]`;

function parseArgs(
  args: readonly string[],
): { collections: CollectionName[]; batchSize: number | undefined } {
  let target: string | undefined;
  let batchSize: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--batch" || arg.startsWith("--batch=")) {
      const value = arg === "--batch" ? args[++i] : arg.slice(8);
      batchSize = Number(value);
      if (!Number.isInteger(batchSize) || batchSize < 1) {
        throw new UsageError(
          `--batch takes a positive whole number, got "${
            value ?? ""
          }"\n${USAGE}`,
        );
      }
    } else if (target === undefined && !arg.startsWith("-")) {
      target = arg;
    } else {
      throw new UsageError(`unexpected argument "${arg}"\n${USAGE}`);
    }
  }
  if (target === "all") return { collections: [...COLLECTIONS], batchSize };
  const named = COLLECTIONS.find((c) => c === target);
  if (!named) {
    throw new UsageError(
      target === undefined ? USAGE : `unknown collection "${target}"\n${USAGE}`,
    );
  }
  return { collections: [named], batchSize };
}

/**
 * `deno task reindex`: re-embeds one collection or all of them.
 *
 * @example
 * ```ts ignore
 * import { reindex } from "./reindex.ts";
 * const code = await reindex(["code_snippets", "--batch", "200"], { config, write: console.log });
 * ```
 */
export const reindex: Command = async (args, { config, write, node }) => {
  const { collections, batchSize } = parseArgs(args);
  const embedder = createModelClient({
    host: config.OLLAMA_HOST,
    model: config.OLLAMA_MODEL,
    embedModel: config.OLLAMA_EMBED_MODEL,
    dimensions: config.EMBED_DIMENSIONS,
    timeoutMs: config.OLLAMA_TIMEOUT_MS,
  });
  let chroma: EmbeddedChroma | undefined;
  try {
    // An unreachable Ollama or a missing model fails before Chroma and the database start.
    await embedder.embed(["reindex"]);
    const ownStore = async (db: Db) => {
      const url = config.CHROMA_URL ??
        (chroma = await startEmbeddedChroma({ dataDir: config.DATA_DIR })).url;
      return openVectorStore({
        client: chromaClient(url),
        db,
        embedder,
        model: config.OLLAMA_EMBED_MODEL,
        dimensions: config.EMBED_DIMENSIONS,
        chromaUrl: url,
        embedded: chroma !== undefined,
      });
    };
    return await withDatabase(config, async ({ db }) => {
      // Inside a node: its vector store, on its Chroma and database.
      const store = node?.vector ?? await ownStore(db);
      for (const name of collections) {
        let shown = -1;
        const result = await store.reindex(name, {
          ...(batchSize ? { batchSize } : {}),
          onProgress: ({ done, total }) => {
            // One line per tenth, not per batch.
            const tenth = total === 0 ? 10 : Math.floor(done * 10 / total);
            if (tenth === shown) return;
            shown = tenth;
            write(`${name}: ${done}/${total}`);
          },
        });
        const was = result.from
          ? `; was ${result.from.model} (${result.from.dimensions})`
          : "";
        write(
          `${name}: ${result.items} items now embedded with ${result.to.model} (${result.to.dimensions})${was}; ` +
            `embedded ${result.embedded} in this run` +
            (result.resumed ? ", continuing an interrupted run" : ""),
        );
      }
      return 0;
    }, node);
  } catch (error) {
    if (
      error instanceof ModelError || error instanceof VectorStoreError ||
      error instanceof ChromaStartError
    ) {
      write(`reindex failed: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await chroma?.stop();
  }
};
