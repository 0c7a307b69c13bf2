import { MemoryTransport } from "../../runtime/memory_transport.ts";
import { transportConformance } from "./transport_conformance.ts";

transportConformance("MemoryTransport", () => {
  let first: MemoryTransport | undefined;
  return {
    open: (nodeId, clock) =>
      first
        ? first.peer(nodeId)
        : (first = new MemoryTransport({ nodeId, clock })),
    close: () => Promise.resolve(first?.dispose()),
  };
});
