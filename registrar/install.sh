#!/usr/bin/env bash
# Installs what the registrar and its end-to-end tests need (Debian/Ubuntu, as root):
# Kamailio 5.6 with http_client, jansson and crypto, and SIPp. Idempotent: packages that
# are already there are left alone. Keeps the packaged kamailio service off port 5060:
# the project always runs its own instance (npm run registrar, the e2e tests).
set -euo pipefail

PACKAGES=(kamailio kamailio-utils-modules kamailio-extra-modules kamailio-tls-modules sip-tester)

log() { echo "registrar/install.sh: $*"; }

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    log "missing packages: ${missing[*]}; run as root: apt-get update && apt-get install -y ${PACKAGES[*]}" >&2
    exit 1
  fi
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Do not let the package start its daemon during installation.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    created_policy=1
  fi
  trap 'if [[ $created_policy == 1 ]]; then rm -f "$policy"; fi' EXIT
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  log "already installed: ${PACKAGES[*]}"
fi

# The packaged service must not hold port 5060 with /etc/kamailio.
if [[ $(id -u) -ne 0 ]]; then
  log "not root: left the packaged kamailio service alone (run as root to make sure it is off)"
elif command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
  if systemctl is-enabled --quiet kamailio 2>/dev/null || systemctl is-active --quiet kamailio 2>/dev/null; then
    systemctl disable --now kamailio >/dev/null 2>&1 || true
    log "disabled and stopped the system kamailio service"
  else
    log "system kamailio service is not enabled or running"
  fi
else
  # No running systemd (a container): still drop the boot-time enablement the package made.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled --quiet kamailio 2>/dev/null; then
    systemctl disable kamailio >/dev/null 2>&1 || true
    log "disabled the kamailio service for boot"
  fi
  stopped=0
  if [[ -x /etc/init.d/kamailio ]]; then
    /etc/init.d/kamailio stop >/dev/null 2>&1 || true
  fi
  for pidfile in /run/kamailio/kamailio.pid /var/run/kamailio/kamailio.pid; do
    if [[ -f $pidfile ]]; then
      pid=$(cat "$pidfile" 2>/dev/null || true)
      if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        stopped=1
      fi
    fi
  done
  if [[ $stopped == 1 ]]; then
    log "stopped the packaged kamailio daemon"
  else
    log "no packaged kamailio daemon running"
  fi
fi

log "kamailio $(kamailio -v 2>/dev/null | head -1 | awk '{print $3}'), sipp $(sipp -v 2>/dev/null | grep -o 'v[0-9][^ ]*' | head -1)"
