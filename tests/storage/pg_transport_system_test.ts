import { ManualClock } from "../../runtime/clock.ts";
import { FencedStateStore } from "../../storage/pg_fenced_store.ts";
import { PgTransport } from "../../storage/pg_transport.ts";
import { systemConformance } from "../runtime/system_conformance.ts";
import { openTestDatabase } from "./_db.ts";

systemConformance("PgTransport + FencedStateStore", async () => {
  const tdb = await openTestDatabase();
  const clock = new ManualClock(0);
  let nodes = 0;
  const open = () =>
    new PgTransport({
      database: tdb.database,
      nodeId: `n${++nodes}`,
      clock,
      sweepIntervalMs: 100,
    });
  return {
    transport: open(),
    store: new FencedStateStore(tdb.db),
    clock,
    reopen: open,
    cleanup: () => tdb.close(),
  };
});

systemConformance("PgTransport + FencedStateStore as its outbox", async () => {
  const tdb = await openTestDatabase();
  const clock = new ManualClock(0);
  let nodes = 0;
  const open = () =>
    new PgTransport({
      database: tdb.database,
      nodeId: `n${++nodes}`,
      clock,
      sweepIntervalMs: 100,
    });
  const transport = open();
  return {
    transport,
    store: new FencedStateStore(tdb.db, { transport }),
    clock,
    reopen: open,
    cleanup: () => tdb.close(),
  };
});
