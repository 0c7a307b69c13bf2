/**
 * The result of reading a model's answer: the value, or a named reason why
 * it could not be used (the reason's text goes into the corrective prompt).
 *
 * @module
 */

/** Why an answer could not be used. */
export type AnswerProblem =
  | "empty_answer"
  | "no_json"
  | "invalid_json"
  | "schema_mismatch"
  | "no_code_blocks"
  | "no_source"
  | "no_tests"
  | "unsafe_path";

/** A parsed answer, or what was wrong with it (fed back to the model). */
export type Parsed<T> =
  | { ok: true; value: T }
  | { ok: false; code: AnswerProblem; problem: string };

/** Shorthand for a failed {@linkcode Parsed}. */
export function problem(
  code: AnswerProblem,
  text: string,
): { ok: false; code: AnswerProblem; problem: string } {
  return { ok: false, code, problem: text };
}
