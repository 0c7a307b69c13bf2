/**
 * Admin pages: users, the audit log, dead letters and the cluster view.
 *
 * @module
 */
import type { Child, FC } from "hono/jsx";
import type { ApiFailure } from "../api.ts";
import { Csrf, FormError, Layout, type Viewer, when } from "../layout.tsx";

type Tab = "users" | "audit" | "dead-letters" | "cluster";

const AdminFrame: FC<
  {
    viewer: Viewer;
    tab: Tab;
    title: string;
    error?: ApiFailure | undefined;
    done?: string | undefined;
    children?: Child;
  }
> = (props) => (
  <Layout title={props.title} viewer={props.viewer} current="admin">
    <h1>Admin: {props.title}</h1>
    <nav aria-label="Admin">
      <ul class="row" style="list-style:none;padding:0">
        {([
          ["users", "/admin", "Users"],
          ["audit", "/admin/audit", "Audit log"],
          ["dead-letters", "/admin/dead-letters", "Dead letters"],
          ["cluster", "/admin/cluster", "Cluster"],
        ] as const).map(([key, href, label]) => (
          <li>
            <a
              href={href}
              aria-current={props.tab === key ? "page" : undefined}
            >
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
    <FormError error={props.error} />
    {props.done && <p class="note" role="status">{props.done}</p>}
    {props.children}
  </Layout>
);

/** A user as admins see them. */
export interface UserView {
  id: string;
  email: string;
  name: string;
  role: "user" | "admin";
  dailyBuildQuota: number;
  disabled: boolean;
  createdAt: string;
}

/** Users: create, role, quota, disable. */
export const UsersPage: FC<
  {
    viewer: Viewer;
    users: readonly UserView[];
    created?: { email: string; token: string } | undefined;
    error?: ApiFailure | undefined;
    done?: string | undefined;
  }
> = (props) => (
  <AdminFrame
    viewer={props.viewer}
    tab="users"
    title="Users"
    error={props.error}
    done={props.done}
  >
    {props.created && (
      <div class="note" role="status" id="new-user-key">
        <p>
          Key of{" "}
          <strong>{props.created.email}</strong>; copy it now, it is not shown
          again.
        </p>
        <label for="new-user-token">Key</label>
        <input
          id="new-user-token"
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
            <th scope="col">User</th>
            <th scope="col">Role, quota, access</th>
          </tr>
        </thead>
        <tbody>
          {props.users.map((u) => (
            <tr data-user-id={u.id}>
              <td>
                {u.name}
                <br />
                <span class="muted">{u.email}</span>
              </td>
              <td>
                <form
                  method="post"
                  action={`/admin/users/${u.id}`}
                  class="row"
                >
                  <Csrf token={props.viewer.csrf} />
                  <div>
                    <label for={`role-${u.id}`}>Role</label>
                    <select id={`role-${u.id}`} name="role">
                      <option value="user" selected={u.role === "user"}>
                        user
                      </option>
                      <option value="admin" selected={u.role === "admin"}>
                        admin
                      </option>
                    </select>
                  </div>
                  <div>
                    <label for={`quota-${u.id}`}>Builds a day</label>
                    <input
                      id={`quota-${u.id}`}
                      name="dailyBuildQuota"
                      type="number"
                      min="0"
                      value={String(u.dailyBuildQuota)}
                      style="width:6rem"
                    />
                  </div>
                  <div>
                    <label for={`disabled-${u.id}`}>
                      <input
                        id={`disabled-${u.id}`}
                        name="disabled"
                        type="checkbox"
                        value="true"
                        checked={u.disabled}
                      />{" "}
                      Disabled
                    </label>
                  </div>
                  <button type="submit">Save {u.name}</button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
    <h2>New user</h2>
    <form method="post" action="/admin/users">
      <Csrf token={props.viewer.csrf} />
      <label for="new-email">Email</label>
      <input id="new-email" name="email" type="email" required />
      <label for="new-name">Name</label>
      <input id="new-name" name="name" type="text" required />
      <label for="new-role">Role</label>
      <select id="new-role" name="role">
        <option value="user">user</option>
        <option value="admin">admin</option>
      </select>
      <label for="new-quota">Builds a day (empty: the default)</label>
      <input id="new-quota" name="dailyBuildQuota" type="number" min="0" />
      <p>
        <button class="primary" type="submit">Create user with a key</button>
      </p>
    </form>
  </AdminFrame>
);

/** An audit entry. */
export interface AuditView {
  id: number;
  actorUserId: string | null;
  action: string;
  target: string | null;
  details: unknown;
  ip: string | null;
  createdAt: string;
}

/** The audit log with filters. */
export const AuditPage: FC<
  {
    viewer: Viewer;
    entries: readonly AuditView[];
    filters: Record<string, string>;
    next?: string | undefined;
    error?: ApiFailure | undefined;
  }
> = (props) => (
  <AdminFrame
    viewer={props.viewer}
    tab="audit"
    title="Audit log"
    error={props.error}
  >
    <form method="get" action="/admin/audit" class="row" role="search">
      {([
        ["action", "Action", "text"],
        ["target", "Target", "text"],
        ["userId", "User id", "text"],
        ["from", "From (ISO time)", "text"],
        ["to", "To (ISO time)", "text"],
      ] as const).map(([name, label, type]) => (
        <div>
          <label for={`f-${name}`}>{label}</label>
          <input
            id={`f-${name}`}
            name={name}
            type={type}
            value={props.filters[name] ?? ""}
          />
        </div>
      ))}
      <button type="submit">Filter</button>
    </form>
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col" class="opt">By</th>
            <th scope="col" class="opt">Details</th>
          </tr>
        </thead>
        <tbody>
          {props.entries.map((e) => (
            <tr>
              <td>{when(e.createdAt)}</td>
              <td>{e.action}</td>
              <td>
                <code>{e.target ?? ""}</code>
              </td>
              <td class="opt">
                <code>{e.actorUserId ?? "system"}</code>
              </td>
              <td class="opt">
                <code>{JSON.stringify(e.details ?? null).slice(0, 160)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
    {props.next && (
      <p class="pager">
        <a
          href={`/admin/audit?${new URLSearchParams({
            ...props.filters,
            cursor: props.next,
          })}`}
        >
          Older entries
        </a>
      </p>
    )}
  </AdminFrame>
);

/** A dead letter. */
export interface DeadLetterView {
  id: number;
  kind: string;
  actorId: string;
  seq: number;
  type: string | null;
  error: string;
  attempts: number;
  createdAt: string;
}

/** Dead letters: retry or drop. */
export const DeadLettersPage: FC<
  {
    viewer: Viewer;
    letters: readonly DeadLetterView[];
    total: number;
    error?: ApiFailure | undefined;
    done?: string | undefined;
  }
> = (props) => (
  <AdminFrame
    viewer={props.viewer}
    tab="dead-letters"
    title="Dead letters"
    error={props.error}
    done={props.done}
  >
    <p>{props.total} dead letter(s).</p>
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Actor</th>
            <th scope="col">Message</th>
            <th scope="col" class="opt">Error</th>
            <th scope="col">
              <span class="skip">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.letters.map((l) => (
            <tr data-letter-id={String(l.id)}>
              <td>{l.id}</td>
              <td>
                <code>{l.kind}/{l.actorId}</code>
              </td>
              <td>
                {l.type ?? "?"} (seq {l.seq}, {l.attempts} attempts)
              </td>
              <td class="opt">{l.error.slice(0, 200)}</td>
              <td>
                <form
                  method="post"
                  action={`/admin/dead-letters/${l.id}/retry`}
                  class="inline"
                >
                  <Csrf token={props.viewer.csrf} />
                  <button type="submit">Retry {l.id}</button>
                </form>{" "}
                <form
                  method="post"
                  action={`/admin/dead-letters/${l.id}/drop`}
                  class="inline"
                >
                  <Csrf token={props.viewer.csrf} />
                  <button class="danger" type="submit">Drop {l.id}</button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  </AdminFrame>
);

/** One actor kind's figures. */
export interface KindView {
  /** The actor kind. */
  kind: string;
  /** Actors of the kind active. */
  activations: number;
  /** Messages waiting in their mailboxes. */
  mailboxDepth: number;
  /** Messages dead-lettered since the node started. */
  deadLetters: number;
}

/** A node's figures, as `GET /v1/admin/cluster` reports them. */
export interface NodeView {
  /** The node's id. */
  nodeId: string;
  /** Whether it is the node that answered. */
  self: boolean;
  /** `down` once it stopped publishing its figures. */
  state: "up" | "down";
  /** When it started (ISO 8601). */
  startedAt: string;
  /** When it last published (ISO 8601). */
  lastSeen: string;
  /** Every activation on the node. */
  activations: number;
  /** Agent-graph runs under way on the node. */
  buildsInProgress: number;
  /** Figures by actor kind. */
  kinds: KindView[];
}

/** The cluster's totals over the nodes that are up. */
export interface ClusterTotalsView {
  /** Nodes publishing. */
  nodesUp: number;
  /** Nodes that stopped publishing. */
  nodesDown: number;
  /** Activations on the up nodes. */
  activations: number;
  /** Agent-graph runs under way on the up nodes. */
  buildsInProgress: number;
  /** Figures by actor kind, summed over the up nodes. */
  kinds: KindView[];
}

const KindTable: FC<{ kinds: readonly KindView[]; caption: string }> = (
  props,
) => (
  <div class="table-wrap">
    <table>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Actor kind</th>
          <th scope="col">Activations</th>
          <th scope="col">Mailbox depth</th>
          <th scope="col">Dead letters</th>
        </tr>
      </thead>
      <tbody>
        {props.kinds.map((k) => (
          <tr>
            <td>{k.kind}</td>
            <td>{k.activations}</td>
            <td>{k.mailboxDepth}</td>
            <td>{k.deadLetters}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </div>
);

/** Every node of the cluster (down ones marked), and the totals over the up nodes. */
export const ClusterPage: FC<
  {
    viewer: Viewer;
    nodes: readonly NodeView[];
    totals: ClusterTotalsView;
    error?: ApiFailure | undefined;
  }
> = (props) => (
  <AdminFrame
    viewer={props.viewer}
    tab="cluster"
    title="Cluster"
    error={props.error}
  >
    <section aria-labelledby="cluster-totals">
      <h2 id="cluster-totals">Cluster</h2>
      <p>
        {props.totals.nodesUp} node(s) up, {props.totals.nodesDown} down;{" "}
        {props.totals.activations} activation(s);{" "}
        {props.totals.buildsInProgress} build(s) in progress.
      </p>
      <KindTable kinds={props.totals.kinds} caption="All up nodes" />
    </section>
    {props.nodes.map((n) => (
      <section
        aria-labelledby={`node-${n.nodeId}`}
        data-node={n.nodeId}
        data-state={n.state}
      >
        <h2 id={`node-${n.nodeId}`}>
          Node <code>{n.nodeId}</code> {n.self && "(this node)"}{" "}
          <span class="badge" data-status={n.state}>{n.state}</span>
        </h2>
        <p>
          Started <time datetime={n.startedAt}>{n.startedAt}</time>, last seen
          {" "}
          <time datetime={n.lastSeen}>{n.lastSeen}</time>
          {n.state === "down" &&
            " (stopped publishing its figures; the figures below are its last)"}.
          {" "}
          {n.activations} live activation(s), {n.buildsInProgress}{" "}
          build(s) in progress.
        </p>
        <KindTable kinds={n.kinds} caption={`By actor kind on ${n.nodeId}`} />
      </section>
    ))}
  </AdminFrame>
);
