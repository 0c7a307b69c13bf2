/**
 * The page frame every console page shares, and the small pieces forms use.
 *
 * @module
 */
import type { Child, FC } from "hono/jsx";
import type { ApiFailure } from "./api.ts";

/** The signed-in person, as the header shows them. */
export interface Viewer {
  readonly id: string;
  readonly name: string;
  readonly role: "user" | "admin";
  readonly csrf: string;
}

/** Props of {@linkcode Layout}. */
export interface LayoutProps {
  readonly title: string;
  readonly viewer?: Viewer | undefined;
  readonly current?: "builds" | "new" | "account" | "admin";
  readonly scripts?: readonly string[];
  readonly children?: Child;
}

/** The HTML document around a page. */
export const Layout: FC<LayoutProps> = (props) => {
  const link = (href: string, label: string, key: LayoutProps["current"]) => (
    <li>
      <a href={href} aria-current={props.current === key ? "page" : undefined}>
        {label}
      </a>
    </li>
  );
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{props.title} · Troupe</title>
        <link rel="stylesheet" href="/assets/console.css" />
      </head>
      <body>
        <a class="skip" href="#content">Skip to content</a>
        <header class="top">
          <a class="brand" href="/">Troupe</a>
          {props.viewer && (
            <nav aria-label="Main">
              <ul>
                {link("/", "Builds", "builds")}
                {link("/builds/new", "New build", "new")}
                {link("/account", "Account", "account")}
                {props.viewer.role === "admin" &&
                  link("/admin", "Admin", "admin")}
              </ul>
            </nav>
          )}
          {props.viewer && (
            <form method="post" action="/sign-out">
              <input type="hidden" name="_csrf" value={props.viewer.csrf} />
              <span class="muted">{props.viewer.name}</span>{" "}
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        <main id="content">{props.children}</main>
        {(props.scripts ?? []).map((src) => (
          <script key={src} src={src} defer></script>
        ))}
      </body>
    </html>
  );
};

/** An API error, shown where the page would have been. */
export const ErrorPage: FC<
  { viewer?: Viewer | undefined; error: ApiFailure; title?: string }
> = (props) => (
  <Layout
    title={props.title ?? titleOf(props.error.status)}
    viewer={props.viewer}
  >
    <h1>{props.title ?? titleOf(props.error.status)}</h1>
    <p class="alert" role="alert" data-error-code={props.error.code}>
      {props.error.message}
    </p>
    <p>
      <a href="/">Back to your builds</a>
    </p>
  </Layout>
);

function titleOf(status: number): string {
  switch (status) {
    case 403:
      return "Not allowed";
    case 404:
      return "Not found";
    case 429:
      return "Too many requests";
    default:
      return status >= 500 ? "Something went wrong" : "Request refused";
  }
}

/** The message of an API error at the top of a form, with its field issues. */
export const FormError: FC<{ error?: ApiFailure | undefined }> = (props) =>
  props.error
    ? (
      <div class="alert" role="alert" data-error-code={props.error.code}>
        <p style="margin:0">{props.error.message}</p>
        {props.error.issues.length > 0 && (
          <ul>
            {props.error.issues.map((i) => (
              <li>
                <strong>{i.path}</strong>: {i.message}
              </li>
            ))}
          </ul>
        )}
      </div>
    )
    : null;

/** The hidden CSRF field every form carries. */
export const Csrf: FC<{ token: string }> = (props) => (
  <input type="hidden" name="_csrf" value={props.token} />
);

/** The issues of one field (`body.<name>`), under its control. */
export const FieldError: FC<
  { error?: ApiFailure | undefined; field: string; id: string }
> = (props) => {
  const issues =
    props.error?.issues.filter((i) =>
      i.path === `body.${props.field}` || i.path === props.field
    ) ?? [];
  return issues.length
    ? (
      <p class="field-error" id={props.id}>
        {issues.map((i) => i.message).join("; ")}
      </p>
    )
    : null;
};

/** A date as a short readable UTC string. */
export function when(iso: string | null | undefined): string {
  return iso ? iso.replace("T", " ").slice(0, 19) + " UTC" : "—";
}
