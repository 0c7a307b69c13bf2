/** The domain-route fixture with the web console and the admin operations mounted. */
import { adminOpsRoutes } from "../../http/routes/admin_ops.ts";
import { webConsole } from "../../web/mod.ts";
import { openRouteFixture, type RouteFixture } from "../http/routes/_setup.ts";
import {
  clusterFigures,
  createMetrics,
  readCluster,
} from "../../actors/metrics.ts";
import { createModelCatalog } from "../../actors/workflow/model_catalog.ts";
import type { Message } from "../../runtime/actor.ts";

/** Opens the fixture with `/` served by the console. */
export async function openWebFixture(): Promise<RouteFixture> {
  const metrics = createMetrics({ defaultMetrics: false });
  const f = await openRouteFixture({
    app: {
      metrics,
    },
    deps: {
      models: createModelCatalog({
        list: () => Promise.resolve(["fake-coder:1b"]),
      }),
    },
  });
  adminOpsRoutes({
    db: f.db,
    redeliver: (kind, id, message) =>
      f.actors.ref(kind, id).tell(message as Message),
    // The metrics actor's cluster reading, on the fixture's database.
    cluster: () =>
      readCluster(
        metrics,
        clusterFigures({ db: f.db, nodeId: f.actors.nodeId }),
      ),
  })(f.app);
  f.app.route(
    "/",
    await webConsole({
      api: (req, env) => f.app.fetch(req, env),
      secret: new Uint8Array(32).fill(7),
      models: () => Promise.resolve(["fake-coder:1b"]),
    }),
  );
  return f;
}
