import { assert } from "../deps.ts";
import { fullDocument } from "../../http/openapi_write.ts";
import { Contract } from "./_contract.ts";

Deno.test("every example in the full OpenAPI document matches its schema", () => {
  const contract = new Contract(fullDocument());
  const examples = contract.examples();
  assert.ok(examples.length >= 20, `only ${examples.length} examples found`);
  const problems = examples.flatMap(({ where, schema, example }) =>
    contract.validate(schema, example).map((p) =>
      `${where}: ${JSON.stringify(example)} ${p}`
    )
  );
  assert.deepEqual(problems, []);
});

Deno.test("the example checker catches an example that breaks its schema", () => {
  const contract = new Contract({
    openapi: "3.1.0",
    paths: {},
    components: {
      schemas: {
        Key: {
          type: "object",
          properties: {
            prefix: {
              type: "string",
              pattern: "^[a-z0-9]{8}$",
              example: "trp_3f9a",
            },
          },
        },
      },
    },
  });
  const [only] = contract.examples();
  assert.ok(only);
  assert.notDeepEqual(contract.validate(only.schema, only.example), []);
});

Deno.test("the contract check refuses an undeclared status and a body off its schema", () => {
  const contract = new Contract({
    openapi: "3.1.0",
    paths: {
      "/things/{id}": {
        get: {
          responses: {
            "200": {
              description: "A thing",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    required: ["id"],
                    properties: { id: { type: "string" } },
                  },
                },
              },
            },
          },
        },
      },
    },
  });
  const ok = contract.check(
    "GET",
    "/things/1",
    200,
    "application/json",
    '{"id":"1"}',
  );
  assert.deepEqual(ok, []);
  assert.notDeepEqual(
    contract.check("GET", "/things/1", 200, "application/json", '{"id":1}'),
    [],
  );
  assert.notDeepEqual(contract.check("GET", "/things/1", 413, null, ""), []);
  assert.notDeepEqual(contract.check("GET", "/other", 200, null, ""), []);
});
