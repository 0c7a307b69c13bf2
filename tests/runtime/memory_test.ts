import { ManualClock } from "../../runtime/clock.ts";
import { MemoryStateStore } from "../../runtime/memory_store.ts";
import { MemoryTransport } from "../../runtime/memory_transport.ts";
import { systemConformance } from "./system_conformance.ts";

systemConformance("memory transport", () => {
  const clock = new ManualClock(0);
  const transport = new MemoryTransport({ clock, nodeId: "n1" });
  return {
    transport,
    store: new MemoryStateStore(),
    clock,
    cleanup: () => transport.dispose(),
  };
});
