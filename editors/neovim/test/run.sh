#!/bin/sh
# Runs the Neovim client's tests headless against a real agentls binary.
#
#   editors/neovim/test/run.sh [path/to/agentls]     (or AGENTLS_BIN=...)
#
# Prints one line per test and a final "N passed, N failed"; exits non-zero
# when a test fails, the runner itself errors, or nvim hangs.
set -eu

bin=${1:-${AGENTLS_BIN:-}}
if [ -z "$bin" ]; then
	echo "usage: $0 path/to/agentls   (or set AGENTLS_BIN)" >&2
	exit 2
fi
case $bin in
/*) ;;
*) bin=$(pwd)/$bin ;;
esac
if [ ! -x "$bin" ]; then
	echo "$0: $bin is not an executable agentls binary" >&2
	exit 2
fi
command -v nvim >/dev/null || {
	echo "$0: nvim not found (apt-get install -y neovim)" >&2
	exit 2
}

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
plugin=$(dirname -- "$here")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/agentls-nvim-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/config" "$tmp/data" "$tmp/state" "$tmp/cache"
mkdir -m 700 "$tmp/run"

export XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" XDG_STATE_HOME="$tmp/state" \
	XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/run" XDG_CONFIG_DIRS= XDG_DATA_DIRS=
export AGENTLS_BIN="$bin" AGENTLS_TEST_TMP="$tmp" AGENTLS_PLUGIN_DIR="$plugin" AGENTLS_TEST_DIR="$here"

# A Lua error under -c still exits 0: runner.lua wraps everything in pcall
# and leaves with :cquit; timeout guards against a hang.
timeout "${AGENTLS_TEST_TIMEOUT:-300}" nvim --headless -u NONE -i NONE -n \
	-c "lua dofile(vim.env.AGENTLS_TEST_DIR .. '/runner.lua')"
