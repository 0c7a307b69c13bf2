/**
 * Checks responses and examples against an OpenAPI 3.1 document with a
 * JSON Schema 2020-12 validator (Ajv): the status must be declared for the
 * operation, the media type must be one it declares, and a JSON body must
 * match the declared schema.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

type Json = Record<string, unknown>;

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];

/** `#/components/schemas/X` -> `X`, so that each component is its own Ajv schema. */
function localRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(localRefs);
  if (!value || typeof value !== "object") return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = k === "$ref" && typeof v === "string"
      ? v.replace("#/components/schemas/", "component:")
      : localRefs(v);
  }
  return out;
}

/** An OpenAPI document prepared for validation. */
export class Contract {
  readonly #ajv = new Ajv2020({ strict: false, allErrors: true });
  readonly #cache = new Map<unknown, ValidateFunction>();
  readonly #templates: { regex: RegExp; path: string; params: number }[];

  readonly doc: Json;

  constructor(doc: object) {
    this.doc = doc as Json;
    addFormats.default(this.#ajv);
    const schemas = ((this.doc.components as Json | undefined)?.schemas ??
      {}) as Json;
    for (const [name, schema] of Object.entries(schemas)) {
      this.#ajv.addSchema(localRefs(schema) as Json, `component:${name}`);
    }
    this.#templates = Object.keys(this.doc.paths as Json).map((path) => ({
      path,
      regex: new RegExp(
        `^${
          path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(
            /\\?\{\w+\\?\}/g,
            "[^/]+",
          )
        }$`,
      ),
      params: (path.match(/\{/g) ?? []).length,
    })).sort((a, b) => a.params - b.params);
  }

  /** Problems of `value` against `schema` (empty when it matches). */
  validate(schema: unknown, value: unknown): string[] {
    let fn = this.#cache.get(schema);
    if (!fn) {
      fn = this.#ajv.compile(localRefs(schema) as Json);
      this.#cache.set(schema, fn);
    }
    if (fn(value)) return [];
    return (fn.errors ?? []).map((e) =>
      `${e.instancePath || "(root)"} ${e.message ?? "is invalid"}`
    );
  }

  /** The document's path template for a concrete path, if any. */
  template(path: string): string | undefined {
    return this.#templates.find((t) => t.regex.test(path))?.path;
  }

  /** Problems of one response (empty when the document allows it). */
  check(
    method: string,
    path: string,
    status: number,
    contentType: string | null,
    body: string,
  ): string[] {
    const where = `${method} ${path} -> ${status}`;
    const template = this.template(path);
    const item = template
      ? (this.doc.paths as Json)[template] as Json
      : undefined;
    const op = item?.[method.toLowerCase()] as Json | undefined;
    if (!op) {
      // Outside any operation only the protocol-level answers are allowed.
      // Auth runs before routing, so a secured path refuses a bad key first.
      const secured = Object.values(item ?? {}).some((o) =>
        Array.isArray((o as Json).security) &&
        ((o as Json).security as unknown[]).length > 0
      );
      const allowed = !item
        ? [404]
        : [405, ...(method === "OPTIONS" ? [204] : [])].concat(
          secured ? [401, 403, 429, 503] : [],
        );
      if (!allowed.includes(status)) {
        return [`${where}: no operation, and not ${allowed.join("/")}`];
      }
      return status === 204 ? [] : this.#json(
        where,
        { $ref: "#/components/schemas/Error" },
        body,
      );
    }
    const responses = op.responses as Json;
    const response = (responses[String(status)] ??
      responses[`${String(status)[0]}XX`] ?? responses.default) as
        | Json
        | undefined;
    if (!response) return [`${where}: status not declared`];
    const content = response.content as Json | undefined;
    if (!content) {
      return body === "" ? [] : [`${where}: body sent, none declared`];
    }
    const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
    const media = content[type] as Json | undefined;
    if (!media) {
      return [
        `${where}: content type ${type || "(none)"} not in ${
          Object.keys(content).join(", ")
        }`,
      ];
    }
    if (type !== "application/json") return [];
    return this.#json(where, media.schema, body);
  }

  #json(where: string, schema: unknown, body: string): string[] {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return [`${where}: body is not JSON: ${body.slice(0, 80)}`];
    }
    return this.validate(schema, value).map((p) => `${where}: ${p}`);
  }

  /** Every example in the document with its schema and where it is. */
  examples(): { where: string; schema: unknown; example: unknown }[] {
    const found: { where: string; schema: unknown; example: unknown }[] = [];
    const schemaWalk = (schema: unknown, where: string) => {
      if (!schema || typeof schema !== "object") return;
      const s = schema as Json;
      if ("example" in s) found.push({ where, schema: s, example: s.example });
      if (Array.isArray(s.examples)) {
        s.examples.forEach((example, i) =>
          found.push({ where: `${where}.examples[${i}]`, schema: s, example })
        );
      }
      for (const key of ["items", "additionalProperties", "not"]) {
        schemaWalk(s[key], `${where}.${key}`);
      }
      for (const key of ["anyOf", "oneOf", "allOf", "prefixItems"]) {
        if (Array.isArray(s[key])) {
          (s[key] as unknown[]).forEach((sub, i) =>
            schemaWalk(sub, `${where}.${key}[${i}]`)
          );
        }
      }
      for (const [name, sub] of Object.entries((s.properties ?? {}) as Json)) {
        schemaWalk(sub, `${where}.properties.${name}`);
      }
    };
    const mediaWalk = (content: unknown, where: string) => {
      for (const [type, media] of Object.entries((content ?? {}) as Json)) {
        const m = media as Json;
        schemaWalk(m.schema, `${where}.${type}.schema`);
        if ("example" in m) {
          found.push({
            where: `${where}.${type}`,
            schema: m.schema,
            example: m.example,
          });
        }
        for (const [name, ex] of Object.entries((m.examples ?? {}) as Json)) {
          found.push({
            where: `${where}.${type}.examples.${name}`,
            schema: m.schema,
            example: (ex as Json).value,
          });
        }
      }
    };
    const components = (this.doc.components ?? {}) as Json;
    for (
      const [name, s] of Object.entries((components.schemas ?? {}) as Json)
    ) {
      schemaWalk(s, `components.schemas.${name}`);
    }
    for (
      const [name, h] of Object.entries((components.headers ?? {}) as Json)
    ) {
      schemaWalk((h as Json).schema, `components.headers.${name}`);
    }
    for (const [path, item] of Object.entries(this.doc.paths as Json)) {
      for (const method of METHODS) {
        const op = (item as Json)[method] as Json | undefined;
        if (!op) continue;
        const at = `${method} ${path}`;
        for (const p of (op.parameters ?? []) as Json[]) {
          schemaWalk(p.schema, `${at} parameter ${p.name}`);
          if ("example" in p) {
            found.push({
              where: `${at} parameter ${p.name}`,
              schema: p.schema,
              example: p.example,
            });
          }
        }
        const requestBody = op.requestBody as Json | undefined;
        mediaWalk(requestBody?.content, `${at} requestBody`);
        for (
          const [status, r] of Object.entries((op.responses ?? {}) as Json)
        ) {
          mediaWalk((r as Json).content, `${at} ${status}`);
          for (
            const [name, h] of Object.entries(
              ((r as Json).headers ?? {}) as Json,
            )
          ) {
            schemaWalk((h as Json).schema, `${at} ${status} header ${name}`);
          }
        }
      }
    }
    return found;
  }
}
