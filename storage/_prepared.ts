/**
 * Server-side prepared statements for the statements Kysely sends.
 *
 * node-postgres sends every query unnamed, so PostgreSQL parses and plans it
 * again on every call; for the platform's short indexed lookups planning costs
 * more than running them (0.4 ms against 0.05 ms for the API-key join).
 * Giving a statement a name makes pg parse it once per connection and the
 * server reuse its plan.
 *
 * @module
 */
import pg from "pg";

/** Which statements get a name, and how many distinct texts at most. */
export interface PreparedStatementLimits {
  /** Distinct statement texts named per pool; later ones go unnamed. */
  readonly maxStatements: number;
  /** Statements with more parameters (batch inserts) go unnamed. */
  readonly maxParameters: number;
  /** Statements longer than this go unnamed. */
  readonly maxLength: number;
}

const DEFAULT_LIMITS: PreparedStatementLimits = {
  maxStatements: 500,
  maxParameters: 64,
  maxLength: 4096,
};

const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;
const BEGIN = /^\s*(begin|start\s+transaction)\b/i;
const END = /^\s*(commit|end|rollback(?!\s+to\b)|abort)\b/i;

/** The statement names of one pool: one text, one name, on every connection. */
class StatementNames {
  readonly #names = new Map<string, string>();
  #next = 0;

  constructor(readonly limits: PreparedStatementLimits) {}

  nameFor(text: string, parameters: number): string | undefined {
    const known = this.#names.get(text);
    if (known !== undefined) return known;
    const { maxStatements, maxParameters, maxLength } = this.limits;
    // Without parameters pg uses the simple protocol, which also runs
    // several statements in one text; a name would force the extended one.
    if (
      parameters === 0 || this.#names.size >= maxStatements ||
      parameters > maxParameters ||
      text.length > maxLength || !PREPARABLE.test(text)
    ) return undefined;
    const name = `troupe_${this.#next++}`;
    this.#names.set(text, name);
    return name;
  }

  /** The next use of `text` prepares it again under a new name. */
  forget(text: string): void {
    this.#names.delete(text);
  }
}

/**
 * "cached plan must not change result type": a `select *` prepared before a
 * migration added a column. PostgreSQL re-plans for most schema changes but
 * refuses this one.
 */
function isStalePlan(error: unknown): boolean {
  return error instanceof Error &&
    (error as { code?: unknown }).code === "0A000" &&
    /cached plan/i.test(error.message);
}

/**
 * A `pg.Client` class for `new pg.Pool({ Client })` that sends Kysely's
 * statements (`query(text, values)`) as named prepared statements. A
 * statement whose plan went stale after a schema change is prepared again
 * under a new name and, outside a transaction, retried once.
 *
 * @example
 * ```ts
 * import pg from "pg";
 * import { preparingClient } from "./_prepared.ts";
 * const pool = new pg.Pool({ Client: preparingClient() });
 * await pool.end();
 * ```
 */
export function preparingClient(
  limits: Partial<PreparedStatementLimits> = {},
): typeof pg.Client {
  const names = new StatementNames({ ...DEFAULT_LIMITS, ...limits });
  return class PreparingClient extends pg.Client {
    #inTransaction = false;

    // deno-lint-ignore no-explicit-any
    override query(...args: any[]): any {
      const [text, values] = args;
      if (typeof text !== "string" || args.length !== 2 || !values) {
        return super.query(...(args as Parameters<pg.Client["query"]>));
      }
      if (BEGIN.test(text)) this.#inTransaction = true;
      else if (END.test(text)) this.#inTransaction = false;
      const name = names.nameFor(text, values.length);
      if (name === undefined) return super.query(text, values);
      const inTransaction = this.#inTransaction;
      return super.query({ name, text, values }).catch((error: unknown) => {
        if (!isStalePlan(error)) throw error;
        names.forget(text);
        if (inTransaction) throw error;
        return super.query(text, values);
      });
    }
  };
}
