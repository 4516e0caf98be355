# syntax=docker/dockerfile:1
# stacflow's container image: `run-pipeline` as the entrypoint, for sharded runs on a Kubernetes Indexed Job or an
# AWS Batch array job (deploy/README.md). Build and try it:
#   docker build -t stacflow:0.1.0 .
#   docker run --rm -v "$PWD/work:/work" stacflow:0.1.0 /pipelines/kaguya-tc.yaml --shard 0/4
#   docker run --rm -v "$PWD/work:/work" stacflow:0.1.0 stacflow merge /pipelines/kaguya-tc.yaml --shards 4
# Three stages: `build` compiles the TypeScript and packs the app as npm would publish it (package.json `files`),
# `deps` installs the production dependencies (better-sqlite3 is native: compiled there when no prebuilt binary is
# reachable), and the runtime stage is node:20 slim with those two copied in: no compiler, no dev dependency, no
# sandbox. Expected size: ~250 MB unpacked (~85 MB compressed): the base ~200 MB, node_modules ~46 MB, the app ~4 MB.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY sandbox/package.json sandbox/
# --ignore-scripts: the root's `prepare` would compile before the sources are here, and compiling needs no native
# module. The sandbox workspace is installed too: tsconfig.build.json compiles it with the product.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# `npm pack` keeps what package.json `files` names (bin, dist without dist/sandbox and dist/bench, src for the
# grammars the parsers read, operators, config, pipelines): the image holds what an npm install would.
RUN npm run build \
 && npm pack --ignore-scripts --pack-destination /tmp \
 && mkdir /app \
 && tar -xzf /tmp/stacflow-*.tgz -C /app --strip-components=1

FROM ${NODE_IMAGE} AS deps
# better-sqlite3's install script fetches a prebuilt binary, or builds one from source with these.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --workspaces=false: the sandbox (and its s3rver) is a development workspace, not part of the product.
# --ignore-scripts, then one rebuild: the root's `prepare` needs the dev dependencies; better-sqlite3 is the one
# production dependency with an install script. Of its build, only the addon is kept (the sources and objects of
# SQLite are ~25 MB); type declarations and source maps are not needed to run.
RUN npm ci --omit=dev --workspaces=false --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3 \
 && cd node_modules/better-sqlite3 \
 && mv build/Release/better_sqlite3.node /tmp/ \
 && rm -rf build deps src \
 && mkdir -p build/Release \
 && mv /tmp/better_sqlite3.node build/Release/ \
 && cd /app \
 && find node_modules \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -type f -delete \
 && npm cache clean --force

FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="stacflow" \
      org.opencontainers.image.description="Declared STAC pipelines: search, read PVL labels, filter, download, write catalogs" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production
COPY --from=build /app /app
COPY --from=deps /app/node_modules /app/node_modules
# The pipelines at /pipelines, where deploy/kubernetes mounts its ConfigMap over them and AWS Batch reads them.
COPY --from=build /app/pipelines /pipelines
COPY deploy/docker/entrypoint.sh /usr/local/bin/stacflow-entrypoint
RUN ln -s /app/bin/run-pipeline.js /usr/local/bin/run-pipeline \
 && ln -s /app/bin/stacflow.js /usr/local/bin/stacflow \
 && chmod 0755 /usr/local/bin/stacflow-entrypoint \
 && mkdir /work \
 && chown node:node /work
# The node image's unprivileged user (uid 1000). /work is where relative paths of a pipeline land (out/, data/,
# .stacflow/): mount the shared volume there (a PersistentVolumeClaim, an EFS volume).
USER node
WORKDIR /work
ENTRYPOINT ["stacflow-entrypoint"]
CMD ["--help"]
