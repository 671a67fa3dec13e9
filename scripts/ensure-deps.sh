#!/usr/bin/env bash
# ensure-deps.sh PKG... : make sure these Debian packages are installed.
# Installs what is missing with apt-get (through sudo when not root); when
# that is impossible, prints the exact command to run and fails.
set -u
missing=()
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
else
    echo "missing Debian packages: ${missing[*]}" >&2
    echo "install them with:  sudo apt-get update && sudo $cmd" >&2
    exit 1
fi
echo "installing missing Debian packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh machine may be empty or stale: update first.
if ! $sudo apt-get update -qq >&2 || ! $sudo $cmd >&2; then
    echo "could not install: ${missing[*]}" >&2
    echo "install them with:  sudo apt-get update && sudo $cmd" >&2
    exit 1
fi
