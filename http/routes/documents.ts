/**
 * `POST /v1/documents`: adds documentation to the `documentation` collection,
 * where builds find it as context. A user's documents are theirs (visible to
 * their searches and builds); an admin may add global ones.
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { VectorMetadata } from "../../storage/vector.ts";
import type { ApiApp } from "../context.ts";
import { ApiError } from "../errors.ts";
import { principalOf } from "../middleware/auth.ts";
import { authErrorResponses, badRequestResponse } from "../schemas.ts";
import {
  errorResponse,
  type ResolvedDeps,
  text,
  withVector,
} from "./_shared.ts";

const MAX_DOCUMENTS = 50;
const MAX_CHARS = 50_000;

const DocumentSchema = z.object({
  title: text().trim().min(1).max(200).openapi({
    example: "Error handling conventions",
  }),
  content: text().trim().min(1).max(MAX_CHARS),
  language: z.string().trim().toLowerCase().min(1).max(50).optional().openapi({
    example: "typescript",
  }),
  tags: z.array(text().trim().min(1).max(50).regex(/^[^,]+$/, "no commas"))
    .max(20).optional(),
  id: z.string().trim().min(1).max(200).regex(/^[\w.:/-]+$/).optional()
    .openapi({
      description:
        "Your id for it; adding the same id again replaces the document",
    }),
});

/** `POST /v1/documents` body: one document, or several as `documents`. */
export const AddDocumentsSchema = z.object({
  scope: z.enum(["user", "global"]).default("user").openapi({
    description: "`global` (admins only): visible to every user",
  }),
  documents: z.array(DocumentSchema).min(1).max(MAX_DOCUMENTS),
}).openapi("AddDocuments");

const AddedSchema = z.object({
  collection: z.literal("documentation"),
  scope: z.enum(["user", "global"]),
  ids: z.array(z.string()),
}).openapi("DocumentsAdded");

const addDocuments = createRoute({
  method: "post",
  path: "/v1/documents",
  tags: ["search"],
  summary: "Add documentation that searches and builds can use",
  security: [{ bearerAuth: [] }],
  request: {
    body: {
      required: true,
      content: { "application/json": { schema: AddDocumentsSchema } },
    },
  },
  responses: {
    201: {
      description: "Stored",
      content: { "application/json": { schema: AddedSchema } },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    503: errorResponse("Chroma or the embedding model is unavailable"),
  },
});

/**
 * Registers `POST /v1/documents`.
 *
 * @example
 * ```ts ignore
 * import { documentRoutes } from "./documents.ts";
 * documentRoutes(app, resolveDeps({ db, actors: system, vector }));
 * ```
 */
export function documentRoutes(app: ApiApp, deps: ResolvedDeps): void {
  app.openapi(addDocuments, async (c) => {
    const body = c.req.valid("json");
    const { user } = principalOf(c);
    if (body.scope === "global" && user.role !== "admin") {
      throw new ApiError(
        403,
        "insufficient_role",
        "only admins add global documents; leave out `scope` to add your own",
      );
    }
    // Ids are namespaced by owner so one user cannot replace another's document.
    const owner = body.scope === "global" ? "global" : user.id;
    const ids = await withVector(deps.vector, (store) =>
      store.add(
        "documentation",
        body.documents.map((d) => {
          const metadata: VectorMetadata = {
            type: "doc",
            title: d.title,
            ...(body.scope === "user" ? { userId: user.id } : {}),
            ...(d.language ? { language: d.language } : {}),
            ...(d.tags ? { tags: d.tags } : {}),
          };
          return {
            id: `doc:${owner}:${d.id ?? crypto.randomUUID()}`,
            text: `${d.title}\n\n${d.content}`,
            metadata,
          };
        }),
      ));
    return c.json({
      collection: "documentation" as const,
      scope: body.scope,
      ids,
    }, 201);
  });
}
