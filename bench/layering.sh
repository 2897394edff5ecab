#!/usr/bin/env bash
# What the layering costs: cotangent-bench built from these sources as they are (seven library
# targets, ARCHITECTURE.md) and built from the same sources as one module, run side by side.
#
#   bench/layering.sh [ROUNDS]          default 3
#
# 1. copies every library layer's Swift sources into one target `Cotangent` of a scratch package
#    (bench/out/single-module), dropping the imports between layers; the C targets and the
#    bench executable are copied as they are;
# 2. builds cotangent-bench in release mode twice: here (layered) and there (one module);
# 3. runs W1–W8 (full mode, one thread, pinned to one core with taskset) with the two builds
#    alternating, ROUNDS rounds each, records in bench/out/layering-<run>/;
# 4. prints the ratio table, layered / one module per row (bench/side_by_side.py).
#
# Environment: WORKLOADS (default W1,W2,W3,W4,W5,W6,W7,W8), CORE (default 1),
# BASELINE (a cotangent-bench binary to compare with instead of the one-module build, e.g. one
# built at an older commit; step 1 and its build are then skipped), CLEAN=1 (remove the layered
# release build first: an incremental release build can keep a target compiled against an older
# layout of a target below it, which fails to link or, worse, runs with stale inlined code).
set -euo pipefail

ROUNDS="${1:-3}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORKLOADS="${WORKLOADS:-W1,W2,W3,W4,W5,W6,W7,W8}"
CORE="${CORE:-1}"
RUN_ID="$(date -u +%Y%m%dT%H%M%S)"
OUT="$ROOT/bench/out/layering-$RUN_ID"
mkdir -p "$OUT"

LAYERS=(CotangentArrays CotangentGraph CotangentOps CotangentRewriting CotangentEngine CotangentExport Cotangent)
if [ -z "${BASELINE:-}" ]; then
  SINGLE="$ROOT/bench/out/single-module"
  rm -rf "$SINGLE/Sources"
  mkdir -p "$SINGLE/Sources/Cotangent"
  for layer in "${LAYERS[@]}"; do
    mkdir -p "$SINGLE/Sources/Cotangent/$layer"
    cp -R "$ROOT/Sources/$layer/." "$SINGLE/Sources/Cotangent/$layer/"
  done
  # The umbrella's re-exports and the documentation catalog have no place in one module.
  rm -rf "$SINGLE/Sources/Cotangent/Cotangent/Cotangent.docc" "$SINGLE/Sources/Cotangent/Cotangent/Exports.swift"
  cp -R "$ROOT/Sources/CVectorMath" "$ROOT/Sources/COpenBLAS" "$ROOT/Sources/CotangentBench" "$SINGLE/Sources/"
  pattern="$(IFS='|'; echo "${LAYERS[*]:0:6}")"
  # Imports between layers go; a name qualified by its layer is qualified by the one module.
  find "$SINGLE/Sources/Cotangent" -name '*.swift' -exec \
    sed -i -E -e "/^(@_exported )?import ($pattern)\$/d" -e "s/\\b($pattern)\\.([a-zA-Z])/Cotangent.\\2/g" {} +
  if [ -f "$ROOT/Package.resolved" ]; then cp "$ROOT/Package.resolved" "$SINGLE/"; fi
  cat > "$SINGLE/Package.swift" <<'SWIFT'
// swift-tools-version: 6.1
// Written by bench/layering.sh: the library's layers as one module, for measuring the layering.
import PackageDescription

let package = Package(
    name: "Cotangent",
    platforms: [.macOS(.v15), .iOS(.v18)],
    products: [.executable(name: "cotangent-bench", targets: ["CotangentBench"])],
    traits: [.trait(name: "OpenBLAS"), .default(enabledTraits: [])],
    dependencies: [NUMERICS],
    targets: [
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas"),
        .target(name: "CVectorMath"),
        .target(
            name: "Cotangent",
            dependencies: [
                "CVectorMath", .product(name: "RealModule", package: "swift-numerics"),
                .target(name: "COpenBLAS", condition: .when(traits: ["OpenBLAS"])),
            ]),
        .executableTarget(name: "CotangentBench", dependencies: ["Cotangent"]),
    ],
    swiftLanguageModes: [.v6]
)
SWIFT
  # The checkout the layered build resolved, when there is one (no network needed).
  numerics='.package(url: "https://github.com/apple/swift-numerics", from: "1.1.1")'
  if [ -d "$ROOT/.build/checkouts/swift-numerics" ]; then
    numerics=".package(path: \"$ROOT/.build/checkouts/swift-numerics\")"
  fi
  sed -i "s|NUMERICS|$numerics|" "$SINGLE/Package.swift"
  echo "building the one-module variant in $SINGLE" >&2
  swift build -c release --product cotangent-bench --package-path "$SINGLE" >&2
  BASELINE="$SINGLE/.build/release/cotangent-bench"
  BASELINE_LABEL="one module"
else
  BASELINE_LABEL="baseline"
fi
if [ "${CLEAN:-0}" = 1 ]; then
  rm -rf "$ROOT/.build/release" "$ROOT"/.build/*/release
fi
echo "building the layered cotangent-bench" >&2
swift build -c release --product cotangent-bench --package-path "$ROOT" >&2
LAYERED="$ROOT/.build/release/cotangent-bench"

for round in $(seq 1 "$ROUNDS"); do
  for build in baseline layered; do
    binary="$BASELINE"; [ "$build" = layered ] && binary="$LAYERED"
    taskset -c "$CORE" "$binary" --workloads "$WORKLOADS" --threads 1 --run-id "$RUN_ID" \
      > "$OUT/$build.$round.jsonl" 2> "$OUT/$build.$round.log"
    echo "$build round $round done $(date -u +%T)" >&2
  done
done
python3 "$ROOT/bench/side_by_side.py" "$OUT/baseline.*.jsonl" "$OUT/layered.*.jsonl" \
  --label-a "$BASELINE_LABEL" --label-b "layered" | tee "$OUT/ratios.md"
