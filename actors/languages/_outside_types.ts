/**
 * Types from npm packages that the languages' public signatures use, under
 * `@internal` aliases.
 *
 * `deno doc --lint` counts a type imported from an npm package as private
 * when the package lives in the project's `node_modules/` (a `file:` module;
 * denoland/deno#27364), and re-exporting it would make the package's whole
 * API ours to document.
 *
 * @module
 */
import type { z } from "zod";

/**
 * A zod schema that reads an `Input` and gives an `Output` (npm:zod `ZodType`).
 * @internal
 */
export type ZodSchema<Output, Input = Output> = z.ZodType<Output, Input>;
