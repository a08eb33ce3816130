#!/usr/bin/env bash
# Runs the hot-demo through the hot-builder CLI instead of one program:
# "hot-builder compile" builds the plugin, then "hot-builder daemon" loads it
# from the plugins directory and runs the controllers from a config set.
#
# Usage: example/hot-demo/run-cli.sh [seconds to run the daemon, default 5]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-5}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One binary for both steps: compile targets the binary it runs in, and
# the daemon is that binary.
go build -o "$work/hot-builder" ./cmd/hot-builder

"$work/hot-builder" compile \
	--output "$work/plugins" \
	--binary-id hot-demo \
	--binary-version '0.0.1+{buildHash}' \
	github.com/aperturerobotics/controllerbus/example/boilerplate/controller \
	./example/hot-demo/demo

cat >"$work/bus.yaml" <<YAML
hot-loader:
  id: hotbus/loader/filesystem
  config:
    dir: "$work/plugins"
    watch: true
boilerplate:
  id: controllerbus/example/boilerplate
  config:
    exampleField: "hello from the boilerplate controller, loaded by the daemon"
demo:
  id: hotbus/example/demo
  config:
    name: hot-builder daemon
YAML

echo "running the daemon for ${seconds}s" >&2
status=0
timeout --signal=INT "$seconds" "$work/hot-builder" daemon --config "$work/bus.yaml" || status=$?
# timeout exits 124 when it had to interrupt the daemon: that is the plan.
if [ "$status" -ne 0 ] && [ "$status" -ne 124 ]; then
	exit "$status"
fi
