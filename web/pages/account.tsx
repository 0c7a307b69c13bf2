/**
 * The account page: memories, API keys (a new key is shown once) and the
 * Telegram link code.
 *
 * @module
 */
import type { FC } from "hono/jsx";
import type { ApiFailure } from "../api.ts";
import { Csrf, FormError, Layout, type Viewer, when } from "../layout.tsx";

/** A memory as the API shows it. */
export interface MemoryView {
  key: string;
  value: unknown;
  expiresAt: string | null;
  updatedAt: string;
}

/** An API key as the API shows it. */
export interface KeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  current: boolean;
}

/** Props of {@linkcode AccountPage}. */
export interface AccountProps {
  readonly viewer: Viewer;
  readonly memories: readonly MemoryView[];
  readonly keys: readonly KeyView[];
  /** A key just created: its token, shown this once. */
  readonly created?: { name: string; token: string } | undefined;
  readonly linkCode?:
    | { code: string; expiresAt: string; instructions: string }
    | undefined;
  readonly error?: ApiFailure | undefined;
  readonly done?: string | undefined;
}

/** Memories, keys and Telegram. */
export const AccountPage: FC<AccountProps> = (props) => (
  <Layout title="Account" viewer={props.viewer} current="account">
    <h1>Account</h1>
    <FormError error={props.error} />
    {props.done && <p class="note" role="status">{props.done}</p>}
    <section aria-labelledby="keys-h">
      <h2 id="keys-h">API keys</h2>
      {props.created && (
        <div class="note" role="status" id="new-key">
          <p>
            New key{" "}
            <strong>{props.created.name}</strong>. Copy it now: it is not shown
            again.
          </p>
          <label for="new-key-token">Key</label>
          <input
            id="new-key-token"
            type="text"
            readonly
            value={props.created.token}
          />
        </div>
      )}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col" class="opt">Last used</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {props.keys.map((k) => (
              <tr>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}</code>
                </td>
                <td class="opt">{when(k.lastUsedAt)}</td>
                <td>
                  {k.revokedAt ? "revoked" : k.current ? "this session" : (
                    <form
                      method="post"
                      action={`/account/keys/${k.id}/revoke`}
                      class="inline"
                    >
                      <Csrf token={props.viewer.csrf} />
                      <button class="danger" type="submit">
                        Revoke {k.name}
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form method="post" action="/account/keys" class="row">
        <Csrf token={props.viewer.csrf} />
        <div>
          <label for="key-name">New key name</label>
          <input id="key-name" name="name" type="text" required />
        </div>
        <button type="submit">Create key</button>
      </form>
    </section>
    <section aria-labelledby="memories-h">
      <h2 id="memories-h">Memories</h2>
      {props.memories.length === 0
        ? <p class="muted">No memories.</p>
        : (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Value</th>
                  <th scope="col" class="opt">Expires</th>
                  <th scope="col">
                    <span class="skip">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {props.memories.map((m) => (
                  <tr>
                    <td>
                      <code>{m.key}</code>
                    </td>
                    <td>
                      <code>{JSON.stringify(m.value).slice(0, 200)}</code>
                    </td>
                    <td class="opt">{when(m.expiresAt)}</td>
                    <td>
                      <form
                        method="post"
                        action={`/account/memories/${
                          encodeURIComponent(m.key)
                        }/delete`}
                        class="inline"
                      >
                        <Csrf token={props.viewer.csrf} />
                        <button class="danger" type="submit">
                          Forget {m.key}
                        </button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      <form method="post" action="/account/memories">
        <Csrf token={props.viewer.csrf} />
        <label for="memory-key">Key</label>
        <input id="memory-key" name="key" type="text" required />
        <label for="memory-value">Value (JSON, or plain text)</label>
        <input id="memory-value" name="value" type="text" required />
        <label for="memory-ttl">Keep for (seconds; empty: always)</label>
        <input id="memory-ttl" name="ttl" type="number" min="1" />
        <p>
          <button type="submit">Remember</button>
        </p>
      </form>
    </section>
    <section aria-labelledby="telegram-h">
      <h2 id="telegram-h">Telegram</h2>
      {props.linkCode
        ? (
          <div class="note" role="status">
            <p>
              Link code: <strong id="link-code">{props.linkCode.code}</strong>
              {" "}
              (until {when(props.linkCode.expiresAt)})
            </p>
            <p>{props.linkCode.instructions}</p>
          </div>
        )
        : (
          <form method="post" action="/account/telegram-link">
            <Csrf token={props.viewer.csrf} />
            <button type="submit">Get a Telegram link code</button>
          </form>
        )}
    </section>
  </Layout>
);
