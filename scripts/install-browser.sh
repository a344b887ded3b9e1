#!/usr/bin/env bash
# Installs Debian's Chromium for the sandbox's browser tests, with Chinese and emoji fonts so the
# screenshots are readable. Playwright drives this system binary; it never downloads a browser.
# Does nothing when Chromium is already there. When it cannot install (no apt-get, not root, no
# network) it says why and exits 0: the browser tests then skip, and `make test` says so at the end.
set -uo pipefail

CHROMIUM=${HAZARD_CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
    echo "install-browser: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM") is installed"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: no apt-get on this machine; the browser tests will be skipped"
    exit 0
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
    else
        echo "install-browser: not root and no sudo; the browser tests will be skipped"
        exit 0
    fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-browser: installing chromium (apt-get)…"
if "${SUDO[@]}" apt-get update -qq \
    && "${SUDO[@]}" apt-get install -y -qq chromium fonts-wqy-microhei fonts-noto-color-emoji >/dev/null; then
    echo "install-browser: $("$CHROMIUM" --version 2>/dev/null || echo chromium) installed"
else
    echo "install-browser: apt-get could not install chromium; the browser tests will be skipped"
fi
exit 0
