/**
 * Builds in the console: the list, the new build form, the build page with
 * its event stream (proxied from the API with the session's key), results,
 * cancel and the .zip download.
 *
 * @module
 */
import type { Hono } from "hono";
import { SUPPORTED_LANGUAGES } from "../../actors/languages/mod.ts";
import { BUILD_STATUSES } from "../../storage/schema.ts";
import type { ApiFailure } from "../api.ts";
import type { WebContext, WebEnv } from "../context.ts";
import { ErrorPage } from "../layout.tsx";
import {
  type AnalysisView,
  BuildPage,
  type BuildView,
  type FileView,
  findingsOf,
  Results,
} from "../pages/build.tsx";
import {
  type BuildForm,
  type BuildRow,
  BuildsPage,
  NewBuildPage,
} from "../pages/builds.tsx";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Options of {@linkcode buildPages}. */
export interface BuildPagesOptions {
  /** Model names for the form (Ollama's `/api/tags`); empty when unknown. */
  readonly models: () => Promise<readonly string[]>;
}

/** Renders an API failure as a page with the API's status. */
export function failed(
  c: WebContext,
  error: ApiFailure,
): Response | Promise<Response> {
  const status =
    ([400, 401, 403, 404, 409, 422, 429] as const).find((s) =>
      s === error.status
    ) ?? 502;
  return c.html(<ErrorPage viewer={c.var.viewer} error={error} />, status);
}

async function loadBuild(c: WebContext, id: string) {
  const api = c.var.api;
  const [build, files, analysis] = await Promise.all([
    api.call<BuildView>("GET", `/v1/builds/${id}`),
    api.call<{ files: FileView[] }>("GET", `/v1/builds/${id}/files`),
    api.call<Omit<AnalysisView, "findings"> & { findings: unknown }>(
      "GET",
      `/v1/builds/${id}/analysis`,
    ),
  ]);
  if (!build.ok) return { error: build.error } as const;
  return {
    build: build.data,
    files: files.ok ? files.data.files : [],
    analysis: analysis.ok
      ? { ...analysis.data, findings: findingsOf(analysis.data.findings) }
      : undefined,
  } as const;
}

