/**
 * The builds list (status filter, paging, live badges) and the new build form.
 *
 * @module
 */
import type { FC } from "hono/jsx";
import type { ApiFailure } from "../api.ts";
import {
  Csrf,
  FieldError,
  FormError,
  Layout,
  type Viewer,
  when,
} from "../layout.tsx";

/** A build in the list, as `GET /v1/builds` returns it. */
export interface BuildRow {
  id: string;
  project: string;
  language: string;
  status: string;
  source: string;
  createdAt: string;
  finishedAt: string | null;
}

/** Props of {@linkcode BuildsPage}. */
export interface BuildsProps {
  readonly viewer: Viewer;
  readonly items: readonly BuildRow[];
  readonly statuses: readonly string[];
  readonly status?: string | undefined;
  readonly nextCursor: string | null;
  readonly first: boolean;
}

/** The status badge; `live` makes the list script keep it current. */
export const Badge: FC<{ status: string; id?: string; live?: boolean }> = (
  props,
) => (
  <span
    class="badge"
    data-status={props.status}
    data-live-build={props.live ? props.id : undefined}
    id={props.live ? undefined : "status"}
    role={props.live ? undefined : "status"}
    aria-live={props.live ? undefined : "polite"}
  >
    {props.status}
  </span>
);

/** Your builds, newest first. */
export const BuildsPage: FC<BuildsProps> = (props) => {
  const q = (extra: Record<string, string>) =>
    "?" + new URLSearchParams({
      ...(props.status ? { status: props.status } : {}),
      ...extra,
    });
  return (
    <Layout
      title="Builds"
      viewer={props.viewer}
      current="builds"
      scripts={["/assets/list.js"]}
    >
      <h1>Your builds</h1>
      <form method="get" action="/" class="row" role="search">
        <div>
          <label for="status-filter">Status</label>
          <select id="status-filter" name="status">
            <option value="">any</option>
            {props.statuses.map((s) => (
              <option value={s} selected={s === props.status}>{s}</option>
            ))}
          </select>
        </div>
        <button type="submit">Filter</button>
        <a class="button" href="/builds/new">New build</a>
      </form>
      {props.items.length === 0
        ? <p class="note">No builds here yet.</p>
        : (
          <div class="table-wrap">
            <table>
              <caption class="skip">Builds, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Project</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="opt">Language</th>
                  <th scope="col" class="opt">Started</th>
                </tr>
              </thead>
              <tbody>
                {props.items.map((b) => (
                  <tr data-build-id={b.id}>
                    <td>
                      <a href={`/builds/${b.id}`}>{b.project}</a>
                    </td>
                    <td>
                      <Badge status={b.status} id={b.id} live />
                    </td>
                    <td class="opt">{b.language}</td>
                    <td class="opt">{when(b.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      <nav class="pager" aria-label="Pages">
        {!props.first && <a href={q({})}>Newest</a>}
        {props.nextCursor && (
          <a href={q({ cursor: props.nextCursor })} rel="next">Older builds</a>
        )}
      </nav>
    </Layout>
  );
};

/** What the new build form was filled with. */
export interface BuildForm {
  project?: string;
  language?: string;
  requirements?: string;
  /** Empty for the node's configured model. */
  model?: string;
}

/** Props of {@linkcode NewBuildPage}. */
export interface NewBuildProps {
  readonly viewer: Viewer;
  readonly languages: readonly string[];
  readonly models: readonly string[];
  readonly values?: BuildForm;
  readonly error?: ApiFailure | undefined;
}

/** The new build form. */
export const NewBuildPage: FC<NewBuildProps> = (props) => {
  const v = props.values ?? {};
  return (
    <Layout title="New build" viewer={props.viewer} current="new">
      <h1>New build</h1>
      <FormError error={props.error} />
      <form method="post" action="/builds" novalidate>
        <Csrf token={props.viewer.csrf} />
        <label for="project">Project name</label>
        <input
          id="project"
          name="project"
          type="text"
          value={v.project ?? ""}
          aria-describedby="project-error"
        />
        <FieldError error={props.error} field="project" id="project-error" />
        <label for="language">Language</label>
        <select id="language" name="language" class="wide">
          {props.languages.map((l) => (
            <option value={l} selected={l === v.language}>{l}</option>
          ))}
        </select>
        <FieldError error={props.error} field="language" id="language-error" />
        <label for="requirements">Requirements</label>
        <textarea
          id="requirements"
          name="requirements"
          aria-describedby="requirements-error"
        >
          {v.requirements ?? ""}
        </textarea>
        <FieldError
          error={props.error}
          field="requirements"
          id="requirements-error"
        />
        <label for="model">Model</label>
        <select
          id="model"
          name="model"
          class="wide"
          aria-describedby="model-help model-error"
        >
          <option value="">the node's configured model</option>
          {props.models.map((m) => (
            <option value={m} selected={m === v.model}>{m}</option>
          ))}
        </select>
        <p id="model-help" class="muted">
          {props.models.length
            ? "Models installed on the node's Ollama (/api/tags)."
            : "The model server could not be asked for its models (/api/tags); builds use the node's configured model."}
        </p>
        <FieldError error={props.error} field="model" id="model-error" />
        <p>
          <button class="primary" type="submit">Start build</button>
        </p>
      </form>
    </Layout>
  );
};
