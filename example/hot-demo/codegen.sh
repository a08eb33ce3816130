#!/usr/bin/env bash
# Writes the hot-demo plugin's generated build tree and stops: the plugin
# main (plugin/plugin.go), its go.mod with the host's pins, and the
# prefixed copies of the controller packages. Prints the tree's directory.
#
# Usage: example/hot-demo/codegen.sh [codegen dir, default ./hotbus-codegen]
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-./hotbus-codegen}

go run ./cmd/hot-builder codegen \
	--codegen-dir "$dir" \
	--binary-id hot-demo \
	github.com/aperturerobotics/controllerbus/example/boilerplate/controller \
	./example/hot-demo/demo
