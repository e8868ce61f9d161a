# syntax=docker/dockerfile:1
# The hevlayer image (`serve` and `operator`). Two stages: the build stage installs every
# dependency (native modules compile here), builds dist/ and prunes dev dependencies; the runtime
# stage holds only the built artifact (dist/, bin/, package.json, production node_modules) and
# runs as a non-root user. No container engine runs on the development machines, so
# test/e2e/deploy-operator.test.ts checks this file's structure instead of building it.
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ git \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
COPY tsconfig.json ./
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/bin ./bin
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "bin/hevlayer.js"]
CMD ["operator"]
