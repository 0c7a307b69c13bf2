/**
 * One build: the live timeline (filled by `/assets/build.js` from the event
 * stream), streamed tokens, test rounds, cancel, and the results: scores,
 * files with syntax highlighting, findings marked on their lines, download.
 *
 * @module
 */
import type { FC } from "hono/jsx";
import { raw } from "hono/html";
import { highlightLines } from "../highlight.ts";
import { Layout, type Viewer, when } from "../layout.tsx";
import { Badge } from "./builds.tsx";

/** A build as `GET /v1/builds/{id}` returns it. */
export interface BuildView {
  id: string;
  project: string;
  language: string;
  status: string;
  requirements: string;
  error: string | null;
  attempts: number;
  createdAt: string;
  finishedAt: string | null;
  fileCount: number;
}

/** A generated file. */
export interface FileView {
  path: string;
  kind: string;
  content: string;
}

/** An analysis finding. */
export interface FindingView {
  rule: string;
  severity: string;
  message: string;
  path: string;
  line: number;
  column: number;
}

/** A build's analysis. */
export interface AnalysisView {
  security: number;
  quality: number;
  maintainability: number;
  findings: FindingView[];
}

const FINAL = ["succeeded", "failed", "cancelled"];

/** Props of {@linkcode Results}. */
export interface ResultsProps {
  readonly build: BuildView;
  readonly files: readonly FileView[];
  readonly analysis?: AnalysisView | undefined;
  readonly selected?: string | undefined;
}

/** The findings of an analysis as a list of strings, tolerant of odd shapes. */
export function findingsOf(value: unknown): FindingView[] {
  if (!Array.isArray(value)) return [];
  return value.filter((f): f is FindingView =>
    typeof f === "object" && f !== null && typeof f.path === "string" &&
    typeof f.line === "number" && typeof f.message === "string"
  );
}

/** Scores, files and findings: rendered with the page, and again when the stream ends. */
export const Results: FC<ResultsProps> = (props) => {
  const { build, files, analysis } = props;
  const file = files.find((f) => f.path === props.selected) ?? files[0];
  const findings = analysis?.findings ?? [];
  const byLine = new Map<number, FindingView[]>();
  for (const f of findings) {
    if (f.path !== file?.path) continue;
    byLine.set(f.line, [...(byLine.get(f.line) ?? []), f]);
  }
  const lines = file ? highlightLines(file.content, file.path) : [];
  return (
    <div>
      {build.error && (
        <p class="alert" role="alert">Build error: {build.error}</p>
      )}
      {analysis && (
        <section aria-labelledby="scores-h">
          <h2 id="scores-h">Scores</h2>
          <ul class="scores" id="scores">
            <li>
              Security: <strong>{analysis.security}</strong>
            </li>
            <li>
              Quality: <strong>{analysis.quality}</strong>
            </li>
            <li>
              Maintainability: <strong>{analysis.maintainability}</strong>
            </li>
          </ul>
        </section>
      )}
      {files.length > 0 && (
        <section aria-labelledby="files-h">
          <h2 id="files-h">Files</h2>
          <p>
            <a
              class="button"
              id="download"
              href={`/builds/${build.id}/archive`}
              download
            >
              Download .zip
            </a>
          </p>
          <div class="grid two">
            <nav aria-label="Files">
              <ul class="files">
                {files.map((f) => (
                  <li>
                    <a
                      href={`/builds/${build.id}?file=${
                        encodeURIComponent(f.path)
                      }#code`}
                      aria-current={f === file ? "page" : undefined}
                    >
                      {f.path}
                    </a>{" "}
                    <span class="muted">({f.kind})</span>
                  </li>
                ))}
              </ul>
              {findings.length > 0 && (
                <div>
                  <h3>Findings</h3>
                  <ul id="findings">
                    {findings.map((f) => (
                      <li>
                        <a
                          href={`/builds/${build.id}?file=${
                            encodeURIComponent(f.path)
                          }#L${f.line}`}
                        >
                          {f.path}:{f.line}
                        </a>{" "}
                        <strong>{f.severity}</strong> {f.rule}: {f.message}
                      </li>
                    ))}
                  </ul>
                </div>
              )}
            </nav>
            {file && (
              <figure style="margin:0" id="code">
                <figcaption>
                  <strong>{file.path}</strong>
                </figcaption>
                <div
                  class="code"
                  tabindex={0}
                  aria-label={`${file.path} source`}
                >
                  <ol data-path={file.path}>
                    {lines.map((html, i) => {
                      const marks = byLine.get(i + 1);
                      return (
                        <li
                          id={`L${i + 1}`}
                          class={marks ? "has-finding" : undefined}
                        >
                          <code>{raw(html)}</code>
                          {marks?.map((m) => (
                            <span class="finding-note" role="note">
                              ⚠ {m.severity} {m.rule}: {m.message}
                            </span>
                          ))}
                        </li>
                      );
                    })}
                  </ol>
                </div>
              </figure>
            )}
          </div>
        </section>
      )}
    </div>
  );
};

/** Props of {@linkcode BuildPage}. */
export interface BuildPageProps extends ResultsProps {
  readonly viewer: Viewer;
  readonly notice?: string | undefined;
}

/** The build page. */
export const BuildPage: FC<BuildPageProps> = (props) => {
  const { build } = props;
  const final = FINAL.includes(build.status);
  return (
    <Layout
      title={build.project}
      viewer={props.viewer}
      scripts={["/assets/build.js"]}
    >
      <article id="build" data-build-id={build.id} data-status={build.status}>
        <h1>
          {build.project} <Badge status={build.status} />
        </h1>
        {props.notice && <p class="alert" role="alert">{props.notice}</p>}
        <p class="muted">
          {build.language} · started {when(build.createdAt)}
          {build.finishedAt && <>· finished {when(build.finishedAt)}</>}
        </p>
        <details>
          <summary>Requirements</summary>
          <pre style="white-space:pre-wrap">{build.requirements}</pre>
        </details>
        {!final && (
          <form
            method="post"
            action={`/builds/${build.id}/cancel`}
            id="cancel-form"
          >
            <input type="hidden" name="_csrf" value={props.viewer.csrf} />
            <button class="danger" type="submit">Cancel build</button>
          </form>
        )}
        <p id="stream-notice" class="note" role="status" hidden></p>
        <div class="grid two">
          <section aria-labelledby="timeline-h">
            <h2 id="timeline-h">Timeline</h2>
            <ol class="timeline" id="timeline" aria-live="polite"></ol>
            <h2>Test rounds</h2>
            <ol id="test-rounds"></ol>
          </section>
          <section aria-labelledby="tokens-h">
            <h2 id="tokens-h">Model output</h2>
            <p id="token-count" class="muted">Waiting for tokens…</p>
            <pre class="tokens" id="tokens" hidden></pre>
          </section>
        </div>
        <div id="results">
          <Results {...props} />
        </div>
      </article>
    </Layout>
  );
};
