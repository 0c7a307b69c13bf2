// A highlight.js language module (see _hljs_core.d.ts for why not its own typings).
declare const language: unknown;
export default language;
