import { MemoryStateStore } from "../../runtime/memory_store.ts";
import { storeConformance } from "./store_conformance.ts";

storeConformance("MemoryStateStore", () => ({ store: new MemoryStateStore() }));
