#!/usr/bin/env bash
# Installs headless Chromium (Debian package `chromium`) for the report page's screenshot test
# (Tests/ReportTests/ReportScreenshotTests.swift). Kept apart from install-deps.sh because only that
# one test needs a browser; the test skips with a message when chromium is missing. Safe to re-run.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium: present ($(chromium --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi
echo "installing: chromium"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
# fonts-dejavu-core gives the page's sans-serif text glyphs in a bare container.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
