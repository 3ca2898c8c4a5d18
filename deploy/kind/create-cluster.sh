#!/usr/bin/env bash
# Creates (or reuses) the Kind cluster "troupe" with a local image registry on localhost:5001.
# Idempotent: safe to run before every `tilt up` (the Tiltfile does). Needs docker and kind on PATH.
# Recipe: https://kind.sigs.k8s.io/docs/user/local-registry/ (registry container + containerd hosts.toml +
# the KEP-1755 "local-registry-hosting" ConfigMap, which Tilt reads to push images to the registry).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLUSTER="${KIND_CLUSTER_NAME:-troupe}"
REG_NAME="${KIND_REGISTRY_NAME:-kind-registry}"
REG_PORT="${KIND_REGISTRY_PORT:-5001}"
log() { echo "[kind] $*" >&2; }

for cmd in docker kind kubectl; do
  command -v "$cmd" >/dev/null || { log "$cmd is required (see deploy/README.md)"; exit 1; }
done

# 1. Registry container, published on 127.0.0.1 only.
if [ "$(docker inspect -f '{{.State.Running}}' "$REG_NAME" 2>/dev/null || true)" != "true" ]; then
  docker rm -f "$REG_NAME" >/dev/null 2>&1 || true
  log "starting registry $REG_NAME on 127.0.0.1:$REG_PORT"
  docker run -d --restart=always -p "127.0.0.1:${REG_PORT}:5000" --network bridge --name "$REG_NAME" registry:2 >/dev/null
fi

# 2. Cluster.
if ! kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  log "creating cluster $CLUSTER"
  kind create cluster --name "$CLUSTER" --config "$HERE/cluster.yaml" --wait 120s
else
  log "reusing cluster $CLUSTER"
fi

# 3. Every node resolves localhost:<port> to the registry container.
for node in $(kind get nodes --name "$CLUSTER"); do
  docker exec "$node" mkdir -p "/etc/containerd/certs.d/localhost:${REG_PORT}"
  printf '[host."http://%s:5000"]\n' "$REG_NAME" |
    docker exec -i "$node" cp /dev/stdin "/etc/containerd/certs.d/localhost:${REG_PORT}/hosts.toml"
done

# 4. Registry on the kind network (once).
if [ "$(docker inspect -f '{{json .NetworkSettings.Networks.kind}}' "$REG_NAME")" = "null" ]; then
  docker network connect kind "$REG_NAME"
fi

# 5. Advertise the registry to tools (Tilt) inside the cluster.
kubectl --context "kind-$CLUSTER" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: ConfigMap
metadata:
  name: local-registry-hosting
  namespace: kube-public
data:
  localRegistryHosting.v1: |
    host: "localhost:${REG_PORT}"
    help: "https://kind.sigs.k8s.io/docs/user/local-registry/"
YAML
# 6. Make it the current context: Tilt deploys to the context it starts with.
kubectl config use-context "kind-$CLUSTER" >/dev/null
log "cluster kind-$CLUSTER ready (current context), registry localhost:$REG_PORT"
