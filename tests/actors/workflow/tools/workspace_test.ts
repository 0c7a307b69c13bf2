import { assert } from "../../../deps.ts";
import {
  createWorkspace,
  type Workspace,
  WorkspaceEscapeError,
  WorkspaceLimitError,
  type WorkspaceLimits,
} from "../../../../actors/workflow/tools/workspace.ts";

async function withWorkspace(
  fn: (ws: Workspace, root: string) => Promise<void>,
  limits: Partial<WorkspaceLimits> = {},
): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "workspace-test-" });
  try {
    await fn(await createWorkspace(root, "b_1", { limits }), root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function rejectsEscape(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, WorkspaceEscapeError);
}

Deno.test("files are written, read, listed and removed inside the workspace", async () => {
  await withWorkspace(async (ws, root) => {
    await ws.writeFile("src/add.ts", "export const add = 1;\n");
    await ws.writeFile("./README.md", "# hi\n");
    await ws.writeFile("src/../src/sub.ts", new TextEncoder().encode("x"));
    assert.equal(await ws.readFile("src/add.ts"), "export const add = 1;\n");
    assert.deepEqual(await ws.list(), [
      "README.md",
      "src/add.ts",
      "src/sub.ts",
    ]);
    assert.equal(
      await Deno.readTextFile(`${root}/b_1/README.md`),
      "# hi\n",
    );
    await ws.remove("src");
    await ws.remove("missing.txt");
    assert.deepEqual(await ws.list(), ["README.md"]);
  });
});

Deno.test("paths leading outside the workspace are refused", async () => {
  await withWorkspace(async (ws, root) => {
    await Deno.writeTextFile(`${root}/outside.txt`, "secret");
    await rejectsEscape(ws.readFile("../outside.txt"));
    await rejectsEscape(ws.readFile("a/../../outside.txt"));
    await rejectsEscape(ws.writeFile("/etc/passwd", "x"));
    await rejectsEscape(ws.writeFile(`${root}/outside.txt`, "x"));
    await rejectsEscape(ws.writeFile("ok\0.txt", "x"));
    await rejectsEscape(ws.writeFile("..\\outside.txt", "x"));
    await rejectsEscape(ws.writeFile("C:/x.txt", "x"));
    await rejectsEscape(ws.remove(".."));
    await rejectsEscape(ws.remove("."));
    await rejectsEscape(ws.writeFile("", "x"));
    assert.equal(await Deno.readTextFile(`${root}/outside.txt`), "secret");
  });
});

Deno.test("symlinks leading out are refused, inside ones are followed", async () => {
  await withWorkspace(async (ws, root) => {
    await Deno.mkdir(`${root}/elsewhere`);
    await Deno.symlink(`${root}/elsewhere`, `${ws.dir}/out`);
    await Deno.symlink("/etc/passwd", `${ws.dir}/passwd`);
    await Deno.symlink(`${root}/nowhere`, `${ws.dir}/dangling`);
    await rejectsEscape(ws.writeFile("out/x.ts", "x"));
    await rejectsEscape(ws.readFile("passwd"));
    await rejectsEscape(ws.writeFile("dangling", "x"));
    assert.deepEqual([...Deno.readDirSync(`${root}/elsewhere`)], []);

    await ws.writeFile("real/a.ts", "a");
    await Deno.symlink(`${ws.dir}/real`, `${ws.dir}/alias`);
    assert.equal(await ws.readFile("alias/a.ts"), "a");
  });
});

Deno.test("the error names the path, the workspace and the reason", async () => {
  await withWorkspace(async (ws) => {
    const error = await ws.readFile("../../x").catch((e: unknown) => e);
    assert.ok(error instanceof WorkspaceEscapeError);
    assert.equal(error.path, "../../x");
    assert.equal(error.workspace, ws.dir);
    assert.match(error.message, /above the root/);
  });
});

Deno.test("build ids that are not one plain path segment are refused", async () => {
  const root = await Deno.makeTempDir({ prefix: "workspace-test-" });
  try {
    for (const id of ["..", "../x", "a/b", "", ".hidden", "a\0b"]) {
      await rejectsEscape(createWorkspace(root, id));
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("limits on file count, file size and total size are enforced", async () => {
  await withWorkspace(async (ws) => {
    await ws.writeFile("a.txt", "12345");
    await ws.writeFile("b.txt", "12345");
    await ws.writeFile("a.txt", "1234567"); // overwriting does not add a file
    const tooMany = await ws.writeFile("c.txt", "1").catch((e: unknown) => e);
    assert.ok(tooMany instanceof WorkspaceLimitError);
    assert.equal(tooMany.limit, "maxFiles");
    assert.match(tooMany.message, /maxFiles \(3 > 2\)/);

    const tooBig = await ws.writeFile("a.txt", "x".repeat(11)).catch((
      e: unknown,
    ) => e);
    assert.ok(tooBig instanceof WorkspaceLimitError);
    assert.equal(tooBig.limit, "maxFileBytes");

    const tooMuch = await ws.writeFile("a.txt", "x".repeat(10)).catch((
      e: unknown,
    ) => e);
    assert.ok(tooMuch instanceof WorkspaceLimitError);
    assert.equal(tooMuch.limit, "maxTotalBytes");
    assert.equal(await ws.readFile("a.txt"), "1234567");
  }, { maxFiles: 2, maxFileBytes: 10, maxTotalBytes: 14 });
});

Deno.test("destroy removes the workspace directory", async () => {
  await withWorkspace(async (ws) => {
    await ws.writeFile("a.txt", "a");
    await ws.destroy();
    await assert.rejects(Deno.stat(ws.dir), Deno.errors.NotFound);
  });
});
