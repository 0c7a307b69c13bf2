/**
 * The curated best practices that seed Chroma's `best_practices` collection.
 * Written for Troupe: short, concrete advice for the TypeScript/JavaScript
 * code its agents generate and run under Deno. The analyze step retrieves the
 * ones nearest to a build's requirements and puts them in the model's prompt.
 *
 * Ids are stable: seeding skips ids that are already present, so editing an
 * entry's text means giving it a new id (`-v2`).
 *
 * @module
 */

/** One piece of advice. */
export interface BestPractice {
  /** Stable id, also the Chroma id. */
  readonly id: string;
  readonly title: string;
  /** The advice itself, a few sentences. */
  readonly text: string;
  /** Topics: security, testing, errors, performance, api, deno, style. */
  readonly tags: readonly string[];
  /** `typescript` (needs types) or `javascript` (applies to JS and TS). */
  readonly language: "typescript" | "javascript";
}

/**
 * The seed set.
 *
 * @example
 * ```ts
 * import { BEST_PRACTICES } from "./best_practices.ts";
 * console.assert(BEST_PRACTICES.every((p) => p.text.length > 0));
 * ```
 */
export const BEST_PRACTICES: readonly BestPractice[] = [
  // --- security ---
  {
    id: "bp-sec-no-eval",
    title: "Never evaluate strings as code",
    text:
      "Do not use eval, new Function, or setTimeout/setInterval with a string argument. They run attacker-controlled text with the program's full rights. Parse data with JSON.parse or a schema validator, and dispatch on known keys with a Map of functions instead of building code.",
    tags: ["security"],
    language: "javascript",
  },
  {
    id: "bp-sec-validate-input",
    title: "Validate every input at the boundary",
    text:
      "Treat HTTP bodies, query strings, environment variables, files and model output as untrusted. Validate them once where they enter (for example with a zod schema), reject with a clear 4xx error, and pass typed values inward so the rest of the code never re-checks.",
    tags: ["security", "api"],
    language: "typescript",
  },
  {
    id: "bp-sec-no-secrets-in-code",
    title: "Keep secrets out of source code",
    text:
      "Never hard-code API keys, passwords or tokens. Read them from the environment or a secret store in one configuration module, never log them, and redact them in error messages. Commit a .env.example with empty values, not a .env.",
    tags: ["security"],
    language: "javascript",
  },
  {
    id: "bp-sec-path-traversal",
    title: "Confine file paths to a base directory",
    text:
      "When a path comes from a user, resolve it against a fixed base directory and refuse it if the result is outside the base (check the normalised path starts with base + '/'). Reject absolute paths, '..' segments, backslashes and NUL bytes before touching the file system.",
    tags: ["security", "deno"],
    language: "javascript",
  },
  {
    id: "bp-sec-sql-parameters",
    title: "Use parameterised SQL, never string concatenation",
    text:
      "Build SQL with placeholders or a query builder such as Kysely so values travel separately from the statement. Concatenating user input into SQL allows injection. Identifiers that must vary (a sort column) should come from an allow-list, not from the request.",
    tags: ["security"],
    language: "javascript",
  },
  {
    id: "bp-sec-subprocess",
    title: "Run subprocesses without a shell",
    text:
      "Start programs with Deno.Command and an argument array rather than passing a command line to sh -c. Arguments are then never interpreted by a shell, so quotes, semicolons and $() in user input are harmless. Set a timeout and a minimal environment.",
    tags: ["security", "deno"],
    language: "javascript",
  },
  {
    id: "bp-sec-deno-permissions",
    title: "Grant Deno the narrowest permissions",
    text:
      "Run programs with explicit, scoped flags such as --allow-net=api.example.com and --allow-read=./data instead of -A. A bug or a malicious dependency then cannot read the home directory or reach other hosts. Document the required flags in deno.json tasks.",
    tags: ["security", "deno"],
    language: "javascript",
  },
  {
    id: "bp-sec-hash-passwords",
    title: "Hash passwords and tokens, compare in constant time",
    text:
      "Store only hashes of credentials: a slow password hash (scrypt, argon2, bcrypt) for passwords, SHA-256 for long random API tokens. Compare secrets with a constant-time comparison so response timing does not reveal how many characters matched.",
    tags: ["security"],
    language: "javascript",
  },
  {
    id: "bp-sec-prototype-pollution",
    title: "Guard object merges against prototype pollution",
    text:
      "Do not deep-merge untrusted JSON into objects. Keys like __proto__ and constructor can change the behaviour of every object. Validate the shape first, copy only known keys, or use Map or Object.create(null) for dictionaries keyed by user input.",
    tags: ["security"],
    language: "javascript",
  },
  {
    id: "bp-sec-regex-dos",
    title: "Avoid regular expressions with catastrophic backtracking",
    text:
      "Nested quantifiers such as (a+)+ or (.*)* can take exponential time on crafted input and freeze the event loop. Keep patterns linear, anchor them, limit the input length before matching, and prefer simple string methods when they suffice.",
    tags: ["security", "performance"],
    language: "javascript",
  },
  // --- error handling ---
  {
    id: "bp-err-typed-errors",
    title: "Throw a few error classes that carry context",
    text:
      "Define a small set of Error subclasses (NotFoundError, ValidationError, UnavailableError) with the fields a caller needs to react: the id, the limit, the service. Set name, pass the original error as cause, and let the edge (HTTP handler, CLI) map each class to a status or exit code.",
    tags: ["errors", "api"],
    language: "typescript",
  },
  {
    id: "bp-err-no-silent-catch",
    title: "Never swallow errors silently",
    text:
      "An empty catch block hides bugs. Either handle the error (retry, fall back, return a result type), or rethrow it with added context. If ignoring is really intended, say why in a comment and log it at debug level.",
    tags: ["errors"],
    language: "javascript",
  },
  {
    id: "bp-err-await-promises",
    title: "Await or handle every promise",
    text:
      "A promise that is neither awaited nor given a .catch turns its failure into an unhandled rejection that can crash the process, and its work may outlive the request. Use await, Promise.all for parallel work, or an explicit .catch that logs when you really fire and forget.",
    tags: ["errors", "performance"],
    language: "javascript",
  },
  {
    id: "bp-err-unknown-catch",
    title: "Treat caught values as unknown",
    text:
      "In TypeScript a catch variable is unknown: anything can be thrown, not only Error. Narrow with instanceof before reading .message, and convert non-Error values with String(value) when reporting them.",
    tags: ["errors"],
    language: "typescript",
  },
  {
    id: "bp-err-timeouts",
    title: "Put a timeout on every network call",
    text:
      "Remote services can hang forever. Pass an AbortSignal (AbortSignal.timeout(ms) or an AbortController) to fetch and similar APIs, and report the timeout with the service name and the limit so operators know what to raise or fix.",
    tags: ["errors", "performance"],
    language: "javascript",
  },
  {
    id: "bp-err-retry-backoff",
    title: "Retry only transient failures, with backoff",
    text:
      "Retry network errors, timeouts and 5xx/429 answers a bounded number of times with exponential backoff and jitter. Do not retry 4xx validation errors, and make retried operations idempotent (an idempotency key or an upsert) so a retry cannot apply twice.",
    tags: ["errors", "api"],
    language: "javascript",
  },
  {
    id: "bp-err-cleanup-finally",
    title: "Release resources in finally or with using",
    text:
      "Close files, database connections, servers and timers in a finally block, or declare them with `using`/`await using` when they implement Symbol.dispose. Otherwise an exception leaks the resource and tests fail Deno's resource sanitizer.",
    tags: ["errors", "deno"],
    language: "typescript",
  },
  // --- testing ---
  {
    id: "bp-test-behaviour-names",
    title: "Name tests after behaviour",
    text:
      "A test name should state what the code does in a situation: 'refuses a path outside the workspace', not 'test2'. Each test checks one behaviour, arranges its own data and can fail: assert on results, not on the absence of exceptions alone.",
    tags: ["testing"],
    language: "javascript",
  },
  {
    id: "bp-test-deno-test",
    title: "Write tests with Deno.test and node:assert",
    text:
      "Under Deno, put tests in *_test.ts files using Deno.test and assertions from node:assert/strict (assert.equal, assert.deepEqual, assert.rejects). Use t.step for related cases. Run them with deno test; keep them free of network and fixed ports.",
    tags: ["testing", "deno"],
    language: "typescript",
  },
  {
    id: "bp-test-edge-cases",
    title: "Test the edges, not just the happy path",
    text:
      "Cover empty input, one element, the maximum size, invalid types, unicode, negative and zero numbers, and error paths. Property-based tests (fast-check) find cases you did not think of by generating inputs and checking an invariant.",
    tags: ["testing"],
    language: "javascript",
  },
  {
    id: "bp-test-no-sleep",
    title: "Do not make tests depend on wall-clock time",
    text:
      "Sleeping in tests makes them slow and flaky. Inject a clock or use fake timers to move time, wait for events instead of durations, and keep speed measurements in benchmarks rather than timed assertions.",
    tags: ["testing"],
    language: "javascript",
  },
  {
    id: "bp-test-real-over-mocks",
    title: "Prefer real components and protocol fakes to mocks",
    text:
      "Mocking your own functions tests the mock. Use real in-memory implementations (a database in memory, a temporary directory) and fake external services at their protocol boundary (a local HTTP server), so the real client code runs.",
    tags: ["testing"],
    language: "javascript",
  },
  {
    id: "bp-test-isolation",
    title: "Keep tests independent and clean up after them",
    text:
      "Each test creates what it needs (a temporary directory with Deno.makeTempDir, a fresh database) and removes it afterwards. Tests must pass in any order and in parallel; shared mutable module state between tests is a bug.",
    tags: ["testing", "deno"],
    language: "javascript",
  },
  // --- performance ---
  {
    id: "bp-perf-parallel-io",
    title: "Run independent I/O concurrently",
    text:
      "Awaiting independent requests one after another adds their latencies. Start them together and await Promise.all (or Promise.allSettled when partial failure is fine), with a concurrency limit for large batches so a remote service is not flooded.",
    tags: ["performance"],
    language: "javascript",
  },
  {
    id: "bp-perf-stream-large-data",
    title: "Stream large data instead of buffering it",
    text:
      "Reading a large file or response fully into memory wastes RAM and delays the first byte. Use ReadableStream pipelines (file.readable.pipeThrough(...)) and process line by line or chunk by chunk; set a size limit for request bodies.",
    tags: ["performance", "deno"],
    language: "javascript",
  },
  {
    id: "bp-perf-avoid-blocking",
    title: "Keep the event loop free",
    text:
      "Synchronous file APIs, huge JSON.parse calls and tight CPU loops block every other request. Use the async APIs, split heavy computations into chunks, or move them to a Worker so latency stays low under load.",
    tags: ["performance"],
    language: "javascript",
  },
  {
    id: "bp-perf-data-structures",
    title: "Choose data structures by access pattern",
    text:
      "Looking up items with Array.find inside a loop is quadratic. Build a Map or Set once for membership and lookups, avoid repeated array spreading in loops, and batch database queries instead of issuing one query per item (the N+1 problem).",
    tags: ["performance"],
    language: "javascript",
  },
  {
    id: "bp-perf-cache-bounded",
    title: "Cache with bounds and invalidation",
    text:
      "An unbounded Map used as a cache is a memory leak. Give caches a maximum size (LRU) or a TTL, key them by everything that affects the result, and decide how entries are invalidated when the source changes.",
    tags: ["performance"],
    language: "javascript",
  },
  // --- API design ---
  {
    id: "bp-api-small-surface",
    title: "Export a small, documented surface",
    text:
      "Export only what callers need from a module's front door (mod.ts) and keep helpers private. Document each export with JSDoc and a short example. Take an options object for optional parameters so new options do not break callers.",
    tags: ["api", "style"],
    language: "typescript",
  },
  {
    id: "bp-api-explicit-types",
    title: "Type public functions explicitly; avoid any",
    text:
      "Give exported functions explicit parameter and return types, and use unknown instead of any for values of unknown shape. Model alternatives with discriminated unions ({ type: 'ok', ... } | { type: 'error', ... }) so the compiler checks every case.",
    tags: ["api", "style"],
    language: "typescript",
  },
  {
    id: "bp-api-immutability",
    title: "Do not mutate arguments",
    text:
      "Functions that modify the objects they are given surprise callers. Return new values, mark inputs readonly in TypeScript, and copy before sorting (toSorted) or reversing. Mutation is fine for local values the function created itself.",
    tags: ["api", "style"],
    language: "typescript",
  },
  {
    id: "bp-api-dependency-injection",
    title: "Pass dependencies in",
    text:
      "Accept collaborators (a clock, a fetch function, a database handle, a logger) as parameters or options with sensible defaults instead of importing singletons. The code becomes testable with real in-memory implementations and easier to reuse.",
    tags: ["api", "testing"],
    language: "typescript",
  },
  {
    id: "bp-api-http-errors",
    title: "Return consistent, informative HTTP errors",
    text:
      "Answer errors with the right status code and one JSON shape, for example { error: { code, message, details } }. Never send stack traces or internal messages to clients; log them server-side with a request id that the response also carries.",
    tags: ["api", "security"],
    language: "javascript",
  },
  {
    id: "bp-api-pagination",
    title: "Paginate list endpoints",
    text:
      "Never return unbounded lists. Accept a limit with a maximum and a cursor (the last id or timestamp seen), return the next cursor, and order by a unique, indexed key so pages are stable while rows are being added.",
    tags: ["api", "performance"],
    language: "javascript",
  },
  // --- Deno and style ---
  {
    id: "bp-deno-imports",
    title: "Pin dependencies and use import maps",
    text:
      "Declare dependencies once in deno.json imports with exact versions (npm:pkg@1.2.3) and commit deno.lock so every machine runs the same code. Import Node built-ins with the node: prefix. Avoid importing from unpinned URLs.",
    tags: ["deno", "security"],
    language: "javascript",
  },
  {
    id: "bp-deno-web-apis",
    title: "Prefer web-standard APIs",
    text:
      "Deno implements fetch, Request/Response, URL, TextEncoder, crypto.subtle, streams and AbortController. Code written against these runs in Deno, browsers and other runtimes alike; reach for node: modules only when no web API exists.",
    tags: ["deno", "style"],
    language: "javascript",
  },
  {
    id: "bp-style-small-functions",
    title: "Keep functions short and single-purpose",
    text:
      "A function that does one thing is easier to name, test and reuse. Split long functions at natural steps, return early instead of nesting conditions deeply, and remove duplicated blocks by extracting a helper with a descriptive name.",
    tags: ["style"],
    language: "javascript",
  },
  {
    id: "bp-style-strict-mode",
    title: "Turn on strict type checking",
    text:
      "Enable strict, noUncheckedIndexedAccess and exactOptionalPropertyTypes. Indexing an array then yields T | undefined, which forces a check for out-of-range access, and optional properties cannot silently hold undefined. Run deno check, deno lint and deno fmt in CI.",
    tags: ["style", "deno"],
    language: "typescript",
  },
  {
    id: "bp-style-comments-why",
    title: "Comment why, not what",
    text:
      "Good names say what the code does; comments should explain the reasons a reader cannot see: a workaround for a library bug, a performance trade-off, a protocol quirk. Keep doc comments on exported APIs with an example, and delete commented-out code.",
    tags: ["style"],
    language: "javascript",
  },
];
