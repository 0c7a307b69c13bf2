/**
 * The account page and its forms: memories, API keys, Telegram link code.
 *
 * @module
 */
import type { Hono } from "hono";
import type { ApiFailure } from "../api.ts";
import type { WebContext, WebEnv } from "../context.ts";
import {
  AccountPage,
  type KeyView,
  type MemoryView,
} from "../pages/account.tsx";
import { failed } from "./builds.tsx";
import { omitUndefined } from "../../runtime/optional.ts";

const DONE: Record<string, string> = {
  revoked: "The key was revoked.",
  remembered: "Remembered.",
  forgotten: "Forgotten.",
};

type Extra = Pick<
  Parameters<typeof AccountPage>[0],
  "created" | "linkCode" | "error" | "done"
>;

async function page(c: WebContext, extra: Extra = {}, status = 200) {
  const [memories, keys] = await Promise.all([
    c.var.api.call<{ items: MemoryView[] }>("GET", "/v1/memories"),
    c.var.api.call<{ items: KeyView[] }>("GET", "/v1/api-keys"),
  ]);
  if (!memories.ok) return failed(c, memories.error);
  if (!keys.ok) return failed(c, keys.error);
  return c.html(
    <AccountPage
      viewer={c.var.viewer}
      memories={memories.data.items}
      keys={keys.data.items}
      {...extra}
    />,
    status as 200,
  );
}

const statusOf = (error: ApiFailure) =>
  error.status >= 500 ? 502 : error.status;

/** Registers `/account` and its forms (behind the session middleware). */
export function accountPages(app: Hono<WebEnv>): void {
  app.get(
    "/account",
    (c) => page(c, { done: DONE[c.req.query("done") ?? ""] }),
  );

  app.post("/account/keys", async (c) => {
    const name = c.var.form.name ?? "";
    const created = await c.var.api.call<
      { token: string; key: { name: string } }
    >(
      "POST",
      "/v1/api-keys",
      { name },
    );
    if (!created.ok) {
      return page(c, { error: created.error }, statusOf(created.error));
    }
    c.header("Cache-Control", "no-store");
    return page(c, {
      created: { name: created.data.key.name, token: created.data.token },
    });
  });

  app.post("/account/keys/:id/revoke", async (c) => {
    const result = await c.var.api.call(
      "DELETE",
      `/v1/api-keys/${encodeURIComponent(c.req.param("id"))}`,
    );
    if (!result.ok) {
      return page(c, { error: result.error }, statusOf(result.error));
    }
    return c.redirect("/account?done=revoked", 303);
  });

  app.post("/account/memories", async (c) => {
    const form = c.var.form;
    const text = form.value ?? "";
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    const ttl = form.ttl ? Number(form.ttl) : undefined;
    const result = await c.var.api.call("POST", "/v1/memories", {
      key: form.key ?? "",
      value,
      ...omitUndefined({ ttl }),
    });
    if (!result.ok) {
      return page(c, { error: result.error }, statusOf(result.error));
    }
    return c.redirect("/account?done=remembered", 303);
  });

  app.post("/account/memories/:key/delete", async (c) => {
    const result = await c.var.api.call(
      "DELETE",
      `/v1/memories/${encodeURIComponent(c.req.param("key"))}`,
    );
    if (!result.ok) {
      return page(c, { error: result.error }, statusOf(result.error));
    }
    return c.redirect("/account?done=forgotten", 303);
  });

  app.post("/account/telegram-link", async (c) => {
    const result = await c.var.api.call<
      { code: string; expiresAt: string; instructions: string }
    >("POST", "/v1/telegram/link-code");
    if (!result.ok) {
      return page(c, { error: result.error }, statusOf(result.error));
    }
    c.header("Cache-Control", "no-store");
    return page(c, { linkCode: result.data });
  });
}
