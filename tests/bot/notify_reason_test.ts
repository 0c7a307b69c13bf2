import { assert } from "../deps.ts";
import { noticesFor } from "../../bot/notify.ts";
import { formatNotice } from "../../bot/format.ts";

Deno.test("a refused test run tells the chat why, not that all passed", () => {
  const [notice] = noticesFor({ project: "slug", language: "typescript" }, [{
    buildId: "b1",
    seq: 4,
    type: "tests",
    data: {
      attempt: 1,
      status: "refused",
      passed: 0,
      failed: 0,
      reason: "imports outside the workspace are not allowed: npm:lodash",
    },
    createdAt: new Date(),
  }]);
  assert.ok(notice);
  const text = formatNotice(notice);
  assert.match(text, /refused/);
  assert.match(text, /npm:lodash/);
  assert.doesNotMatch(text, /all 0 passed/);
});
