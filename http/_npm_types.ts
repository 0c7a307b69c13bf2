/**
 * Types of Hono and zod under names of our own, marked `@internal`.
 *
 * `deno doc --lint` counts a type imported from an npm package as private
 * when the package lives in the project's `node_modules/` (a `file:` module;
 * denoland/deno#27364), and re-exporting it would make the package's whole
 * API ours to document. These aliases are where the HTTP room's public types
 * meet Hono and zod; read those packages' documentation for what they offer.
 *
 * @module
 */
import type { OpenAPIHono as HonoOpenAPIHono, z } from "@hono/zod-openapi";
import type {
  Env as HonoEnv,
  MiddlewareHandler as HonoMiddlewareHandler,
} from "hono";
import type { ContentfulStatusCode as HonoContentfulStatusCode } from "hono/utils/http-status";
import type { ZodError as ZodErrorClass } from "zod";

/**
 * Hono's app with zod-validated, OpenAPI-described routes (npm:@hono/zod-openapi).
 * @internal
 */
export type OpenAPIHono<E extends HonoEnv> = HonoOpenAPIHono<E>;
/**
 * A Hono middleware over the environment `E` (npm:hono `MiddlewareHandler`).
 * @internal
 */
export type MiddlewareHandler<E extends HonoEnv> = HonoMiddlewareHandler<E>;
/**
 * An HTTP status that may carry a body (npm:hono `ContentfulStatusCode`).
 * @internal
 */
export type ContentfulStatusCode = HonoContentfulStatusCode;
/**
 * A zod validation failure with its issues (npm:zod `ZodError`).
 * @internal
 */
export type ZodError = ZodErrorClass;
/**
 * Any zod schema (npm:zod `ZodType`).
 * @internal
 */
export type ZodType = z.ZodType;
/**
 * The type of the values a zod schema accepts (npm:zod `z.infer`).
 * @internal
 */
export type Infer<T extends ZodType> = z.infer<T>;
