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
      POSTGRES_PASSWORD: "test",
      TROUPE_KV_TOKEN: "test",
      PATH: "/usr/local/bin:/usr/bin:/bin",
    });
    assert.ok(result.success, result.text);
  },
});

Deno.test("compose runs at least two app replicas behind one database and KV", async () => {
  const compose = await read("compose.yaml");
  assert.match(compose, /replicas: [2-9]/);
  for (
    const service of [
      "postgres:",
      "denokv:",
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
});
