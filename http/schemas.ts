/**
 * Zod schemas shared by routes: the error body every failure uses, and
 * pagination. They feed both validation and the OpenAPI document.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";
import type { Infer, ZodType } from "./_npm_types.ts";

/** One problem with a request, pointing at the field. */
export const IssueSchema = z.object({
  path: z.string().openapi({ example: "body.code" }),
  message: z.string().openapi({ example: "Required" }),
}).openapi("Issue");

const errorSchema = z.object({
  error: z.object({
    code: z.string().openapi({ example: "invalid_request" }),
    message: z.string(),
    details: z.unknown().optional(),
    requestId: z.string().optional(),
  }),
}).openapi("Error");

/**
 * The zod type of {@link ErrorSchema}.
 * @internal
 */
type ErrorSchemaType = typeof errorSchema;

/** `{ "error": { "code", "message", "details"?, "requestId" } }`. */
export const ErrorSchema: ErrorSchemaType = errorSchema;

/** The error body's type. */
export type ErrorBody = Infer<ErrorSchemaType>;

const paginationQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({
    param: { name: "limit", in: "query" },
    example: 20,
  }),
  cursor: z.string().min(1).max(200).optional().openapi({
    param: { name: "cursor", in: "query" },
  }),
});

/**
 * The zod type of {@link PaginationQuerySchema}.
 * @internal
 */
type PaginationQuerySchemaType = typeof paginationQuerySchema;

/** `?limit=&cursor=`: keyset pagination; `cursor` is opaque to clients. */
export const PaginationQuerySchema: PaginationQuerySchemaType =
  paginationQuerySchema;

/**
 * A page of items and the cursor of the next page (`null` on the last one).
 *
 * @example
 * ```ts
 * import { z } from "@hono/zod-openapi";
 * import { pageOf } from "./schemas.ts";
 * const BuildPage = pageOf(z.object({ id: z.string() }), "BuildPage");
 * ```
 */
export function pageOf<T extends ZodType>(
  item: T,
  name: string,
): PageSchema<T> {
  return pageSchema(item, name);
}

function pageSchema<T extends ZodType>(item: T, name: string) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable(),
  }).openapi(name);
}

/**
 * The zod type of a page of `T`, as {@link pageOf} returns it.
 * @internal
 */
type PageSchema<T extends ZodType> = ReturnType<typeof pageSchema<T>>;

/** Responses every authenticated route can give, for `createRoute`. */
export const authErrorResponses = {
  401: {
    description: "Missing, invalid, revoked or expired API key",
    content: { "application/json": { schema: ErrorSchema } },
  },
  403: {
    description: "Disabled user or insufficient role",
    content: { "application/json": { schema: ErrorSchema } },
  },
  429: {
    description: "Rate limit or quota exceeded; see Retry-After",
    content: { "application/json": { schema: ErrorSchema } },
  },
} as const;

/** `Location` of a created resource, for a response's `headers`. */
export const locationHeader = {
  Location: {
    description: "Where the created resource is",
    schema: { type: "string" as const },
  },
};

/** The 400 response for routes that validate input. */
export const badRequestResponse = {
  400: {
    description: "Invalid JSON or a field failed validation",
    content: { "application/json": { schema: ErrorSchema } },
  },
} as const;
