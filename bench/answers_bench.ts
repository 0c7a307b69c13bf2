/**
 * Reading model answers: the share of the corpus of realistic answers
 * (tests/actors/workflow/corpus/) parsed into the expected files, and the
 * time to read the whole corpus.
 *
 * Run: `deno bench -A bench/answers_bench.ts`. The share is printed once.
 * Measured when this parser replaced the hand-written fence scanner (which
 * sliced plans from the first `{` to the last `}`): code answers 21/33
 * before, 33/33 after; plans 1/5 before, 5/5 after.
 *
 * @module
 */
import { parseGeneration, parsePlan } from "../actors/workflow/prompts.ts";
import {
  CODE_CORPUS,
  PLAN_CORPUS,
} from "../tests/actors/workflow/corpus/replies.ts";

function share(): { code: string; plans: string } {
  const good = CODE_CORPUS.filter((e) => "files" in e.expect);
  const parsed = good.filter((e) => {
    const p = parseGeneration(e.reply, e.language);
    return p.ok && "files" in e.expect &&
      JSON.stringify(
          Object.fromEntries(p.value.map((f) => [f.path, f.kind])),
        ) ===
        JSON.stringify(e.expect.files);
  });
  const plans = PLAN_CORPUS.filter((e) => e.expect === true);
  const read = plans.filter((e) => parsePlan(e.reply).ok);
  return {
    code: `${parsed.length}/${good.length}`,
    plans: `${read.length}/${plans.length}`,
  };
}

console.log("answers parsed into the expected files:", share());

Deno.bench("parse every code answer of the corpus", () => {
  for (const e of CODE_CORPUS) parseGeneration(e.reply, e.language);
});

Deno.bench("parse every plan answer of the corpus", () => {
  for (const e of PLAN_CORPUS) parsePlan(e.reply);
});
