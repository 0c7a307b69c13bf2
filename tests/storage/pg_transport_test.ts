import { PgTransport } from "../../storage/pg_transport.ts";
import { openTestDatabase } from "./_db.ts";
import { transportConformance } from "../runtime/transport_conformance.ts";

transportConformance("PgTransport", async () => {
  const tdb = await openTestDatabase();
  return {
    open: (nodeId, clock) =>
      new PgTransport({
        database: tdb.database,
        nodeId,
        clock,
        sweepIntervalMs: 200,
      }),
    close: () => tdb.close(),
  };
});
