#!/usr/bin/env bash
# Provides daprd, placement and scheduler at the pinned Dapr release and prints the directory holding them.
#
# Resolution order (first hit wins, nothing is rebuilt twice):
#   1. $TROUPE_CACHE/dapr/<version>/bin   (the project cache; default <repo>/.cache, git-ignored)
#   2. ~/.cache/troupe/dapr/<version>/bin  (the machine-wide cache .ci/run builds into, shared by all clones)
#   3. ~/.dapr/bin                         (a `dapr init --slim` install) when `daprd --version` matches
#   4. a build from the Go module proxy into 1.: a throwaway wrapper module that requires github.com/dapr/dapr,
#      copies its replace directives, and builds with -tags stablecomponents (no Dapr source is copied).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DAPR_VERSION="$(tr -d '[:space:]' < "$ROOT/DAPR_VERSION")"
CACHE="${TROUPE_CACHE:-$ROOT/.cache}/dapr/$DAPR_VERSION"
BIN="$CACHE/bin"
log() { echo "[dapr-runtime] $*" >&2; }

has_all() { [ -x "$1/daprd" ] && [ -x "$1/placement" ] && [ -x "$1/scheduler" ]; }
version_of() { "$1/daprd" --version 2>/dev/null | tr -d '[:space:]'; }

if has_all "$BIN" && [ "$(version_of "$BIN")" = "$DAPR_VERSION" ]; then echo "$BIN"; exit 0; fi
SHARED="$HOME/.cache/troupe/dapr/$DAPR_VERSION/bin"
if has_all "$SHARED" && [ "$(version_of "$SHARED")" = "$DAPR_VERSION" ]; then echo "$SHARED"; exit 0; fi
if has_all "$HOME/.dapr/bin" && [ "$(version_of "$HOME/.dapr/bin")" = "$DAPR_VERSION" ]; then echo "$HOME/.dapr/bin"; exit 0; fi

if ! command -v go >/dev/null 2>&1; then
  log "Dapr $DAPR_VERSION binaries not found in $BIN, $SHARED or ~/.dapr/bin, and Go is not installed."
  log "Install one of: Go >= 1.26.6 (https://go.dev/dl) so this script can build them from the Go module proxy,"
  log "or the Dapr CLI followed by 'dapr init --slim --runtime-version $DAPR_VERSION'."
  exit 1
fi

# One build at a time per cache (parallel test runs or CI clones would otherwise race on the same dirs);
# whoever waited re-checks, and normally finds the binaries the other run just built.
mkdir -p "$CACHE"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$CACHE/.build.lock"
  if ! flock -n 9; then
    log "another build of Dapr $DAPR_VERSION is running (lock $CACHE/.build.lock); waiting for it"
    flock 9
  fi
  if has_all "$BIN" && [ "$(version_of "$BIN")" = "$DAPR_VERSION" ]; then echo "$BIN"; exit 0; fi
fi

log "building Dapr $DAPR_VERSION from the Go module proxy into $BIN (first run only; 10-25 min on 2 cores)"
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 GOPROXY="${GOPROXY:-https://proxy.golang.org}"
WRAPPER="$CACHE/wrapper"
mkdir -p "$WRAPPER"
OUT="$(mktemp -d "$CACHE/bin.tmp.XXXXXX")" && chmod 755 "$OUT"
trap 'rm -rf "$OUT"' EXIT
cd "$WRAPPER"
[ -f go.mod ] || go mod init local.invalid/daprd-wrapper >/dev/null 2>&1
go mod edit -go=1.26.6 "-require=github.com/dapr/dapr@v$DAPR_VERSION"
DAPR_DIR="$(go mod download -json "github.com/dapr/dapr@v$DAPR_VERSION" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).Dir))')"
# Replace directives of a dependency are ignored by Go, so Dapr's own must be repeated here.
go mod edit -json "$DAPR_DIR/go.mod" | node -e '
let s=""; process.stdin.on("data",d=>s+=d).on("end",()=>{
  for (const r of JSON.parse(s).Replace ?? []) {
    const side = (m) => m.Path + (m.Version ? "@" + m.Version : "");
    console.log("-replace=" + side(r.Old) + "=" + side(r.New));
  }
});' | xargs -r go mod edit

LDFLAGS="-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=$DAPR_VERSION -X github.com/dapr/kit/logger.DaprVersion=$DAPR_VERSION"
go build -trimpath -tags stablecomponents -ldflags "$LDFLAGS" -o "$OUT/daprd" github.com/dapr/dapr/cmd/daprd
go build -trimpath -ldflags "$LDFLAGS" -o "$OUT/placement" github.com/dapr/dapr/cmd/placement
go build -trimpath -ldflags "$LDFLAGS" -o "$OUT/scheduler" github.com/dapr/dapr/cmd/scheduler
rm -rf "$BIN" && mv "$OUT" "$BIN"
trap - EXIT
log "built $(version_of "$BIN") into $BIN"
echo "$BIN"
