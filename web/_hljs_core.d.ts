// The part of highlight.js's core the console uses. Its own typings pull in
// the DOM library (`/// <reference lib="dom" />`), whose stream types clash
// with Deno's in any program that also has server code.
/** A highlight.js language definition (opaque here). */
export type LanguageFn = unknown;
/** highlight.js's core API, as used by `highlight.ts`. */
export interface HighlightApi {
  registerLanguage(name: string, language: LanguageFn): void;
  highlight(
    code: string,
    options: { language: string; ignoreIllegals?: boolean },
  ): { value: string };
}
declare const hljs: HighlightApi;
export default hljs;
