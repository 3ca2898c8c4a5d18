#!/usr/bin/env bash
# Deploys Troupe to the cluster of the current kubectl context; run by .github/workflows/deploy.yml, once per
# environment, and usable by hand with the same variables.
#
#   deploy/ci/deploy.sh <environment>
#
# Required env: IMAGE_REGISTRY (e.g. ghcr.io/acme/troupe), IMAGE_TAG (commit sha), REDIS_HOST (host:port),
#               INGRESS_HOST.
# Optional env: NAMESPACE (default troupe-<environment>), REDIS_PASSWORD and OPENAI_API_KEY (written into the
#               Secrets troupe-redis / troupe-secrets when set; otherwise those Secrets must already exist),
#               HELM_TIMEOUT (default 10m), DAPR_HA (default true).
set -euo pipefail

ENVIRONMENT="${1:?usage: deploy.sh <environment>}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DAPR_VERSION="$(tr -d '[:space:]' < "$ROOT/DAPR_VERSION")"
NAMESPACE="${NAMESPACE:-troupe-$ENVIRONMENT}"
TIMEOUT="${HELM_TIMEOUT:-10m}"
: "${IMAGE_REGISTRY:?}" "${IMAGE_TAG:?}" "${REDIS_HOST:?}" "${INGRESS_HOST:?}"
log() { echo "[deploy:$ENVIRONMENT] $*" >&2; }

# 1. Dapr control plane from Dapr's official chart, at the version the services are built and tested against.
#    Upgrading it is a no-op when the version is unchanged.
log "Dapr control plane $DAPR_VERSION"
helm upgrade --install dapr dapr \
  --repo https://dapr.github.io/helm-charts --version "$DAPR_VERSION" \
  --namespace dapr-system --create-namespace \
  --set global.ha.enabled="${DAPR_HA:-true}" \
  --atomic --wait --timeout "$TIMEOUT"

# 2. Namespace and the Secrets the chart references (never passed to helm, so never stored in a release).
kubectl create namespace "$NAMESPACE" --dry-run=client -o yaml | kubectl apply -f -
if [ -n "${REDIS_PASSWORD:-}" ]; then
  kubectl -n "$NAMESPACE" create secret generic troupe-redis --from-literal=redis-password="$REDIS_PASSWORD" \
    --dry-run=client -o yaml | kubectl apply -f -
fi
if [ -n "${OPENAI_API_KEY:-}" ]; then
  kubectl -n "$NAMESPACE" create secret generic troupe-secrets --from-literal=OPENAI_API_KEY="$OPENAI_API_KEY" \
    --dry-run=client -o yaml | kubectl apply -f -
fi

# 3. The services. --atomic rolls back to the previous release if anything fails to become ready.
log "troupe $IMAGE_TAG into $NAMESPACE"
helm upgrade --install troupe "$ROOT/deploy/chart" \
  --namespace "$NAMESPACE" \
  -f "$ROOT/deploy/chart/values-cloud.yaml" \
  --set-string image.registry="$IMAGE_REGISTRY" \
  --set-string image.tag="$IMAGE_TAG" \
  --set-string redis.host="$REDIS_HOST" \
  --set-string ingress.host="$INGRESS_HOST" \
  --atomic --wait --timeout "$TIMEOUT"
helm -n "$NAMESPACE" status troupe
