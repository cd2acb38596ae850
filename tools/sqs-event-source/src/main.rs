//! `sqs-event-source`: the local stand-in for Lambda's SQS event-source mapping.
//!
//! For every `[[mapping]]` of the config file it long-polls the queue, hands each batch to the
//! function through the Lambda Invoke API that `cargo lambda watch` serves
//! (`POST {invoke-url}/2015-03-31/functions/{function}/invocations`) and deletes what Lambda would
//! delete (see `decision.rs`). Messages the function did not process are never deleted; the queue's
//! visibility timeout and redrive policy do the rest, as on AWS.
//!
//! ```text
//! AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
//!   cargo run -p sqs-event-source -- --config localstack/event-sources.toml --invoke-url http://127.0.0.1:9000
//! ```

mod backoff;
mod config;
mod decision;
mod event;
mod poller;

use clap::Parser;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::watch;
use tracing::{error, info, warn};

#[derive(Debug, Parser)]
#[command(
    version,
    about = "Feeds SQS batches to functions served by `cargo lambda watch`, deleting messages as Lambda would"
)]
struct Cli {
    /// Mapping file (see localstack/event-sources.toml for the format).
    #[arg(
        long,
        env = "SQS_EVENT_SOURCE_CONFIG",
        default_value = "localstack/event-sources.toml"
    )]
    config: PathBuf,
    /// Base URL of the Lambda Invoke API (`cargo lambda watch -A 127.0.0.1 -P 9000`).
    #[arg(
        long,
        env = "SQS_EVENT_SOURCE_INVOKE_URL",
        default_value = "http://127.0.0.1:9000"
    )]
    invoke_url: String,
    /// ReceiveMessage WaitTimeSeconds (0-20). Kept short so that shutdown is quick.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=20))]
    wait_time_seconds: u32,
    /// How long one invocation may take before the batch is given up (nothing deleted). The first
    /// invocation of a function under `cargo lambda watch` includes compiling it, hence the margin.
    #[arg(long, default_value_t = 300)]
    invoke_timeout_seconds: u64,
    /// After SIGINT/SIGTERM, how long a running invocation may still finish (its batch is then
    /// deleted as usual); past that it is abandoned with nothing deleted.
    #[arg(long, default_value_t = 10)]
    shutdown_grace_seconds: u64,
    /// Check the config file and exit.
    #[arg(long)]
    check: bool,
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    init_tracing();

    let config = match config::Config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => {
            error!(error = %e, "invalid configuration");
            std::process::exit(2);
        }
    };
    if cli.check {
        info!(config = %cli.config.display(), mappings = config.mappings.len(), "configuration is valid");
        return;
    }
    let mappings: Vec<_> = config.enabled().cloned().collect();
    if mappings.is_empty() {
        warn!(config = %cli.config.display(), "no enabled mapping; nothing to do");
        return;
    }

    // The region from AWS_REGION / AWS_DEFAULT_REGION, else us-east-1. Not the SDK's default
    // chain: built on its own it has no HTTP client for its instance-metadata step.
    let region_chain = aws_config::meta::region::RegionProviderChain::first_try(
        aws_config::environment::EnvironmentVariableRegionProvider::new(),
    )
    .or_else("us-east-1");
    let sdk_config = shared::adapters::aws::defaults()
        .region(region_chain)
        // Our own loop retries with backoff; keep each SDK call short so an unreachable
        // emulator is noticed quickly and shutdown is not held up.
        .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(2))
        .timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(
                    u64::from(cli.wait_time_seconds) + 10,
                ))
                .build(),
        )
        .load()
        .await;
    let region = sdk_config
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let sqs = aws_sdk_sqs::Client::new(&sdk_config);
    let http = match reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(cli.invoke_timeout_seconds))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            error!(error = %e, "cannot build HTTP client");
            std::process::exit(1);
        }
    };

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        info!("shutdown requested; finishing in-flight batches (signal again to exit at once)");
        let _ = shutdown_tx.send(true);
        wait_for_signal().await;
        warn!("second signal: exiting immediately");
        std::process::exit(130);
    });

    let invoke_base = cli.invoke_url.trim_end_matches('/').to_owned();
    info!(mappings = mappings.len(), invoke_url = %invoke_base, region = %region, "starting");
    let mut tasks = tokio::task::JoinSet::new();
    for mapping in mappings {
        let poller = poller::Poller {
            sqs: sqs.clone(),
            http: http.clone(),
            invoke_base: invoke_base.clone(),
            region: region.clone(),
            wait_time_seconds: cli.wait_time_seconds,
            shutdown_grace: Duration::from_secs(cli.shutdown_grace_seconds),
            mapping,
            shutdown: shutdown_rx.clone(),
        };
        tasks.spawn(poller.run());
    }
    let mut failed = false;
    while let Some(res) = tasks.join_next().await {
        if let Err(e) = res {
            error!(error = %e, "a mapping task panicked");
            failed = true;
        }
    }
    info!("stopped");
    if failed {
        std::process::exit(1);
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SQS_EVENT_SOURCE_LOG")
        .unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new(
                "info,aws_smithy_runtime=warn,aws_config=warn,hyper=warn",
            )
        });
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_target(false)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
