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

# protoc sees the repository under its module path, so the generated files
# name their source as controllerbus's do ("source: github.com/...").
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging/$(dirname "$MODULE")"
ln -s "$root" "$staging/$MODULE"

mapfile -t protos < <(git ls-files --cached --others --exclude-standard -- '*.proto' | grep -v '/testdata/' | sort)
for p in "${protos[@]}"; do
	echo "protogen: $p" >&2
	protoc \
		--plugin=protoc-gen-go-lite="$gen" \
		-I "$staging" \
		--go-lite_out="$staging" \
		--go-lite_opt=features=all,paths=source_relative \
		"$staging/$MODULE/$p"
done
gofmt -w $(printf '%s\n' "${protos[@]}" | sed 's/\.proto$/.pb.go/')
