/**
 * Types from npm packages and from other rooms that the eval harness's public
 * signatures use, under `@internal` aliases.
 *
 * `deno doc --lint` counts a type imported from an npm package as private
 * when the package lives in the project's `node_modules/` (a `file:` module;
 * denoland/deno#27364), and re-exporting it would make the package's whole
 * API ours to document. The other rooms' types are documented in their own
 * modules; re-exporting them here would pull their type graphs into this
 * room's documentation.
 *
 * @module
 */
import type { z } from "zod";
import type { Config as PlatformConfig } from "../config.ts";
import type { PythonSandboxPool as WorkflowPythonSandboxPool } from "../actors/workflow/tools/python_sandbox/mod.ts";

/**
 * A zod object schema with the fields `Shape` (npm:zod `ZodObject`).
 * @internal
 */
export type ZodObject<Shape extends z.ZodRawShape> = z.ZodObject<Shape>;
/**
 * What the zod schema `Schema` gives when it parses (npm:zod `z.infer`).
 * @internal
 */
export type Infer<Schema> = z.infer<Schema>;
/**
 * The platform's validated configuration (config.ts).
 * @internal
 */
export type Config = PlatformConfig;
/**
 * The warm Python sandbox pool (actors/workflow/tools/python_sandbox/mod.ts).
 * @internal
 */
export type PythonSandboxPool = WorkflowPythonSandboxPool;
