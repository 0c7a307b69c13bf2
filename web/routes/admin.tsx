/**
 * The admin pages and their forms. Every read and write goes through the
 * `/v1/admin` API, so a non-admin gets the API's 403 as a page.
 *
 * @module
 */
import type { Hono } from "hono";
import type { ApiFailure } from "../api.ts";
import type { WebContext, WebEnv } from "../context.ts";
import {
  AuditPage,
  type AuditView,
  ClusterPage,
  type ClusterTotalsView,
  DeadLettersPage,
  type DeadLetterView,
  type NodeView,
  UsersPage,
  type UserView,
} from "../pages/admin.tsx";
import { failed } from "./builds.tsx";

const DONE: Record<string, string> = {
  saved: "Saved.",
  retried: "The message was sent to its actor again.",
  dropped: "The dead letter was dropped.",
};

const statusOf = (error: ApiFailure) =>
  (error.status >= 500 ? 502 : error.status) as 400;

async function usersPage(
  c: WebContext,
  extra: { created?: { email: string; token: string }; error?: ApiFailure } =
    {},
) {
  const users = await c.var.api.call<{ items: UserView[] }>(
    "GET",
    "/v1/admin/users?limit=1000",
  );
  if (!users.ok) return failed(c, users.error);
  return c.html(
    <UsersPage
      viewer={c.var.viewer}
      users={users.data.items}
      created={extra.created}
      error={extra.error}
      done={DONE[c.req.query("done") ?? ""]}
    />,
    extra.error ? statusOf(extra.error) : 200,
  );
}

async function lettersPage(c: WebContext, error?: ApiFailure) {
  const letters = await c.var.api.call<
    { items: DeadLetterView[]; total: number }
  >("GET", "/v1/admin/dead-letters?limit=200");
  if (!letters.ok) return failed(c, letters.error);
  return c.html(
    <DeadLettersPage
      viewer={c.var.viewer}
      letters={letters.data.items}
      total={letters.data.total}
      error={error}
      done={DONE[c.req.query("done") ?? ""]}
    />,
    error ? statusOf(error) : 200,
  );
}

/** Registers `/admin/*` (behind the session middleware). */
export function adminPages(app: Hono<WebEnv>): void {
  app.get("/admin", (c) => usersPage(c));

  app.post("/admin/users", async (c) => {
    const f = c.var.form;
    const created = await c.var.api.call<
      { user: UserView; apiKey: { token: string } | null }
    >("POST", "/v1/admin/users", {
      email: f.email ?? "",
      name: f.name ?? "",
      role: f.role || "user",
      ...(f.dailyBuildQuota
        ? { dailyBuildQuota: Number(f.dailyBuildQuota) }
        : {}),
      apiKey: { name: "console" },
    });
    if (!created.ok) return usersPage(c, { error: created.error });
    c.header("Cache-Control", "no-store");
    return usersPage(c, {
      created: {
        email: created.data.user.email,
        token: created.data.apiKey?.token ?? "",
      },
    });
  });

  app.post("/admin/users/:id", async (c) => {
    const f = c.var.form;
    const patch: Record<string, unknown> = { disabled: f.disabled === "true" };
    if (f.role) patch.role = f.role;
    if (f.dailyBuildQuota) patch.dailyBuildQuota = Number(f.dailyBuildQuota);
    const result = await c.var.api.call(
      "PATCH",
      `/v1/admin/users/${encodeURIComponent(c.req.param("id"))}`,
      patch,
    );
    if (!result.ok) return usersPage(c, { error: result.error });
    return c.redirect("/admin?done=saved", 303);
  });

  app.get("/admin/audit", async (c) => {
    const filters: Record<string, string> = {};
    for (const name of ["action", "target", "userId", "from", "to"]) {
      const v = c.req.query(name)?.trim();
      if (v) filters[name] = v;
    }
    const q = new URLSearchParams({ ...filters, limit: "100" });
    const cursor = c.req.query("cursor");
    if (cursor) q.set("cursor", cursor);
    const result = await c.var.api.call<
      { items: AuditView[]; nextCursor: string | null }
    >("GET", `/v1/admin/audit?${q}`);
    if (!result.ok && result.error.status !== 400) {
      return failed(c, result.error);
    }
    return c.html(
      <AuditPage
        viewer={c.var.viewer}
        entries={result.ok ? result.data.items : []}
        filters={filters}
        next={result.ok ? result.data.nextCursor ?? undefined : undefined}
        error={result.ok ? undefined : result.error}
      />,
      result.ok ? 200 : 400,
    );
  });

  app.get("/admin/dead-letters", (c) => lettersPage(c));

  for (const action of ["retry", "drop"] as const) {
    app.post(`/admin/dead-letters/:id/${action}`, async (c) => {
      const id = encodeURIComponent(c.req.param("id"));
      const result = action === "retry"
        ? await c.var.api.call("POST", `/v1/admin/dead-letters/${id}/retry`)
        : await c.var.api.call("DELETE", `/v1/admin/dead-letters/${id}`);
      if (!result.ok) return lettersPage(c, result.error);
      return c.redirect(
        `/admin/dead-letters?done=${
          action === "retry" ? "retried" : "dropped"
        }`,
        303,
      );
    });
  }

  app.get("/admin/cluster", async (c) => {
    const result = await c.var.api.call<
      { nodes: NodeView[]; totals: ClusterTotalsView }
    >(
      "GET",
      "/v1/admin/cluster",
    );
    if (!result.ok) return failed(c, result.error);
    return c.html(
      <ClusterPage
        viewer={c.var.viewer}
        nodes={result.data.nodes}
        totals={result.data.totals}
      />,
    );
  });
}
