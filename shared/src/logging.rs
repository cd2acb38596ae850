//! Structured JSON logs. The Lambda runtime opens a span per invocation carrying `requestId`
//! (and the X-Ray trace id); printing the current span puts them on every line.

use tracing_subscriber::EnvFilter;

pub fn init() {
    // AWS_LAMBDA_LOG_LEVEL is what Lambda's advanced logging controls set (the template's
    // ApplicationLogLevel); a non-empty RUST_LOG (per-module filters) wins over it.
    let filter = crate::config::optional("RUST_LOG")
        .or_else(|| crate::config::optional("AWS_LAMBDA_LOG_LEVEL").map(|l| lambda_level_filter(&l)))
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

/// Lambda's levels as a tracing filter: FATAL has no tracing equivalent and means errors only.
fn lambda_level_filter(level: &str) -> String {
    match level.trim().to_ascii_lowercase().as_str() {
        "fatal" => "error".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn lambda_levels_map_to_tracing_filters() {
        assert_eq!(super::lambda_level_filter("DEBUG"), "debug");
        assert_eq!(super::lambda_level_filter("FATAL"), "error");
        assert_eq!(super::lambda_level_filter(" Warn "), "warn");
    }
}
