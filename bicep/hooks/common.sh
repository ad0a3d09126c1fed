# Sourced by the azd hooks. azd runs them from the repository root with the environment's values
# (.azure/<env>/.env, including main.bicep's outputs) in the process environment.

log() { printf '%s\n' "$*" >&2; }

fail() {
  log "error: $*"
  exit 1
}

# need VAR...: each must be set and not empty.
need() {
  for variable in "$@"; do
    eval "value=\${$variable:-}"
    [ -n "$value" ] || fail "$variable is not set in the azd environment (azd env get-values)."
  done
}

# need_command NAME...: each must be on the PATH.
need_command() {
  for command in "$@"; do
    command -v "$command" >/dev/null 2>&1 || fail "this hook needs '$command' (see docs/azure.md, prerequisites)."
  done
}

# az must act on azd's subscription.
use_azd_subscription() {
  need AZURE_SUBSCRIPTION_ID
  az account show --output none 2>/dev/null || fail "az is not signed in: run 'az login' (the same account as 'azd auth login')."
  az account set --subscription "$AZURE_SUBSCRIPTION_ID"
}
