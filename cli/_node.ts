/**
 * Sends a data command to the node that owns the embedded database, over its
 * operator endpoint (`POST /operator/run`, see `http/operator.ts`), and
 * prints what the command printed there. The endpoint's URL and token come
 * from `DATA_DIR/pg.lock` and `DATA_DIR/pg.admin` (see
 * `storage/data_dir_lock.ts`).
 *
 * @module
 */
import { z } from "zod";
import type { NodeAdminAccess } from "../storage/data_dir_lock.ts";
import type { CommandContext } from "./_context.ts";

const answerSchema = z.object({
  exitCode: z.number().int(),
  output: z.array(z.object({
    stream: z.enum(["stdout", "stderr"]),
    line: z.string(),
  })),
});

/** What the operator endpoint answers. */
export type OperatorAnswer = z.infer<typeof answerSchema>;

/**
 * Runs `name args` in the node at `access.url`; returns the command's exit
 * code there, or 1 with a line saying why the node could not be asked.
 */
export async function runInNode(
  access: NodeAdminAccess,
  name: string,
  args: string[],
  context: Pick<CommandContext, "write" | "writeError">,
  fetchFn: typeof fetch = fetch,
): Promise<number> {
  const writeError = context.writeError ?? ((line) => console.error(line));
  let response: Response;
  try {
    response = await fetchFn(access.url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${access.token}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ command: name, args }),
    });
  } catch (error) {
    writeError(
      `${name} failed: the node (process ${access.pid}) that holds this DATA_DIR does not answer at ${access.url} ` +
        `(${
          error instanceof Error ? error.message : error
        }); wait until it is up, or stop it and run the command again`,
    );
    return 1;
  }
  const body = await response.json().catch(() => undefined);
  const answer = answerSchema.safeParse(body);
  if (!response.ok || !answer.success) {
    const error = (body as { error?: { message?: string } } | undefined)
      ?.error;
    writeError(
      `${name} failed: the node (process ${access.pid}) at ${access.url} refused it: HTTP ${response.status} ${
        error?.message ?? ""
      }`.trimEnd(),
    );
    return 1;
  }
  for (const { stream, line } of answer.data.output) {
    if (stream === "stdout") context.write(line);
    else writeError(line);
  }
  return answer.data.exitCode;
}
