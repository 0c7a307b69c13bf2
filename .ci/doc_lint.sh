#!/usr/bin/env bash
# Runs `deno doc --lint` on every mod.ts (each folder's front door), one file at a time so a
# new folder is linted without editing a list. `deno task doc:lint` runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t files < <(
  find . \
    \( -path ./node_modules -o -path ./eval/tasks -o -path ./data -o -path ./cov \
    -o -path ./eval-results -o -path ./.git -o -name fixtures \) -prune \
    -o -type f -name mod.ts -print | sed 's|^\./||' | sort
)

if [ "${#files[@]}" -eq 0 ]; then
  echo "doc lint: no mod.ts files found" >&2
  exit 1
fi

# deno doc warns about every type reference it cannot resolve inside npm
# packages (@types/node, langsmith); those warnings are not ours and are
# dropped, with their "at" lines and the per-file "Checked 1 file". Lint
# errors are shown as deno prints them.
quiet() {
  awk '
    /Failed resolving types/ { skip = 1; next }
    skip && /^[[:space:]]+at / { next }
    { skip = 0 }
    /^(\x1b\[[0-9;]*m)*Checked [0-9]+ files?(\x1b\[[0-9;]*m)*$/ { next }
    { print }
  ' >&2
}

failed=()
for file in "${files[@]}"; do
  rc=0
  RUST_BACKTRACE=0 deno doc --lint "$file" 2>&1 >/dev/null | quiet || rc=$?
  # With pipefail, rc is deno's status unless awk itself failed.
  if [ "$rc" -ne 0 ]; then
    failed+=("$file")
  fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "doc lint: ${#failed[@]} of ${#files[@]} mod.ts files have errors:" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "doc lint: ${#files[@]} mod.ts files clean"
