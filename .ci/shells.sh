#!/usr/bin/env bash
# Installs what internal/shellenv's tests run sesame's `env` output in: the
# shells from Debian's packages, python-dotenv (Debian) and Node's dotenv
# (npm, into a cache folder the tests look in). Each test skips, and says
# why, when its program is missing; this script is how CI avoids that.
# Idempotent: installs only what is missing. Assumes the caller has run
# `apt-get update`. Exits non-zero when an install fails.
set -euo pipefail

debs=(zsh fish ksh mksh busybox python3-dotenv)
# dash and bash are essential on Debian; listed for machines where not.
debs+=(dash bash)

missing=()
for p in "${debs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing+=("$p")
	fi
done
if ((${#missing[@]})); then
	sudo=()
	if ((EUID != 0)); then sudo=(sudo); fi
	echo "shells.sh: apt-get install ${missing[*]}" >&2
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node's dotenv, the version the tests were checked with. Keep in step with
# nodeDotenvDir in internal/shellenv/dotenv_test.go.
node_dotenv=18.0.10
node_dir=${SESAME_TEST_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sesame-test/node}
if command -v npm >/dev/null; then
	if ! grep -qs "\"version\": \"$node_dotenv\"" "$node_dir/node_modules/dotenv/package.json"; then
		echo "shells.sh: npm install dotenv@$node_dotenv into $node_dir" >&2
		mkdir -p "$node_dir"
		npm install --prefix "$node_dir" --no-audit --no-fund --no-save --silent "dotenv@$node_dotenv" >/dev/null 2>&1
	fi
fi

# What the tests will find.
for prog in sh dash bash zsh ksh mksh busybox fish pwsh powershell; do
	if path=$(command -v "$prog"); then
		echo "shells.sh: $prog: $path"
	else
		echo "shells.sh: $prog: not available"
	fi
done
if python3 -c 'import dotenv' 2>/dev/null; then
	echo "shells.sh: python-dotenv: $(python3 -c 'import importlib.metadata as m; print(m.version("python-dotenv"))')"
else
	echo "shells.sh: python-dotenv: not available"
fi
if [[ -f $node_dir/node_modules/dotenv/package.json ]] && command -v node >/dev/null; then
	echo "shells.sh: node dotenv: $node_dotenv in $node_dir"
else
	echo "shells.sh: node dotenv: not available"
fi
