/**
 * Types from npm packages and from other rooms that the workflow's public
 * signatures use, under `@internal` aliases.
 *
 * `deno doc --lint` counts a type imported from an npm package as private
 * when the package lives in the project's `node_modules/` (a `file:` module;
 * denoland/deno#27364), and re-exporting it would make the package's whole
 * API ours to document. The other rooms' types are documented in their own
 * `mod.ts`; re-exporting them here would pull their type graphs into this
 * room's documentation.
 *
 * @module
 */
import type { BaseCheckpointSaver as LangGraphCheckpointSaver } from "@langchain/langgraph";
import type { PostgresSaver as LangGraphPostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type { Kysely as KyselyInstance } from "kysely";
import type { Clock as RuntimeClock } from "../../runtime/clock.ts";
import type {
  VectorHit as StorageVectorHit,
  VectorStore as StorageVectorStore,
} from "../../storage/vector.ts";

/**
 * Where LangGraph keeps checkpoints (npm:@langchain/langgraph `BaseCheckpointSaver`).
 * @internal
 */
export type BaseCheckpointSaver = LangGraphCheckpointSaver;
/**
 * LangGraph's PostgreSQL checkpointer (npm:@langchain/langgraph-checkpoint-postgres).
 * @internal
 */
export type PostgresSaver = LangGraphPostgresSaver;
/**
 * Kysely's query builder over the database `S` (npm:kysely).
 * @internal
 */
export type Kysely<S> = KyselyInstance<S>;
/**
 * The runtime's clock (runtime/mod.ts).
 * @internal
 */
export type Clock = RuntimeClock;
/**
 * The Chroma-backed vector store (storage/vector.ts).
 * @internal
 */
export type VectorStore = StorageVectorStore;
/**
 * One search result of the vector store (storage/vector.ts).
 * @internal
 */
export type VectorHit = StorageVectorHit;
