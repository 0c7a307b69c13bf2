import { KvTransport } from "../../runtime/kv.ts";
import { transportConformance } from "./transport_conformance.ts";

transportConformance("KvTransport", async () => {
  const dir = await Deno.makeTempDir({ prefix: "troupe-kv-" });
  const path = `${dir}/kv.sqlite3`;
  const kvs: Deno.Kv[] = [];
  return {
    async open(nodeId, clock) {
      const kv = await Deno.openKv(path);
      kvs.push(kv);
      return new KvTransport({
        kv,
        clock,
        nodeId,
        pollIntervalMs: 10,
        wakeRetryDelayMs: 100,
      });
    },
    async close() {
      for (const kv of kvs) kv.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
});
