#!/usr/bin/env bash
# Fuzzes every parser of untrusted input in shared/ (fuzz/: cargo-fuzz targets over libFuzzer) for a
# bounded time: installs cargo-fuzz into .local/tools if missing, builds the targets, runs each for
# SECONDS, and prints per target the runs, exec/s, coverage, corpus size and whether it crashed.
# Exit code: non-zero if any target crashed (panic, failed assertion, overflow, OOM, timeout) or
# could not be built; the crashing input is kept under .local/fuzz/artifacts/<target>/.
#
#   bash localstack/fuzz.sh [SECONDS-PER-TARGET (default 20)] [TARGET ...]   (default: every target)
#   FUZZ_JOBS=1 bash localstack/fuzz.sh 300           # one target at a time (default: two, one per core)
#   FUZZ_SANITIZER=none bash localstack/fuzz.sh       # without AddressSanitizer
#   FUZZ_CODEGEN_UNITS=1 bash localstack/fuzz.sh 300  # slower build, faster fuzzing (long runs)
#
# Stable Rust: cargo-fuzz passes nightly-only rustc flags (-Zsanitizer=address), which
# RUSTC_BOOTSTRAP=1 unlocks on the project's stable toolchain (the AddressSanitizer runtime ships
# with stable's rust-std); no nightly toolchain is needed.
# Corpora: the committed seeds (fuzz/corpus/<target>/seed-*) are read, never written; what
# libFuzzer finds goes to the working corpus .local/fuzz/corpus/<target>, which later runs reuse.
# Reproduce a crash: the command printed under the crashing target (its binary and the artifact).
set -euo pipefail
# shellcheck source=localstack/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CARGO_FUZZ_VERSION=0.13.2
TOOLS_DIR="$LOCAL_DIR/tools"
FUZZ_DIR="$ROOT_DIR/fuzz"
WORK_DIR="$LOCAL_DIR/fuzz"
SANITIZER="${FUZZ_SANITIZER:-address}"
# cargo-fuzz's default of 1 codegen unit per crate makes the first build several minutes longer on
# 2 cores (the AWS SDK and TLS crates `chat`/`tenants` link); 16 fuzzes somewhat slower.
CODEGEN_UNITS="${FUZZ_CODEGEN_UNITS:-16}"
JOBS="${FUZZ_JOBS:-2}"
# One build directory per configuration, so switching does not rebuild from scratch each time.
TARGET_DIR="$WORK_DIR/target-$SANITIZER-cgu$CODEGEN_UNITS"
TRIPLE="$(rustc -vV | sed -n 's/^host: //p')"
BIN_DIR="$TARGET_DIR/$TRIPLE/release"
# Per-input limits: a slower input is a finding (timeout), and so is one using more memory.
INPUT_TIMEOUT_S="${FUZZ_INPUT_TIMEOUT:-10}"
RSS_LIMIT_MB="${FUZZ_RSS_LIMIT_MB:-2048}"
MAX_LEN="${FUZZ_MAX_LEN:-8192}"
# libFuzzer runs every corpus input before it starts the clock of -max_total_time, so a working
# corpus grown over many runs would make a "20 s" run last minutes: past this many files it is
# minimised after the run (-merge=1 keeps only the inputs that add coverage).
CORPUS_MAX_FILES="${FUZZ_CORPUS_MAX_FILES:-3000}"

