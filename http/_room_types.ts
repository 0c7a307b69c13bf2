/**
 * Types of the other rooms (runtime, storage, actors) that the HTTP room's
 * public signatures use, under `@internal` aliases.
 *
 * Each is documented where it is defined (see the `mod.ts` of its room);
 * re-exporting it from http/mod.ts would pull that room's whole type graph
 * into the HTTP room's documentation and make `deno doc --lint http/mod.ts`
 * depend on files other people own.
 *
 * @module
 */
import type { Metrics as MetricsOf } from "../actors/metrics.ts";
import type {
  AnalysisResult as AnalysisResultOf,
  AnalyzeOptions as AnalyzeOptionsOf,
  SourceFile as SourceFileOf,
} from "../actors/workflow/tools/analysis.ts";
import type { ModelCatalog as ModelCatalogOf } from "../actors/workflow/model_catalog.ts";
import type { Message as MessageOf } from "../runtime/actor.ts";
import type { Clock as ClockOf } from "../runtime/clock.ts";
import type { AuthChange as AuthChangeOf } from "../storage/api_key_cache.ts";
import type {
  ApiKey as ApiKeyOf,
  ApiKeyCheck as ApiKeyCheckOf,
} from "../storage/api_keys.ts";
import type { BuildEvent as BuildEventOf } from "../storage/build_events.ts";
import type { BuildOverviewReader as BuildOverviewReaderOf } from "../storage/build_overviews.ts";
import type {
  BuildStatus as BuildStatusOf,
  Db as DbOf,
} from "../storage/schema.ts";
import type { User as UserOf } from "../storage/users.ts";
import type { VectorStore as VectorStoreOf } from "../storage/vector.ts";

/**
 * The Prometheus metrics (actors/metrics.ts).
 * @internal
 */
export type Metrics = MetricsOf;
/**
 * A code analysis's scores and findings (actors/workflow/tools).
 * @internal
 */
export type AnalysisResult = AnalysisResultOf;
/**
 * Options of the code analyser (actors/workflow/tools).
 * @internal
 */
export type AnalyzeOptions = AnalyzeOptionsOf;
/**
 * One file given to the code analyser (actors/workflow/tools).
 * @internal
 */
export type SourceFile = SourceFileOf;
/**
 * The node's Ollama model list (actors/workflow).
 * @internal
 */
export type ModelCatalog = ModelCatalogOf;
/**
 * An actor message (runtime/mod.ts).
 * @internal
 */
export type Message = MessageOf;
/**
 * The runtime's clock (runtime/mod.ts).
 * @internal
 */
export type Clock = ClockOf;
/**
 * A change that invalidates cached API key checks (storage/mod.ts).
 * @internal
 */
export type AuthChange = AuthChangeOf;
/**
 * An API key as stored, without its secret (storage/mod.ts).
 * @internal
 */
export type ApiKey = ApiKeyOf;
/**
 * The outcome of checking an API key token (storage/mod.ts).
 * @internal
 */
export type ApiKeyCheck = ApiKeyCheckOf;
/**
 * One event of a build (storage/mod.ts).
 * @internal
 */
export type BuildEvent = BuildEventOf;
/**
 * Batched reads of build overviews (storage/mod.ts).
 * @internal
 */
export type BuildOverviewReader = BuildOverviewReaderOf;
/**
 * A build's status (storage/mod.ts).
 * @internal
 */
export type BuildStatus = BuildStatusOf;
/**
 * The Kysely database (storage/mod.ts).
 * @internal
 */
export type Db = DbOf;
/**
 * A user account (storage/mod.ts).
 * @internal
 */
export type User = UserOf;
/**
 * The Chroma-backed vector store (storage/vector.ts).
 * @internal
 */
export type VectorStore = VectorStoreOf;
