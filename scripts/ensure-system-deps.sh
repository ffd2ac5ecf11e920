#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, only when they are missing:
#   exiftool (libimage-exiftool-perl): an independent reader to prove outputs carry no metadata
#   chromium: the real browser the end-to-end tests drive through Playwright
set -euo pipefail
missing=()
command -v exiftool >/dev/null 2>&1 || missing+=(libimage-exiftool-perl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "Please install as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
