# Troupe node image: Deno 2.9.6 with the project's dependencies cached.
FROM denoland/deno:2.9.6
WORKDIR /app
COPY deno.json deno.lock ./
COPY . .
RUN deno install --frozen && deno cache main.ts
ENV HOST=0.0.0.0 PORT=8080 DATA_DIR=/data RUST_BACKTRACE=0
VOLUME /data
EXPOSE 8080
USER deno
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["deno", "eval", "const r = await fetch('http://127.0.0.1:8080/livez'); Deno.exit(r.ok ? 0 : 1)"]
CMD ["deno", "run", "-A", "main.ts", "start"]
