/**
 * Zod schemas shared by routes: the error body every failure uses, and
 * pagination. They feed both validation and the OpenAPI document.
 *
 * @module
 */
import { z } from "@hono/zod-openapi";

/** One problem with a request, pointing at the field. */
export const IssueSchema = z.object({
  path: z.string().openapi({ example: "body.code" }),
  message: z.string().openapi({ example: "Required" }),
}).openapi("Issue");

/** `{ "error": { "code", "message", "details"?, "requestId" } }`. */
export const ErrorSchema = z.object({
  error: z.object({
    code: z.string().openapi({ example: "invalid_request" }),
    message: z.string(),
    details: z.unknown().optional(),
    requestId: z.string().optional(),
  }),
}).openapi("Error");

/** The error body's type. */
export type ErrorBody = z.infer<typeof ErrorSchema>;

/** `?limit=&cursor=`: keyset pagination; `cursor` is opaque to clients. */
export const PaginationQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({
    param: { name: "limit", in: "query" },
    example: 20,
  }),
  cursor: z.string().min(1).max(200).optional().openapi({
    param: { name: "cursor", in: "query" },
  }),
});

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
export function pageOf<T extends z.ZodType>(item: T, name: string) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable(),
  }).openapi(name);
}

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