SECONDS_PER_TARGET="${1:-20}"
[[ $SECONDS_PER_TARGET =~ ^[1-9][0-9]*$ ]] || die "SECONDS-PER-TARGET must be a positive integer (got '$SECONDS_PER_TARGET')"
shift || true
ALL_TARGETS=()
for f in "$FUZZ_DIR"/fuzz_targets/*.rs; do ALL_TARGETS+=("$(basename "$f" .rs)"); done
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=("${ALL_TARGETS[@]}")
for t in "${TARGETS[@]}"; do
  [[ -f $FUZZ_DIR/fuzz_targets/$t.rs ]] || die "unknown fuzz target '$t' (${ALL_TARGETS[*]})"
done

export PATH="$TOOLS_DIR/bin:$PATH"
export RUSTC_BOOTSTRAP=1
mkdir -p "$WORK_DIR/logs"

T0="$(now)"
LOAD0="$(cut -d' ' -f1-3 /proc/loadavg)"
steps_init 3

# ---------------------------------------------------------------------------------------------
step "cargo-fuzz $CARGO_FUZZ_VERSION in .local/tools"
if [[ "$(cargo-fuzz --version 2>/dev/null || true)" == "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
  step_skip "already installed"
  INSTALL_TIME="0.0s"
else
  # --debug: cargo-fuzz only drives cargo and libFuzzer, and a debug build installs in half the time.
  if ! cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --debug --root "$TOOLS_DIR" \
    >"$WORK_DIR/logs/install.log" 2>&1; then
    step_note "$(tail -n 20 "$WORK_DIR/logs/install.log")"
    step_fail "cargo install cargo-fuzz failed (log: ${WORK_DIR#"$ROOT_DIR"/}/logs/install.log)"
  fi
  INSTALL_TIME="$(elapsed_since "$STEP_T0")"
  step_ok
fi

# ---------------------------------------------------------------------------------------------
# Release build with debug assertions (so integer overflow panics instead of wrapping), sancov
# instrumentation and, unless FUZZ_SANITIZER=none, AddressSanitizer (its runtime ships with the
# stable toolchain's rust-std). One build serves every target; a no-op when nothing changed.
BUILD_ARGS=(--fuzz-dir "$FUZZ_DIR" --release --debug-assertions --sanitizer "$SANITIZER"
  --codegen-units "$CODEGEN_UNITS" --target-dir "$TARGET_DIR")
step "Building ${#ALL_TARGETS[@]} fuzz targets (sanitizer $SANITIZER, $CODEGEN_UNITS codegen units, stable rustc + RUSTC_BOOTSTRAP=1)"
if ! (cd "$ROOT_DIR" && cargo fuzz build "${BUILD_ARGS[@]}") >"$WORK_DIR/logs/build.log" 2>&1; then
  step_note "$(grep -E '^(error|warning: unused)' -A12 "$WORK_DIR/logs/build.log" | head -n 40)"
  step_fail "cargo fuzz build failed (log: ${WORK_DIR#"$ROOT_DIR"/}/logs/build.log)"
fi
BUILD_TIME="$(elapsed_since "$STEP_T0")"
step_ok

# ---------------------------------------------------------------------------------------------
# One target: libFuzzer with the working corpus first (where new inputs are written) and the
# committed seeds second. Its output goes to .local/fuzz/logs/<target>.log; a summary line to
# .local/fuzz/logs/<target>.result: runs exec/s cov ft corpus-units corpus-files status artifact.
run_target() {
  local t="$1" corpus="$WORK_DIR/corpus/$1" artifacts="$WORK_DIR/artifacts/$1/" log="$WORK_DIR/logs/$1.log"
  local rc=0 stats runs eps cov ft corp files status artifact
  mkdir -p "$corpus" "$artifacts"
  "$BIN_DIR/$t" "$corpus" "$FUZZ_DIR/corpus/$t" \
    -max_total_time="$SECONDS_PER_TARGET" -timeout="$INPUT_TIMEOUT_S" -rss_limit_mb="$RSS_LIMIT_MB" \
    -max_len="$MAX_LEN" -artifact_prefix="$artifacts" -print_final_stats=1 -close_fd_mask=1 \
    >"$log" 2>&1 </dev/null || rc=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
  eps="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)"
  # The last status line: "#1234 DONE cov: 812 ft: 2911 corp: 203/18Kb lim: ... exec/s: ..."
  stats="$(grep -E '^#[0-9]+' "$log" | grep ' cov: ' | tail -n1 || true)"
  cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$stats")"
  ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$stats")"
  corp="$(sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p' <<<"$stats")"
  artifact="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n1)"
  if ((rc == 0)) && [[ -z $artifact ]]; then status=ok; else status="CRASH(exit-$rc)"; fi
  files="$(find "$corpus" -type f | wc -l)"
  if [[ $status == ok ]] && ((files > CORPUS_MAX_FILES)); then
    rm -rf "$corpus.min" && mkdir -p "$corpus.min"
    if "$BIN_DIR/$t" -merge=1 "$corpus.min" "$corpus" -timeout="$INPUT_TIMEOUT_S" -rss_limit_mb="$RSS_LIMIT_MB" \
      -max_len="$MAX_LEN" -close_fd_mask=1 >"$WORK_DIR/logs/$t.merge.log" 2>&1 </dev/null; then
      rm -rf "$corpus" && mv "$corpus.min" "$corpus"
      files="$(find "$corpus" -type f | wc -l)"
    fi
  fi
  printf '%s %s %s %s %s %s %s %s %s\n' "$t" "${runs:--}" "${eps:--}" "${cov:--}" "${ft:--}" "${corp:--}" \
    "$files" "$status" "${artifact:--}" >"$WORK_DIR/logs/$t.result"
}

step "Fuzzing ${#TARGETS[@]} target(s) for ${SECONDS_PER_TARGET}s each, $JOBS at a time"
step_note "logs: ${WORK_DIR#"$ROOT_DIR"/}/logs/<target>.log"
RUN_T0="$(now)"
running=0
for t in "${TARGETS[@]}"; do
  rm -f "$WORK_DIR/logs/$t.result"
  run_target "$t" &
  running=$((running + 1))
  if ((running >= JOBS)); then wait -n || true; running=$((running - 1)); fi
done
wait || true
RUN_TIME="$(elapsed_since "$RUN_T0")"

# ---------------------------------------------------------------------------------------------
echo
printf '  %-18s %12s %8s %6s %7s %13s %8s  %s\n' target runs exec/s cov ft corpus files result
crashed=0
for t in "${TARGETS[@]}"; do
  if [[ ! -s $WORK_DIR/logs/$t.result ]]; then
    printf '  %-18s %s\n' "$t" "no result (see ${WORK_DIR#"$ROOT_DIR"/}/logs/$t.log)"
    crashed=1
    continue
  fi
  read -r _ runs eps cov ft corp files status artifact <"$WORK_DIR/logs/$t.result"
  if [[ $status == ok ]]; then
    shown="${C_OK}no crash${C_OFF}"
  else
    shown="${C_ERR}${status}${C_OFF}"
    crashed=1
  fi
  printf '  %-18s %12s %8s %6s %7s %13s %8s  %s\n' "$t" "$runs" "$eps" "$cov" "$ft" "$corp" "$files" "$shown"
  if [[ $status != ok ]]; then
    grep -m1 -E "panicked at|ERROR: libFuzzer|ERROR: AddressSanitizer|SUMMARY" "$WORK_DIR/logs/$t.log" | sed 's/^/      /' || true
    grep -m1 -A1 "panicked at" "$WORK_DIR/logs/$t.log" | tail -n1 | sed 's/^/      /' || true
    log "      input: ${artifact#"$ROOT_DIR"/}"
    log "      reproduce: ${BIN_DIR#"$ROOT_DIR"/}/$t ${artifact#"$ROOT_DIR"/}"
  fi
done
echo
# CPU time and load too: on a shared machine the wall times above depend on what else runs.
times >"$WORK_DIR/logs/times.txt"
cpu="$(tail -n1 "$WORK_DIR/logs/times.txt")"
log "times: install $INSTALL_TIME, build $BUILD_TIME, run $RUN_TIME, total $(elapsed_since "$T0")" \
  "(cpu user/sys ${cpu// /\/}; load average at start $LOAD0, now $(cut -d' ' -f1-3 /proc/loadavg))"
if ((crashed)); then
  log "fuzz.sh: ${C_ERR}FAILED${C_OFF}: a target crashed (inputs kept under ${WORK_DIR#"$ROOT_DIR"/}/artifacts/)"
  exit 1
fi
log "fuzz.sh: ${C_OK}PASSED${C_OFF}: no crash"
