//! Benchmarks one function binary through the local Runtime API: init time over many cold
//! starts, then warm latency, throughput and peak RSS over a stream of sample events.
//!
//!   cargo run --release -p runtime-api --bin fn-bench -- <function> [--release | --binary PATH]
//!       [--event events/<function>.json]... [--requests 500] [--starts 20] [--env KEY=VALUE]...
//!
//! The function inherits this process's environment (source .local/stack.env first), then the
//! `--env` overrides (an empty value removes a variable). Output: a human summary on stderr and
//! one JSON line on stdout, for scripts that build tables.

use clap::Parser;
use runtime_api::{FunctionProcess, RuntimeApi, build_function};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Init time, warm latency and peak RSS of one function binary")]
struct Args {
    /// Function package name (functions/<name>).
    function: String,
    /// Benchmark the release build (what ships) instead of the debug build.
    #[arg(long)]
    release: bool,
    /// Benchmark this binary (e.g. cargo-lambda's target/lambda/<name>/bootstrap) instead of
    /// building one.
    #[arg(long, conflicts_with = "release")]
    binary: Option<PathBuf>,
    /// Events to send, in turn; default events/<function>.json.
    #[arg(long = "event")]
    events: Vec<PathBuf>,
    /// Warm invocations measured (after `--warmup` unmeasured ones).
    #[arg(long, default_value_t = 500)]
    requests: usize,
    #[arg(long, default_value_t = 20)]
    warmup: usize,
    /// Cold starts measured for init time (0 skips).
    #[arg(long, default_value_t = 20)]
    starts: usize,
    /// Environment overrides, KEY=VALUE.
    #[arg(long = "env")]
    envs: Vec<String>,
    /// Where the function's own logs go.
    #[arg(long, default_value = "/tmp/fn-bench.log")]
    log: PathBuf,
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn status_of(answer: &[u8]) -> String {
    serde_json::from_slice::<Value>(answer)
        .ok()
        .and_then(|v| v.get("statusCode").and_then(Value::as_u64))
        .map_or_else(|| "raw".to_string(), |s| s.to_string())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let envs: Vec<(String, String)> = args
        .envs
        .iter()
        .map(|kv| {
            kv.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())).ok_or(format!("--env {kv}: KEY=VALUE"))
        })
        .collect::<Result<_, _>>()?;
    let event_files = if args.events.is_empty() {
        vec![runtime_api::workspace_root().join(format!("events/{}.json", args.function))]
    } else {
        args.events.clone()
    };
    let events: Vec<Value> = event_files
        .iter()
        .map(|p| {
            std::fs::read(p)
                .map_err(|e| format!("{}: {e}", p.display()))
                .and_then(|b| serde_json::from_slice(&b).map_err(|e| format!("{}: {e}", p.display())))
        })
        .collect::<Result<_, _>>()?;

    let binary = match &args.binary {
        Some(path) => path.clone(),
        None => build_function(&args.function, args.release)?,
    };
    let binary_bytes = std::fs::metadata(&binary)?.len();
    let api = RuntimeApi::start().await?;
    let spawn =
        || FunctionProcess::builder(&binary, &args.function, &api).envs(envs.clone()).log_file(&args.log).spawn();

    // Cold starts: process start to the first `next`, each a fresh execution environment.
    let mut inits = Vec::with_capacity(args.starts);
    for _ in 0..args.starts {
        let mut process = spawn()?;
        inits.push(process.wait_ready(Duration::from_secs(30)).await?);
        process.kill().await?;
    }
    inits.sort();

    // Warm: one environment, invocations back to back as Lambda sends them.
    let mut process = spawn()?;
    process.wait_ready(Duration::from_secs(30)).await?;
    let timeout = Duration::from_secs(30);
    for i in 0..args.warmup {
        process.invoke(&events[i % events.len()], timeout).await?;
    }
    let mut latencies = Vec::with_capacity(args.requests);
    let mut statuses = std::collections::BTreeMap::<String, usize>::new();
    let started = Instant::now();
    for i in 0..args.requests {
        let t = Instant::now();
        let answer = process.invoke(&events[i % events.len()], timeout).await?;
        latencies.push(t.elapsed());
        *statuses.entry(status_of(&answer)).or_default() += 1;
    }
    let wall = started.elapsed();
    let peak_rss_kib = process.peak_rss_kib()?;
    latencies.sort();

    let report = json!({
        "function": args.function,
        "profile": if args.binary.is_some() { "given" } else if args.release { "release" } else { "debug" },
        "binary": binary.display().to_string(),
        "binaryBytes": binary_bytes,
        "starts": inits.len(),
        "initMsP50": percentile(&inits, 50.0),
        "initMsP90": percentile(&inits, 90.0),
        "requests": latencies.len(),
        "statuses": statuses,
        "warmMsP50": percentile(&latencies, 50.0),
        "warmMsP99": percentile(&latencies, 99.0),
        "warmMsMax": percentile(&latencies, 100.0),
        "perSecond": if wall.is_zero() { 0.0 } else { latencies.len() as f64 / wall.as_secs_f64() },
        "peakRssMiB": peak_rss_kib as f64 / 1024.0,
    });
    eprintln!(
        "{} ({}): binary {:.1} MB; init p50 {:.1} ms (n={}); warm p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {:.0}/s; statuses {:?}; peak RSS {:.1} MiB",
        args.function,
        report["profile"].as_str().unwrap_or_default(),
        binary_bytes as f64 / 1e6,
        report["initMsP50"].as_f64().unwrap_or_default(),
        inits.len(),
        report["warmMsP50"].as_f64().unwrap_or_default(),
        report["warmMsP99"].as_f64().unwrap_or_default(),
        report["warmMsMax"].as_f64().unwrap_or_default(),
        report["perSecond"].as_f64().unwrap_or_default(),
        statuses,
        report["peakRssMiB"].as_f64().unwrap_or_default(),
    );
    println!("{report}");
    Ok(())
}
