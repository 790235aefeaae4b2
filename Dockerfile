# Vigil's production image: one image, two roles (API by default; the worker runs
# `node dist/worker/main.js`). Built and run on plain Node: no tsx and no bundling at start.
#   docker build -t vigil .
# Not built in this repository's CI (no container registry is reachable there); see docs/deployment.md.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json vigil.config.ts ./
COPY domain domain
COPY contracts contracts
COPY workflows workflows
COPY activities activities
COPY worker worker
COPY api api
COPY runbooks runbooks
COPY platform platform
COPY scripts scripts
# dist/: compiled JavaScript, the dashboard's files and the workflow bundle made ahead of time.
RUN npm run build
# Only what production needs stays in node_modules.
RUN npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    VIGIL_HOME=/var/lib/vigil \
    PORT=3000 \
    VIGIL_HEALTH_URL=http://127.0.0.1:3000/healthz
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# The image's own user, never root; VIGIL_HOME is the only place it writes.
RUN mkdir -p /var/lib/vigil && chown node:node /var/lib/vigil
USER node
EXPOSE 3000 9464
# The API's /healthz by default; the worker sets VIGIL_HEALTH_URL to its own (port 9464).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.VIGIL_HEALTH_URL).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM reaches node directly (exec form): the API drains requests, the worker its activities.
CMD ["node", "dist/api/main.js"]
