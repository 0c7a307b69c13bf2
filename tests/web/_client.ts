/**
 * A browser-like client for `app.request`: keeps cookies, reads the CSRF
 * field of the last page, and posts forms.
 */
type Fetcher = {
  request(path: string, init?: RequestInit): Response | Promise<Response>;
};

/** One person's cookies against one app. */
export class Browser {
  readonly cookies = new Map<string, string>();
  /** The `_csrf` field of the last HTML page read. */
  csrf = "";
  constructor(
    readonly app: Fetcher,
    readonly headers: Record<string, string> = {},
  ) {}

  #remember(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (!value || /max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  #cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return {
      Cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "),
    };
  }

  /** GET (or any request); returns the response and its text. */
  async go(path: string, init: RequestInit = {}) {
    const res = await this.app.request(path, {
      ...init,
      headers: {
        ...this.headers,
        ...this.#cookieHeader(),
        ...(init.headers ?? {}),
      },
    });
    this.#remember(res);
    const type = res.headers.get("Content-Type") ?? "";
    const text = type.includes("zip") ? "" : await res.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (csrf) this.csrf = csrf;
    return {
      res,
      text,
      status: res.status,
      location: res.headers.get("Location"),
    };
  }

  /** Posts a form (with the last CSRF token unless `_csrf` is given). */
  post(path: string, fields: Record<string, string> = {}, withCsrf = true) {
    const body = new URLSearchParams(
      withCsrf ? { _csrf: this.csrf, ...fields } : fields,
    );
    return this.go(path, {
      method: "POST",
      body,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
  }

  /** Signs in with an API key; returns the sign-in post's response. */
  async signIn(token: string) {
    await this.go("/sign-in");
    return await this.post("/sign-in", { apiKey: token });
  }
}