/** Registers the build pages (behind the session middleware). */
export function buildPages(
  app: Hono<WebEnv>,
  options: BuildPagesOptions,
): void {
  app.get("/", async (c) => {
    const status = c.req.query("status") || undefined;
    const cursor = c.req.query("cursor") || undefined;
    const q = new URLSearchParams({ limit: "25" });
    if (status) q.set("status", status);
    if (cursor) q.set("cursor", cursor);
    const page = await c.var.api.call<
      { items: BuildRow[]; nextCursor: string | null }
    >("GET", `/v1/builds?${q}`);
    if (!page.ok) return failed(c, page.error);
    return c.html(
      <BuildsPage
        viewer={c.var.viewer}
        items={page.data.items}
        statuses={BUILD_STATUSES}
        status={status}
        nextCursor={page.data.nextCursor}
        first={!cursor}
      />,
    );
  });

  const newForm = async (
    c: WebContext,
    values?: BuildForm,
    error?: ApiFailure,
  ) =>
    c.html(
      <NewBuildPage
        viewer={c.var.viewer}
        languages={SUPPORTED_LANGUAGES}
        models={await options.models().catch(() => [])}
        values={values ?? {}}
        error={error}
      />,
      error ? (error.status === 429 ? 429 : 400) : 200,
    );

  app.get("/builds/new", (c) => newForm(c));

  app.post("/builds", async (c) => {
    const form = c.var.form;
    const values: BuildForm = {
      project: form.project ?? "",
      language: form.language ?? "",
      requirements: form.requirements ?? "",
      model: form.model ?? "",
    };
    const { model, ...rest } = values;
    const created = await c.var.api.call<{ id: string }>(
      "POST",
      "/v1/builds",
      model ? { ...rest, model } : rest,
    );
    if (!created.ok) return await newForm(c, values, created.error);
    return c.redirect(`/builds/${created.data.id}`, 303);
  });

  // Statuses of a few builds, for the list's live badges: one list call
  // covers the newest 100 (what the list shows), single reads the rest, so
  // polling stays well inside the API's rate limit.
  app.get("/builds/status", async (c) => {
    const ids = (c.req.query("ids") ?? "").split(",").filter((id) =>
      UUID.test(id)
    ).slice(0, 50);
    const out: Record<string, string> = {};
    if (ids.length > 0) {
      const page = await c.var.api.call<{ items: BuildRow[] }>(
        "GET",
        "/v1/builds?limit=100",
      );
      if (page.ok) {
        const wanted = new Set(ids);
        for (const b of page.data.items) {
          if (wanted.has(b.id)) out[b.id] = b.status;
        }
      }
      const rest = ids.filter((id) => !(id in out)).slice(0, 5);
      const answers = await Promise.all(
        rest.map((id) =>
          c.var.api.call<{ status: string }>("GET", `/v1/builds/${id}`)
        ),
      );
      answers.forEach((a, i) => {
        if (a.ok) out[rest[i]!] = a.data.status;
      });
    }
    return c.json(out, 200, { "Cache-Control": "no-store" });
  });

  app.get("/builds/:id", async (c) => {
    const loaded = await loadBuild(c, c.req.param("id"));
    if ("error" in loaded) return failed(c, loaded.error!);
    return c.html(
      <BuildPage
        viewer={c.var.viewer}
        build={loaded.build}
        files={loaded.files}
        analysis={loaded.analysis}
        selected={c.req.query("file")}
        notice={c.req.query("cancel") === "refused"
          ? "The build could not be cancelled."
          : undefined}
      />,
    );
  });

  // The results part of the page again, when the stream says the build ended.
  app.get("/builds/:id/results", async (c) => {
    const loaded = await loadBuild(c, c.req.param("id"));
    if ("error" in loaded) {
      return c.text(loaded.error!.message, loaded.error!.status as 404);
    }
    return c.html(
      <Results
        build={loaded.build}
        files={loaded.files}
        analysis={loaded.analysis}
        selected={c.req.query("file")}
      />,
    );
  });

  // The API's event stream with the session's key; EventSource's
  // Last-Event-ID passes through, so a reconnect resumes where it stopped.
  app.get("/builds/:id/events", async (c) => {
    const headers: Record<string, string> = { Accept: "text/event-stream" };
    const last = c.req.header("Last-Event-ID");
    if (last) headers["Last-Event-ID"] = last;
    const res = await c.var.api.raw(
      `/v1/builds/${encodeURIComponent(c.req.param("id"))}/events`,
      { headers, signal: c.req.raw.signal },
    );
    return new Response(res.body, {
      status: res.status,
      headers: {
        "Content-Type": res.headers.get("Content-Type") ?? "text/event-stream",
        "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",
      },
    });
  });

  app.get("/builds/:id/archive", async (c) => {
    const res = await c.var.api.raw(
      `/v1/builds/${encodeURIComponent(c.req.param("id"))}/archive`,
    );
    const headers = new Headers({ "Cache-Control": "private, no-store" });
    for (const h of ["Content-Type", "Content-Disposition"]) {
      const v = res.headers.get(h);
      if (v) headers.set(h, v);
    }
    return new Response(res.body, { status: res.status, headers });
  });

  app.post("/builds/:id/cancel", async (c) => {
    const id = c.req.param("id");
    const result = await c.var.api.call(
      "POST",
      `/v1/builds/${encodeURIComponent(id)}/cancel`,
    );
    if (!result.ok && result.error.status === 404) {
      return failed(c, result.error);
    }
    return c.redirect(
      `/builds/${id}${result.ok ? "" : "?cancel=refused"}`,
      303,
    );
  });
}
