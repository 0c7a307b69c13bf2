/**
 * Reads one JSON value that a zod schema accepts out of a model answer. A
 * server that honours Ollama's `format` returns bare JSON; one that ignores
 * it (or a model that talks anyway) wraps it in a ```json fence, puts prose
 * before or after it, reasons in `<think>` first or leaves trailing commas.
 * Every candidate is tried in that order until one fits the schema.
 *
 * @module
 */
import { Lexer, type Token, type Tokens } from "marked";
import type { z } from "zod";
import { type Parsed, problem } from "./parsed.ts";
import { answerText } from "./text.ts";

/**
 * The first JSON value in `raw` that `schema` accepts.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { readJson } from "./json.ts";
 * const fence = "`".repeat(3);
 * const raw = `Sure:\n${fence}json\n{"a": 1,}\n${fence}`;
 * const r = readJson(raw, z.object({ a: z.number() }));
 * if (!r.ok || r.value.a !== 1) throw new Error("expected a = 1");
 * ```
 */
export function readJson<S extends z.ZodType>(
  raw: string,
  schema: S,
): Parsed<z.infer<S>> {
  const text = answerText(raw);
  if (text === "") return problem("empty_answer", "the answer was empty");
  let firstInvalid: string | undefined;
  let firstMismatch: string | undefined;
  for (const candidate of candidates(text)) {
    const value = parseLenient(candidate);
    if (!value.ok) {
      firstInvalid ??= value.error;
      continue;
    }
    const checked = schema.safeParse(value.value);
    if (checked.success) return { ok: true, value: checked.data };
    firstMismatch ??= checked.error.issues.slice(0, 3).map((i) =>
      `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`
    ).join("; ");
  }
  if (firstMismatch !== undefined) {
    return problem(
      "schema_mismatch",
      `the JSON does not have the requested shape (${firstMismatch})`,
    );
  }
  if (firstInvalid !== undefined) {
    return problem("invalid_json", `invalid JSON (${firstInvalid})`);
  }
  return problem("no_json", "no JSON object found in the answer");
}

/** The whole text, fenced blocks, then every balanced `{...}`/`[...]` span. */
function* candidates(text: string): Generator<string> {
  if (/^[[{]/.test(text)) yield text;
  for (const block of codeTokens(new Lexer().lex(text))) {
    const body = block.text.trim();
    if (/^[[{]/.test(body)) yield body;
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== "{" && c !== "[") continue;
    const end = matchingClose(text, i);
    if (end > i) yield text.slice(i, end + 1);
  }
}

function* codeTokens(tokens: readonly Token[]): Generator<Tokens.Code> {
  for (const token of tokens) {
    if (token.type === "code") yield token as Tokens.Code;
    else if (token.type === "list") {
      for (const item of (token as Tokens.List).items) {
        yield* codeTokens(item.tokens);
      }
    } else if ("tokens" in token && Array.isArray(token.tokens)) {
      yield* codeTokens(token.tokens);
    }
  }
}

/** Index of the bracket closing the one at `start`, strings respected; -1 if none. */
function matchingClose(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{") stack.push("}");
    else if (c === "[") stack.push("]");
    else if (c === "}" || c === "]") {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/** JSON.parse, retried without trailing commas (outside strings). */
function parseLenient(
  text: string,
): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const repaired = withoutTrailingCommas(text);
    if (repaired !== text) {
      try {
        return { ok: true, value: JSON.parse(repaired) };
      } catch {
        // Report the original error: it names what the model wrote.
      }
    }
    return {
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

function withoutTrailingCommas(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === ",") {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j] ?? "")) j++;
      if (text[j] === "}" || text[j] === "]") continue;
    }
    out += c;
  }
  return out;
}
