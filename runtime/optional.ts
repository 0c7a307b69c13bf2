/**
 * Optional properties under `exactOptionalPropertyTypes`: an optional key may
 * be absent but not present with the value `undefined`, so a value that may
 * be undefined has to be left out rather than set.
 *
 * @module
 */

/**
 * `T` with every key whose type admits `undefined` made optional (and
 * `undefined` taken out of its type); the other keys stay as they are. The
 * type of {@linkcode omitUndefined}'s result.
 *
 * @example
 * ```ts
 * import type { OmitUndefined } from "./optional.ts";
 * const options: OmitUndefined<{ k: number; where: string | undefined }> = { k: 3 };
 * console.assert(!("where" in options));
 * ```
 */
export type OmitUndefined<T extends Record<string, unknown>> =
  & { [K in keyof T as undefined extends T[K] ? never : K]: T[K] }
  & {
    [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<
      T[K],
      undefined
    >;
  };

/**
 * A copy of `obj` without the keys whose value is `undefined`; other values
 * (`null` included) are kept, in their order. Replaces
 * `...(x === undefined ? {} : { x })` with `...omitUndefined({ x })`.
 *
 * @example
 * ```ts
 * import { omitUndefined } from "./optional.ts";
 * const timeoutMs: number | undefined = undefined;
 * const options = { k: 3, ...omitUndefined({ timeoutMs, where: null }) };
 * console.assert(!("timeoutMs" in options) && options.where === null);
 * ```
 */
export function omitUndefined<T extends Record<string, unknown>>(
  obj: T,
): OmitUndefined<T> {
  // fromEntries defines own properties: a key `__proto__` stays a key.
  return Object.fromEntries(
    Object.entries(obj).filter(([, value]) => value !== undefined),
  ) as OmitUndefined<T>;
}
