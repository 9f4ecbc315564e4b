# The ECN router manager image: `ecn run --kube …` (deploy/base/manager.yaml).
#   docker build -t ecn-router-manager:0.1.0 .
# Everything comes from this repository and the npm registry (package-lock.json); nothing else is downloaded.

# ---- build: dev dependencies, TypeScript → dist/ ------------------------------------------------------------------
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script builds, and the sources are not copied yet (this layer caches the deps).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm rebuild --no-audit --no-fund && npm run build

# ---- runtime: production dependencies only, non-root ----------------------------------------------------------------
FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev: production dependencies only; --ignore-scripts: `prepare` would run the TypeScript build, which needs
# the dev dependencies (the build stage did it).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# Data the `ecn sim*` commands read at run time (the manager itself does not need them).
COPY sim/router/schemas ./sim/router/schemas
COPY deploy/examples ./deploy/examples
RUN groupadd --system --gid 10001 ecn && useradd --system --uid 10001 --gid ecn --no-create-home --home-dir /nonexistent ecn
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["node", "bin/ecn.js"]
CMD ["run", "--kube", "--http", "0.0.0.0:8080"]
