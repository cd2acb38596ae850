#!/usr/bin/env bash
# Benchmark of the image functions, warm and cold, through the local Runtime API (fn-bench),
# against the image store of the local cloud (SeaweedFS) or the AWS emulator's S3:
# - POST /images with a small PNG (multipart, the sample event) and with a 5 MB PNG (raw body);
# - GET /images, 20 per page;
# init time, p50/p99/max latency, throughput and the function's peak RSS for each.
#
#   bash localstack/up.sh                      # the local cloud must be up
#   bash bench/images.sh [profile=release|dev] [store=image-store|aws-emulator]
#
# The 5 MB upload is above what API Gateway can deliver (6 MB per request after base64), so this
# run raises IMAGES_MAX_BYTES to measure the function's memory for it; real clients of that size
# use the presigned path (POST /images/uploads), whose functions never hold the image.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PROFILE="${1:-release}"
STORE="${2:-image-store}"
[[ -f .local/stack.env ]] || { echo "run 'bash localstack/up.sh' first" >&2; exit 1; }
set -a; source .local/stack.env; set +a

RELEASE=()
[[ $PROFILE == release ]] && RELEASE=(--release)
STORE_ENV=()
[[ $STORE == aws-emulator ]] && STORE_ENV=(--env IMAGES_S3_ENDPOINT=)

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# A 5 MB PNG of noise (incompressible, so the file really is 5 MB), as a raw-body upload event.
python3 - "$WORK" <<'PY'
import base64, json, os, struct, sys, zlib
work = sys.argv[1]
w, h = 1292, 1292  # 3 bytes a pixel + 1 filter byte a row: ~5.0 MB of IDAT
raw = b"".join(b"\x00" + os.urandom(w * 3) for _ in range(h))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(raw, 0)) + chunk(b"IEND", b"")
event = json.load(open("events/images-upload.json"))
event["headers"] = {k: v for k, v in event["headers"].items() if k not in ("content-type", "content-length")}
event["headers"]["content-type"] = "image/png"
event["rawQueryString"] = "filename=noise.png"
event["queryStringParameters"] = {"filename": "noise.png"}
event["body"] = base64.b64encode(png).decode()
event["isBase64Encoded"] = True
json.dump(event, open(f"{work}/upload-5mb.json", "w"))
print(f"5 MB sample: {len(png)} bytes, event {os.path.getsize(f'{work}/upload-5mb.json')} bytes", file=sys.stderr)
PY

cargo build --release -q -p runtime-api --bin fn-bench
BENCH=target/release/fn-bench
run() { "$BENCH" "$@" "${RELEASE[@]}" "${STORE_ENV[@]}" | tee -a "$WORK/results.jsonl" >/dev/null; }

echo "== $PROFILE build, store: $STORE" >&2
run images-upload --event events/images-upload.json --requests 300 --warmup 20
run images-upload --event "$WORK/upload-5mb.json" --env IMAGES_MAX_BYTES=6000000 --requests 20 --warmup 3 --starts 0
run images-list --event events/images-list.json --requests 300 --warmup 20
echo >&2
python3 - "$WORK/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| function | event | init p50 | warm p50 | warm p99 | max | req/s | statuses | peak RSS |")
print("|---|---|---|---|---|---|---|---|---|")
labels = ["POST /images, small multipart PNG (sample event)", "POST /images, 5 MB raw PNG", "GET /images?limit=20"]
for label, r in zip(labels, rows):
    init = f"{r['initMsP50']:.1f} ms" if r["starts"] else "-"
    print(f"| {r['function']} | {label} | {init} | {r['warmMsP50']:.2f} ms | {r['warmMsP99']:.2f} ms | "
          f"{r['warmMsMax']:.2f} ms | {r['perSecond']:.0f} | {r['statuses']} | {r['peakRssMiB']:.1f} MiB |")
PY
