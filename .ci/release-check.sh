#!/usr/bin/env bash
# Checks the release config without publishing anything: installs goreleaser
# (when it can within a time budget), runs `goreleaser check`, builds a
# snapshot for this machine with `goreleaser build --snapshot --single-target`
# and checks that the binary carries the stamped version, commit and date and
# that the before hook generated the completions and manual pages.
#
# When goreleaser cannot be had (no network to the Go module proxy, a Go too
# old for it, the budget spent), it prints "release-check: SKIPPED: <reason>"
# and exits 0: the release config is then unchecked, not broken. Any failure
# of goreleaser itself, or of the built binary, exits non-zero.
#
# Environment:
#   GORELEASER_VERSION        goreleaser to use (default v2.13.3; newer v2 need
#                             a newer Go than sesame's)
#   RELEASE_CHECK_BUDGET      seconds allowed for `go install` (default 900;
#                             it takes about 5–6 minutes on a cold cache)
set -euo pipefail
cd "$(dirname "$0")/.."

want=${GORELEASER_VERSION:-v2.13.3}
budget=${RELEASE_CHECK_BUDGET:-900}

say() { printf 'release-check: %s\n' "$*"; }
skip() {
	say "SKIPPED: $*"
	exit 0
}

command -v go >/dev/null || skip "no go on PATH"
command -v git >/dev/null || skip "no git on PATH (goreleaser needs it)"
git rev-parse --git-dir >/dev/null 2>&1 || skip "not a git work tree (goreleaser needs one)"

gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
goreleaser="$gobin/goreleaser"

have_version() {
	[ -x "$goreleaser" ] && "$goreleaser" --version 2>/dev/null | grep -Eq "GitVersion: *v?${want#v}\$"
}

if ! have_version; then
	if ! command -v timeout >/dev/null; then
		skip "goreleaser $want is not installed and there is no timeout(1) to bound installing it"
	fi
	say "installing goreleaser $want (at most ${budget}s)"
	log=$(mktemp)
	trap 'rm -f "$log"' EXIT
	set +e
	# GOTOOLCHAIN=local: a goreleaser that needs a newer Go fails at once
	# instead of trying to download a toolchain.
	GOTOOLCHAIN=local GOFLAGS="" timeout "$budget" go install "github.com/goreleaser/goreleaser/v2@$want" >"$log" 2>&1
	rc=$?
	set -e
	if [ "$rc" = 124 ]; then
		skip "installing goreleaser $want took longer than ${budget}s"
	elif [ "$rc" != 0 ]; then
		skip "could not install goreleaser $want: $(grep -v '^go: downloading' "$log" | tail -n 3 | tr '\n' ' ')"
	fi
	have_version || skip "go install gave no goreleaser $want in $gobin"
fi
say "$("$goreleaser" --version 2>/dev/null | grep GitVersion | tr -s ' ')"

say "goreleaser check"
"$goreleaser" check

say "goreleaser build --snapshot --single-target --clean"
"$goreleaser" build --snapshot --single-target --clean

# What the before hook must have made.
for f in completions/sesame.bash completions/_sesame completions/sesame.fish completions/sesame.ps1 manpages/sesame.1.gz manpages/sesame-login-tdx.1.gz; do
	[ -s "$f" ] || { say "FAILED: the before hook did not write $f"; exit 1; }
done

exe=sesame
[ "$(go env GOOS)" = windows ] && exe=sesame.exe
bin=$(find dist -type f -name "$exe" | head -n 1)
[ -n "$bin" ] || { say "FAILED: no $exe under dist/"; exit 1; }
say "$bin version: $("$bin" version)"

json=$("$bin" version --json)
field() { printf '%s\n' "$json" | sed -n "s/^ *\"$1\": \"\(.*\)\",\{0,1\}\$/\1/p"; }
version=$(field version)
commit=$(field commit)
date=$(field date)
head=$(git rev-parse HEAD)
# Without a git remote, goreleaser's snapshot cannot read the git state and
# stamps the commit as "none" (a fresh clone has its origin).
if ! git ls-remote --get-url >/dev/null 2>&1; then
	say "note: no git remote, so the snapshot's commit is stamped 'none'"
	head=none
fi
case $version in
"" | dev) say "FAILED: version not stamped: $json"; exit 1 ;;
esac
if [ "$commit" != "$head" ]; then
	say "FAILED: commit stamped as '$commit', want $head"
	exit 1
fi
if ! printf '%s' "$date" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T'; then
	say "FAILED: date not stamped: '$date'"
	exit 1
fi
say "OK: version $version, commit $commit, date $date"
