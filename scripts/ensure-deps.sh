#!/usr/bin/env bash
# ensure-deps.sh PKG[=VERSION]... : make sure these Debian packages are installed.
# Installs what is missing with apt-get (through sudo when not root); when
# that is impossible, prints the exact command to run and fails.
# PKG=VERSION pins an exact Debian version (apt-get's own syntax): a package
# installed at any other version counts as missing, so measurements of peer
# trainers always run the version they name.
set -u
missing=()
for p in "$@"; do
    name=${p%%=*}
    want=${p#"$name"}
    want=${want#=}
    have=$(dpkg-query -W -f='${Status}|${Version}' "$name" 2>/dev/null)
    case "$have" in
        "install ok installed|"*)
            if [ -z "$want" ] || [ "${have#*|}" = "$want" ]; then continue; fi ;;
    esac
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
# A pinned version older than the installed one is a downgrade, which apt-get
# refuses under -y unless told.
case " ${missing[*]}" in *=*) cmd="apt-get install -y --allow-downgrades --no-install-recommends ${missing[*]}" ;; esac
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
