# Shared helpers for scripts/dev and scripts/test. Sourced, not run.
# Everything binds to 127.0.0.1; everything started is stopped by the process id recorded here.

REPO_ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
AZURITE_ACCOUNT=devstoreaccount1
# Azurite's published development key: not a secret.
AZURITE_KEY="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

log() { printf '%s\n' "$*" >&2; }

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

postgres_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && printf '%s' "$dir"
}

apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  log "Installing $* (apt-get)..."
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# Installs what is missing. FILEAPI_NEED_BROWSER=1 adds headless Chromium, which only the browser tests need
# (Playwright drives Debian's build; it never downloads a browser).
ensure_tools() {
  local missing=()
  [ -n "$(postgres_bin)" ] || missing+=(postgresql)
  command -v node >/dev/null || missing+=(nodejs npm)
  command -v jq >/dev/null || missing+=(jq)
  command -v curl >/dev/null || missing+=(curl)
  [ "${FILEAPI_NEED_BROWSER:-}" != 1 ] || [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
  # dotnet-ef, pinned in .config/dotnet-tools.json, for `dotnet ef migrations ...` (CONTRIBUTING.md).
  (cd "$REPO_ROOT" && dotnet tool restore >/dev/null) || log "dotnet tool restore failed: dotnet ef will be missing (the app and tests do not need it)."
  # Compare the lock file's content with the one last installed, not dates: a fresh checkout makes every
  # lock file "newer", and npm ci would then wipe a node_modules shared with another checkout.
  local lock_hash
  lock_hash=$(sha256sum "$REPO_ROOT/package-lock.json" | cut -d' ' -f1)
  if [ ! -d "$REPO_ROOT/node_modules/azurite" ] || [ "$(cat "$REPO_ROOT/node_modules/.fileapi-lock-sha256" 2>/dev/null)" != "$lock_hash" ]; then
    log "Installing node packages (npm ci)..."
    (cd "$REPO_ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
    echo "$lock_hash" >"$REPO_ROOT/node_modules/.fileapi-lock-sha256"
  fi
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# wait_for_url URL SECONDS: until URL answers 2xx.
wait_for_url() {
  local url=$1 deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null "$url"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# wait_for_http URL SECONDS: until anything answers HTTP at URL, whatever the status.
wait_for_http() {
  local url=$1 deadline=$((SECONDS + $2))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" != 000 ]; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# start_background NAME PIDFILE LOGFILE COMMAND...: runs COMMAND detached and records its process id.
start_background() {
  local name=$1 pidfile=$2 logfile=$3
  shift 3
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    log "$name is already running (pid $(cat "$pidfile"))."
    return 0
  fi
  nohup "$@" >"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
  disown $! 2>/dev/null || true
}

# stop_pidfile PIDFILE: stops exactly the recorded process, then forgets it.
stop_pidfile() {
  local pidfile=$1 pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
