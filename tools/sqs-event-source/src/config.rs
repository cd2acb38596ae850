//! The mapping file (`localstack/event-sources.toml`): one `[[mapping]]` table per SQS event-source
//! mapping, mirroring the `Type: SQS` events of template.yaml. See that file's header comment for
//! the format; [`Config::parse`] enforces the same limits Lambda enforces on an event-source mapping.

use serde::Deserialize;
use std::collections::HashSet;
use std::path::Path;

/// Largest batch Lambda accepts for a standard queue.
pub const MAX_BATCH_SIZE: u32 = 10_000;
/// Largest `MaximumBatchingWindowInSeconds` Lambda accepts.
pub const MAX_BATCHING_WINDOW_SECONDS: u32 = 300;
/// ReceiveMessage returns at most this many messages per call.
pub const SQS_MAX_MESSAGES_PER_RECEIVE: u32 = 10;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default, rename = "mapping")]
    pub mappings: Vec<Mapping>,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Lambda function name (= cargo package/bin name served by `cargo lambda watch`).
    pub function: String,
    /// Queue *name* (not URL); resolved with GetQueueUrl.
    pub queue: String,
    /// Lambda `BatchSize` (1..=10000; default 10, as on AWS).
    #[serde(default = "default_batch_size")]
    pub batch_size: u32,
    /// Lambda `MaximumBatchingWindowInSeconds` (0..=300; default 0).
    #[serde(default)]
    pub maximum_batching_window_seconds: u32,
    /// Lambda `FunctionResponseTypes: [ReportBatchItemFailures]`.
    #[serde(default)]
    pub report_batch_item_failures: bool,
    /// Lambda `Enabled` (default true). A disabled mapping is parsed and checked but never polled.
    #[serde(default = "default_true")]
    pub enabled: bool,
}

fn default_batch_size() -> u32 {
    10
}

fn default_true() -> bool {
    true
}

impl Config {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        let mut seen = HashSet::new();
        for (i, m) in self.mappings.iter().enumerate() {
            let at = format!("mapping #{} ({} <- {})", i + 1, m.function, m.queue);
            if m.function.trim().is_empty() {
                return Err(format!("{at}: `function` must not be empty"));
            }
            if m.queue.trim().is_empty() {
                return Err(format!("{at}: `queue` must not be empty"));
            }
            if m.queue.contains('/') || m.queue.contains(':') {
                return Err(format!("{at}: `queue` is a queue name, not a URL or ARN"));
            }
            if !(1..=MAX_BATCH_SIZE).contains(&m.batch_size) {
                return Err(format!(
                    "{at}: batch_size must be 1..={MAX_BATCH_SIZE}, got {}",
                    m.batch_size
                ));
            }
            if m.maximum_batching_window_seconds > MAX_BATCHING_WINDOW_SECONDS {
                return Err(format!(
                    "{at}: maximum_batching_window_seconds must be 0..={MAX_BATCHING_WINDOW_SECONDS}, got {}",
                    m.maximum_batching_window_seconds
                ));
            }
            // Same rule as Lambda: batches above 10 need a batching window.
            if m.batch_size > SQS_MAX_MESSAGES_PER_RECEIVE && m.maximum_batching_window_seconds == 0
            {
                return Err(format!(
                    "{at}: batch_size > {SQS_MAX_MESSAGES_PER_RECEIVE} requires maximum_batching_window_seconds >= 1 (as on Lambda)"
                ));
            }
            if !seen.insert((m.function.as_str(), m.queue.as_str())) {
                return Err(format!("{at}: duplicate mapping"));
            }
        }
        Ok(())
    }

    pub fn enabled(&self) -> impl Iterator<Item = &Mapping> {
        self.mappings.iter().filter(|m| m.enabled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_format_with_defaults() {
        let c = Config::parse(
            r#"
            [[mapping]]
            function = "session-recorder"
            queue = "auth-events"
            batch_size = 10
            maximum_batching_window_seconds = 0
            report_batch_item_failures = true

            [[mapping]]
            function = "other"
            queue = "user-events"
            "#,
        )
        .unwrap();
        assert_eq!(c.mappings.len(), 2);
        assert!(c.mappings[0].report_batch_item_failures);
        let d = &c.mappings[1];
        assert_eq!((d.batch_size, d.maximum_batching_window_seconds), (10, 0));
        assert!(!d.report_batch_item_failures);
        assert!(d.enabled);
    }

    #[test]
    fn the_repository_file_is_valid() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../localstack/event-sources.toml");
        let c = Config::load(&path).unwrap();
        assert!(
            c.enabled()
                .any(|m| m.function == "session-recorder" && m.queue == "auth-events")
        );
    }

    #[test]
    fn rejects_what_lambda_rejects() {
        let bad = [
            (
                "function = \"f\"\nqueue = \"q\"\nbatch_size = 0",
                "batch_size",
            ),
            (
                "function = \"f\"\nqueue = \"q\"\nbatch_size = 11",
                "requires maximum_batching_window_seconds",
            ),
            (
                "function = \"f\"\nqueue = \"q\"\nmaximum_batching_window_seconds = 301",
                "maximum_batching_window_seconds",
            ),
            ("function = \"\"\nqueue = \"q\"", "function"),
            ("function = \"f\"\nqueue = \"http://x/000/q\"", "queue name"),
            (
                "function = \"f\"\nqueue = \"q\"\nbatchsize = 5",
                "unknown field",
            ),
        ];
        for (body, needle) in bad {
            let err = Config::parse(&format!("[[mapping]]\n{body}\n")).unwrap_err();
            assert!(
                err.contains(needle),
                "{body:?}: error {err:?} does not mention {needle:?}"
            );
        }
        let ok = "[[mapping]]\nfunction = \"f\"\nqueue = \"q\"\nbatch_size = 100\nmaximum_batching_window_seconds = 1\n";
        Config::parse(ok).unwrap();
        let dup = "[[mapping]]\nfunction = \"f\"\nqueue = \"q\"\n[[mapping]]\nfunction = \"f\"\nqueue = \"q\"\n";
        assert!(Config::parse(dup).unwrap_err().contains("duplicate"));
    }
}
