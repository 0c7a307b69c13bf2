import { ManualClock } from "../../runtime/clock.ts";
import { KvTransport } from "../../runtime/kv.ts";
import { MemoryStateStore } from "../../runtime/memory_store.ts";
import { systemConformance } from "./system_conformance.ts";

systemConformance("KvTransport (file-backed KV)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "troupe-kv-" });
  const path = `${dir}/kv.sqlite3`;
  const clock = new ManualClock(0);
  const kvs: Deno.Kv[] = [];
  const open = async () => {
    const kv = await Deno.openKv(path);
    kvs.push(kv);
    return new KvTransport({
      kv,
      clock,
      nodeId: `n${kvs.length}`,
      pollIntervalMs: 10,
      wakeRetryDelayMs: 100,
    });
  };
  const transport = await open();
  return {
    transport,
    store: new MemoryStateStore(),
    clock,
    // A restarted node: the old connection goes away with its process.
    reopen: () => {
      kvs.at(-1)?.close();
      return open();
    },
    cleanup: async () => {
      for (const kv of kvs) {
        try {
          kv.close();
        } catch {
          // closed by reopen
        }
      }
      await Deno.remove(dir, { recursive: true });
    },
  };
});
