#!/usr/bin/env bash
# Runs internal/credstore's tests against a REAL Secret Service: a
# throw-away D-Bus session bus with gnome-keyring-daemon unlocked in it.
# The TestKeyringReal* tests only run with SESAME_KEYRING_TESTS=1, which
# is set here; this script fails if any of them skipped, so a green run
# means they ran.
#
# Needs: go, and the Debian packages gnome-keyring dbus dbus-x11
# libsecret-tools (the lead's .ci/run installs them after apt-get update).
set -euo pipefail
cd "$(dirname "$0")/.."

for c in go dbus-run-session gnome-keyring-daemon; do
	if ! command -v "$c" >/dev/null; then
		echo "keyring-tests: $c not found; install: apt-get install gnome-keyring dbus dbus-x11 libsecret-tools" >&2
		exit 1
	fi
done

# A throw-away HOME matters: gnome-keyring keeps login.keyring under it,
# and one left by another daemon (another password) makes --unlock fail.
# Keep Go's caches where they are, or the fresh HOME would refetch and
# rebuild everything.
home=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$home" "$log"' EXIT
GOCACHE=$(go env GOCACHE)
GOMODCACHE=$(go env GOMODCACHE)
GOPATH=$(go env GOPATH)
export GOCACHE GOMODCACHE GOPATH
unset XDG_DATA_HOME # gnome-keyring would write its keyring there instead of $HOME

echo "keyring-tests: gnome-keyring $(gnome-keyring-daemon --version 2>/dev/null | head -n1), HOME=$home"
HOME=$home dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; SESAME_KEYRING_TESTS=1 go test -race -count=1 -v -run Keyring ./internal/credstore/ && SESAME_KEYRING_TESTS=1 go test -count=1 -v -run "TestScripts/store_keyring" . ' 2>&1 | tee "$log"
if ! grep -q -- '--- PASS: TestScripts/store_keyring' "$log"; then
	echo "keyring-tests: FAIL: the store_keyring script did not pass against the real keychain" >&2
	exit 1
fi

if grep -q -- '--- SKIP: TestKeyringReal' "$log"; then
	echo "keyring-tests: FAIL: real keychain tests were skipped" >&2
	exit 1
fi
ran=$(grep -c -- '--- PASS: TestKeyringReal' "$log" || true)
if [ "$ran" -lt 5 ]; then
	echo "keyring-tests: FAIL: only $ran real keychain tests passed, want 5" >&2
	exit 1
fi
echo "keyring-tests: OK: $ran real keychain tests ran against gnome-keyring and passed"
