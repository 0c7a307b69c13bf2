# Troupe node image: Deno 2.9.6 with the project's dependencies cached.
# Not built here (no Docker engine on the development machine); `docker build .` builds it.
FROM denoland/deno:2.9.6

# Caches and the data directory belong to the unprivileged `deno` user of the base image.
ENV DENO_DIR=/deno-dir HOST=0.0.0.0 PORT=8080 DATA_DIR=/data RUST_BACKTRACE=0
RUN mkdir -p /app /data /deno-dir && chown -R deno:deno /app /data /deno-dir
WORKDIR /app
USER deno

# Dependency layer: only deno.json and deno.lock, so a source change keeps it cached.
COPY --chown=deno:deno deno.json deno.lock ./
RUN deno install --frozen

# Source layer, then type-check and cache the entry point's module graph.
COPY --chown=deno:deno . .
RUN deno cache main.ts

VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["deno", "eval", "const r = await fetch('http://127.0.0.1:8080/livez'); Deno.exit(r.ok ? 0 : 1)"]
# Permissions narrower than -A:
#   --allow-net    HTTP server, PostgreSQL, denokv, Chroma, Ollama, Telegram
#   --allow-read   the code, node_modules, DENO_DIR and /data
#   --allow-write  only /data (workspaces, KV file) and /tmp (sandbox scratch files)
#   --allow-env    config.ts and npm packages read the environment
#   --allow-run    the sandbox runs generated tests as subprocesses (deno, python)
#   --allow-sys    prom-client's process metrics and node:os
#   --allow-ffi    the Node-API addon of chromadb-js-bindings (embedded Chroma; unused when CHROMA_URL is set)
# Files named by *_FILE variables (compose secrets) are read by ops/docker/entrypoint.sh.
ENTRYPOINT ["/bin/sh", "/app/ops/docker/entrypoint.sh"]
CMD ["deno", "run", "--allow-net", "--allow-read", "--allow-write=/data,/tmp", "--allow-env", "--allow-run", "--allow-sys", "--allow-ffi", "main.ts", "start"]
