//! Structured JSON logs. The Lambda runtime opens a span per invocation carrying `requestId`
//! (and the X-Ray trace id); printing the current span puts them on every line.

use tracing_subscriber::{filter::Targets, layer::SubscriberExt, util::SubscriberInitExt};

pub fn init() {
    let filter = crate::config::log_filter(&crate::config::Env::process());
    // `Targets` (`info`, `shared=debug,warn`, ...), not `EnvFilter`: EnvFilter's span and field
    // filters bring a regex engine with its Unicode tables into every package (docs/performance.md).
    let (targets, not_understood) = match parse_filter(&filter) {
        Ok(targets) => (targets, None),
        Err(reason) => (Targets::new().with_default(tracing::Level::INFO), Some(reason)),
    };
    let subscriber = tracing_subscriber::fmt()
        .json()
        // The builder's own filter would stop at INFO; `targets` decides.
        .with_max_level(tracing::level_filters::LevelFilter::TRACE)
        .with_current_span(true)
        .with_span_list(false)
        // The target names the module, and `audit` for security events (the tenant data service).
        .with_target(true)
        .with_ansi(false)
        .finish()
        .with(targets);
    if subscriber.try_init().is_ok()
        && let Some(reason) = not_understood
    {
        tracing::warn!(filter = %filter, %reason, "log filter not understood (expected e.g. `info` or `shared=debug,warn`); logging at info");
    }
}

fn parse_filter(filter: &str) -> Result<Targets, String> {
    filter.trim().parse::<Targets>().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn filters_name_a_default_level_and_per_module_levels() {
        use tracing::Level;
        use tracing_subscriber::filter::Targets;
        let targets: Targets = super::parse_filter("warn,shared::sessions=debug").expect("valid filter");
        assert_eq!(targets.default_level(), Some(Level::WARN.into()));
        assert!(targets.would_enable("shared::sessions::api", &Level::DEBUG));
        assert!(!targets.would_enable("shared::identity", &Level::INFO));
        assert!(super::parse_filter(" info ").is_ok());
        assert!(super::parse_filter("off").is_ok());
    }

    #[test]
    fn a_filter_that_is_not_understood_is_an_error_not_silence() {
        assert!(super::parse_filter("shared=loud").is_err());
    }
}
