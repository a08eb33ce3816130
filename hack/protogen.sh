#!/usr/bin/env bash
# Regenerates every config.pb.go in the repository from its config.proto.
#
# Needs protoc (Debian: apt-get install protobuf-compiler). The Go generator
# is pinned below and installed into .bin/ on first use.
#
# Usage: bash hack/protogen.sh   (from anywhere inside the repository)
set -euo pipefail

# protoc-gen-go-lite version: the one controllerbus v0.53.4 uses.
GEN_VERSION=v0.14.0
MODULE=github.com/hotbus/hotbus

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

command -v protoc >/dev/null || {
	echo "protogen: protoc not found; install it (Debian: apt-get install protobuf-compiler)" >&2
	exit 1
}

bin="$root/.bin"
gen="$bin/protoc-gen-go-lite"
if [ ! -x "$gen" ] || [ "$(cat "$bin/protoc-gen-go-lite.version" 2>/dev/null)" != "$GEN_VERSION" ]; then
	echo "protogen: installing protoc-gen-go-lite@$GEN_VERSION into .bin/" >&2
	GOBIN="$bin" go install "github.com/aperturerobotics/protobuf-go-lite/cmd/protoc-gen-go-lite@$GEN_VERSION"
	echo "$GEN_VERSION" >"$bin/protoc-gen-go-lite.version"
fi

# protoc sees each proto under its module's path, so the generated files
# name their source as controllerbus's do ("source: github.com/..."). Test
# fixtures with a go.mod of their own (hot/testdata/reload) use theirs.
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT

# module_of prints "<module dir> <module path>" for a file.
module_of() {
	local dir
	dir=$(dirname "$1")
	while [ ! -f "$dir/go.mod" ]; do dir=$(dirname "$dir"); done
	echo "$dir $(sed -n 's/^module[[:space:]]*//p' "$dir/go.mod")"
}

mapfile -t protos < <(git ls-files --cached --others --exclude-standard -- '*.proto' | sort)
for p in "${protos[@]}"; do
	read -r moddir modpath < <(module_of "$p")
	link="$staging/$modpath"
	if [ ! -e "$link" ]; then
		mkdir -p "$(dirname "$link")"
		ln -s "$root/$moddir" "$link"
	fi
	rel=${p#"$moddir"/}
	[ "$moddir" = . ] && rel=$p
	echo "protogen: $p" >&2
	protoc \
		--plugin=protoc-gen-go-lite="$gen" \
		-I "$staging" \
		--go-lite_out="$staging" \
		--go-lite_opt=features=all,paths=source_relative \
		"$staging/$modpath/$rel"
done
gofmt -w $(printf '%s\n' "${protos[@]}" | sed 's/\.proto$/.pb.go/')
