#!/bin/sh
# Generates the files the release archives carry beside the binary, by
# running sesame itself: shell completions into completions/ and manual
# pages into manpages/. goreleaser runs it as a `before` hook; it can be run
# by hand from the repository root too.
#
# usage: scripts/gen-assets.sh [VERSION]   (VERSION goes into the pages' header)
set -eu
cd "$(dirname "$0")/.."

# Manual pages carry a date: make it the last commit's, so that the same
# commit gives the same pages (cobra/doc honours SOURCE_DATE_EPOCH).
if [ -z "${SOURCE_DATE_EPOCH:-}" ] && git rev-parse --git-dir >/dev/null 2>&1; then
	SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || true)
	[ -n "$SOURCE_DATE_EPOCH" ] && export SOURCE_DATE_EPOCH
fi

rm -rf completions manpages
mkdir -p completions manpages

# Build once, run many: `go run` would compile per call.
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -ldflags "-X github.com/sesame-cli/sesame/internal/cmd.version=${1:-}" -o "$bin/sesame" .

"$bin/sesame" completion bash >completions/sesame.bash
"$bin/sesame" completion zsh >completions/_sesame
"$bin/sesame" completion fish >completions/sesame.fish
"$bin/sesame" completion powershell >completions/sesame.ps1
"$bin/sesame" docs man manpages 2>/dev/null
gzip -9n manpages/*.1

echo "gen-assets: $(ls completions | wc -l | tr -d ' ') completion scripts, $(ls manpages | wc -l | tr -d ' ') manual pages" >&2
