/**
 * The sign-in page: an API key in, a session cookie out.
 *
 * @module
 */
import type { FC } from "hono/jsx";
import { Layout } from "../layout.tsx";

/** Props of {@linkcode SignInPage}. */
export interface SignInProps {
  readonly csrf: string;
  readonly message?: string | undefined;
  readonly next?: string | undefined;
}

/** Asks for an API key. */
export const SignInPage: FC<SignInProps> = (props) => (
  <Layout title="Sign in">
    <h1>Sign in</h1>
    {props.message && <p class="alert" role="alert">{props.message}</p>}
    <form method="post" action="/sign-in">
      <input type="hidden" name="_csrf" value={props.csrf} />
      {props.next && <input type="hidden" name="next" value={props.next} />}
      <label for="api-key">API key</label>
      <input
        id="api-key"
        name="apiKey"
        type="password"
        autocomplete="current-password"
        required
        aria-describedby="api-key-help"
      />
      <p id="api-key-help" class="muted">
        The key printed at the node's first start, or one an admin gave you. It
        stays on the server: the page keeps only a session cookie.
      </p>
      <button class="primary" type="submit">Sign in</button>
    </form>
  </Layout>
);
