import { assert } from "../deps.ts";
import { createMetrics } from "../../actors/metrics.ts";

const root = new URL("../../", import.meta.url);
const read = (path: string) => Deno.readTextFile(new URL(path, root));

async function has(command: string): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("sh", {
      args: ["-c", `command -v ${command}`],
      stdout: "null",
    })
      .output();
    return success;
  } catch {
    return false;
  }
}

async function run(
  command: string,
  args: string[],
  env: Record<string, string> = {},
) {
  const out = await new Deno.Command(command, {
    args,
    env,
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) +
    new TextDecoder().decode(out.stderr);
  return { success: out.success, text };
}

/** Metric names a PromQL text refers to (histogram series reduced to their family). */
function referencedMetrics(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/\btroupe_[a-z_]+\b/g)) {
    names.add(match[0].replace(/_(bucket|sum|count)$/, ""));
  }
  return names;
}

Deno.test("alert rules and the dashboard only use metrics the platform exports", async () => {
  const metrics = createMetrics({ defaultMetrics: false });
  const exported = new Set(
    (await metrics.registry.getMetricsAsJSON()).map((m) => m.name),
  );
  for (const file of ["ops/prometheus/rules.yml", "ops/grafana/troupe.json"]) {
    const unknown = [...referencedMetrics(await read(file))].filter((name) =>
      !exported.has(name)
    );
    assert.deepEqual(unknown, [], `${file} uses metrics nobody exports`);
  }
});

Deno.test({
  name: "promtool accepts the Prometheus config and rules",
  ignore: !await has("promtool"),
  async fn() {
    const result = await run("promtool", [
      "check",
      "config",
      "ops/prometheus/prometheus.yml",
    ]);
    assert.ok(result.success, result.text);
  },
});

Deno.test("every alert in rules.yml has a promtool unit test that expects it to fire", async () => {
  const rules = await read("ops/prometheus/rules.yml");
  const tests = await read("ops/prometheus/rules_test.yml");
  const alerts = [...rules.matchAll(/^\s*- alert: (\w+)/gm)].map((m) => m[1]);
  assert.ok(alerts.length >= 13, `alerts found: ${alerts.join(", ")}`);
  // A case that fires is an alertname followed by a non-empty exp_alerts list.
  const firing = new Set(
    [...tests.matchAll(/alertname: (\w+)\s*\n\s*exp_alerts:\s*\n\s*- /g)]
      .map((m) => m[1]),
  );
  const untested = alerts.filter((name) => !firing.has(name!));
  assert.deepEqual(untested, [], "alerts without a firing test case");
});

if (!await has("promtool")) {
  console.warn(
    "promtool is not on PATH: the promtool rule tests are skipped " +
      "(apt-get install -y prometheus; .ci/run installs it).",
  );
}

Deno.test({
  name: "promtool check rules and promtool test rules pass",
  ignore: !await has("promtool"),
  async fn() {
    const check = await run("promtool", [
      "check",
      "rules",
      "ops/prometheus/rules.yml",
    ]);
    assert.ok(check.success, check.text);
    const test = await run("promtool", [
      "test",
      "rules",
      "ops/prometheus/rules_test.yml",
    ]);
    assert.ok(test.success, test.text);
    assert.match(test.text, /SUCCESS/);
  },
});

Deno.test({
  name: "compose.yaml is a valid Compose file",
  ignore: !await has("docker-compose"),
  async fn() {
    const result = await run("docker-compose", [
      "-f",
      "compose.yaml",
      "config",
      "-q",
    ], {
      PATH: "/usr/local/bin:/usr/bin:/bin",
    });
    assert.ok(result.success, result.text);
  },
});

/** The text of each service block of compose.yaml, by service name. */
function services(compose: string): Map<string, string> {
  const body = compose.split(/^services:\n/m)[1]!.split(/^\S/m)[0]!;
  const blocks = new Map<string, string>();
  for (const part of body.split(/^(?= {2}[a-z][\w-]*:\n)/m)) {
    const name = /^ {2}([a-z][\w-]*):\n/.exec(part)?.[1];
    if (name) blocks.set(name, part);
  }
  return blocks;
}

Deno.test("compose: pinned images, a healthcheck for every service, secrets as files, a load balancer", async () => {
  const compose = await read("compose.yaml");
  const blocks = services(compose);
  assert.ok(blocks.size >= 7, [...blocks.keys()].join());
  for (const [name, block] of blocks) {
    assert.match(block, /\n {4}healthcheck:\n/, `${name} has a healthcheck`);
    const image = /\n {4}image: (\S+)/.exec(block)?.[1];
    assert.ok(image, `${name} names its image`);
    assert.match(image!, /:[\w.-]*\d[\w.-]*$/, `${name}: ${image} is pinned`);
    assert.doesNotMatch(image!, /:latest$/);
  }
  assert.doesNotMatch(
    compose,
    /PASSWORD:\s*\$\{/,
    "no password in the environment",
  );
  assert.match(compose, /ACTOR_TRANSPORT: postgres/);
  assert.match(blocks.get("lb")!, /image: caddy:2\.8\.4/);
  assert.match(blocks.get("lb")!, /ops\/caddy\/Caddyfile/);
  assert.doesNotMatch(
    blocks.get("app")!,
    /\n {4}ports:/,
    "replicas only behind lb",
  );
  assert.match(blocks.get("ollama")!, /#\s+capabilities: \[gpu\]/);
  assert.match(blocks.get("grafana")!, /ops\/grafana\/provisioning/);
  const caddy = await read("ops/caddy/Caddyfile");
  assert.match(caddy, /dynamic a \{\s*name app\s*port 8080/);
});

Deno.test("Dockerfile caches dependencies before the source and runs as a non-root user owning /data", async () => {
  const docker = await read("Dockerfile");
  const at = (pattern: RegExp) => docker.search(pattern);
  assert.ok(at(/^COPY .*deno\.json deno\.lock/m) >= 0);
  assert.ok(
    at(/^RUN deno install/m) > at(/^COPY .*deno\.json deno\.lock/m) &&
      at(/^RUN deno install/m) < at(/^COPY .* \. \./m),
    "deno install runs before the source copy",
  );
  assert.match(docker, /chown -R deno:deno [^\n]*\/data/);
  assert.ok(
    at(/^USER deno/m) < at(/^RUN deno install/m),
    "caches owned by deno",
  );
  assert.doesNotMatch(docker, /"-A"|--allow-all/);
  assert.match(docker, /--allow-write=\/data/);
});

Deno.test("compose runs at least two app replicas behind one database, with no KV Connect service", async () => {
  const compose = await read("compose.yaml");
  assert.match(compose, /replicas: [2-9]/);
  for (
    const service of [
      "postgres:",
      "chroma:",
      "ollama:",
      "prometheus:",
    ]
  ) {
    assert.ok(
      compose.includes(`\n  ${service}`),
      `service ${service} is defined`,
    );
  }
  // KV Connect delivers no queue messages: a cluster shares PostgreSQL only.
  assert.ok(!compose.includes("\n  denokv:"), "no denokv service");
  assert.doesNotMatch(compose, /DENO_KV_URL|KV_URL:/);
});
