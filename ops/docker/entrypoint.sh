#!/bin/sh
# Exports VAR from the file named by VAR_FILE (compose secrets under /run/secrets),
# for the variables that hold credentials, then runs the command.
set -eu
for var in DATABASE_URL DENO_KV_ACCESS_TOKEN TELEGRAM_BOT_TOKEN TELEGRAM_WEBHOOK_SECRET; do
  file_var="${var}_FILE"
  eval "file=\${$file_var:-}"
  if [ -n "$file" ]; then
    if [ ! -r "$file" ]; then
      echo "entrypoint: $file_var names $file, which cannot be read" >&2
      exit 1
    fi
    value=$(cat "$file")
    export "$var=$value"
    unset "$file_var"
  fi
done
exec "$@"
