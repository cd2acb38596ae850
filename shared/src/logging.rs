//! Structured JSON logs. The Lambda runtime opens a span per invocation carrying `requestId`
//! (and the X-Ray trace id); printing the current span puts them on every line.

use tracing_subscriber::EnvFilter;

pub fn init() {
    // AWS_LAMBDA_LOG_LEVEL is what Lambda's advanced logging controls set; RUST_LOG wins locally.
    let filter = std::env::var("RUST_LOG")
        .ok()
        .or_else(|| std::env::var("AWS_LAMBDA_LOG_LEVEL").ok().map(|l| l.to_lowercase()))
        .unwrap_or_else(|| "info".to_string());
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(EnvFilter::new(filter))
        .with_current_span(true)
        .with_span_list(false)
        // The target names the module, and `audit` for security events (tenants::api).
        .with_target(true)
        .with_ansi(false)
        .try_init();
}
