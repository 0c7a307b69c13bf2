/**
 * The languages a build can target: those the sandbox can run tests for.
 *
 * @module
 */
import { z } from "zod";

/** Languages with a sandbox. */
export const SUPPORTED_LANGUAGES = ["typescript", "javascript"] as const;

/** One of {@linkcode SUPPORTED_LANGUAGES}. */
export type Language = typeof SUPPORTED_LANGUAGES[number];

/** Validates a language name, with an error that says what is supported and why. */
export const languageSchema = z.string().trim().toLowerCase().pipe(
  z.enum(SUPPORTED_LANGUAGES, {
    error: (issue) =>
      `unsupported language ${JSON.stringify(issue.input)}: builds can target ${
        SUPPORTED_LANGUAGES.join(" or ")
      } (the languages whose tests run in the sandbox)`,
  }),
);
