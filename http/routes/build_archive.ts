/**
 * `GET /v1/builds/{id}/archive`: a build's generated files as one .zip,
 * named after the project, for the web console's download button and for
 * curl. Scoped by the caller like every build read (another user's build is
 * a 404).
 *
 * @module
 */
import { createRoute, z } from "@hono/zod-openapi";
import { strToU8, type Zippable, zipSync } from "fflate";
import { getBuild } from "../../storage/builds.ts";
import type { ApiApp } from "../context.ts";
import { ApiError } from "../errors.ts";
import { principalOf } from "../middleware/auth.ts";
import { authErrorResponses, badRequestResponse } from "../schemas.ts";
import { filesOf } from "./builds.ts";
import {
  errorResponse,
  IdParamSchema,
  notFound,
  type ResolvedDeps,
} from "./_shared.ts";

const archiveRoute = createRoute({
  method: "get",
  path: "/v1/builds/{id}/archive",
  tags: ["builds"],
  summary: "A build's files as a .zip",
  description:
    "Every generated file at its path inside one folder named after the " +
    "project. 409 `no_files` while the build has generated nothing yet.",
  security: [{ bearerAuth: [] }],
  request: { params: IdParamSchema },
  responses: {
    200: {
      description: "The archive",
      content: {
        "application/zip": {
          schema: z.string().openapi({ format: "binary" }),
        },
      },
    },
    ...badRequestResponse,
    ...authErrorResponses,
    404: errorResponse("No such build of yours"),
    409: errorResponse("The build has no files yet"),
  },
});

/** A project name safe as a folder and file name. */
export function archiveName(project: string): string {
  const name = project.normalize("NFKD").replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[-.]+|-+$/g, "");
  return name.slice(0, 80) || "build";
}

/** A stored file path as a zip entry name: relative, no `..`, no backslashes. */
function entryPath(path: string): string | undefined {
  const parts = path.replaceAll("\\", "/").split("/")
    .filter((p) => p !== "" && p !== ".");
  if (parts.length === 0 || parts.includes("..")) return undefined;
  return parts.join("/");
}

/**
 * Zips files under `folder/`. Paths that would leave the folder are left out.
 *
 * @example
 * ```ts
 * import { zipFiles } from "./build_archive.ts";
 * const zip = zipFiles("demo", [{ path: "src/a.ts", content: "export {};" }]);
 * ```
 */
export function zipFiles(
  folder: string,
  files: readonly { path: string; content: string }[],
  mtime: Date = new Date(),
): Uint8Array {
  const tree: Zippable = {};
  for (const file of files) {
    const path = entryPath(file.path);
    if (path) tree[`${folder}/${path}`] = [strToU8(file.content), { mtime }];
  }
  return zipSync(tree, { level: 6 });
}

/**
 * Registers the archive route.
 *
 * @example
 * ```ts ignore
 * import { buildArchiveRoutes } from "./build_archive.ts";
 * buildArchiveRoutes(app, resolveDeps({ db, actors: system }));
 * ```
 */
export function buildArchiveRoutes(app: ApiApp, deps: ResolvedDeps): void {
  app.openapi(archiveRoute, async (c) => {
    const { id } = c.req.valid("param");
    const build = await getBuild(deps.db, principalOf(c).user.id, id);
    if (!build) throw notFound("build", "build_not_found");
    const files = filesOf(build);
    if (files.length === 0) {
      throw new ApiError(
        409,
        "no_files",
        `the build has no files yet: it is ${build.status}`,
      );
    }
    const name = archiveName(build.project);
    const zip = zipFiles(name, files, build.finishedAt ?? build.updatedAt);
    // deno-lint-ignore no-explicit-any -- a binary body, outside the JSON responses' types
    return c.body(zip as any, 200, {
      "Content-Type": "application/zip",
      "Content-Disposition": `attachment; filename="${name}.zip"`,
      "Cache-Control": "private, no-store",
    }) as never;
  });
}
