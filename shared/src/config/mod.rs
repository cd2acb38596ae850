//! THE place where environment variables are read: each part of the configuration is a typed
//! value built from an [`Env`] by a function of this module, once per execution environment.
//! Names follow the original services where they exist (`PG_HOST`, `MONGO_URI`, `JWT_SECRET`, …).
//! Secrets are wrapped ([`SecretString`]) the moment they are read, so `Debug`, `Display` and
//! logs never show them, and every error names the variable, never its value.

#[cfg(feature = "identity")]
mod auth;
#[cfg(feature = "chat")]
mod chat;
mod operations;
mod stores;
#[cfg(feature = "tenants")]
mod tenants;
#[cfg(feature = "identity")]
pub use auth::{introspection_clients, password_hasher, refresh_ttl, token_settings};
#[cfg(feature = "chat")]
pub use chat::ChatConfig;
pub use operations::outbox_batch_size;
pub use stores::{MongoConfig, PostgresConfig, QueueConfig, dependency_timeout, table_name};
#[cfg(feature = "tenants")]
pub use tenants::{IntrospectionConfig, TenantPoolConfig, cache_policy, memory_cache_entries};
#[cfg(feature = "images")]
mod images;
#[cfg(feature = "soap")]
mod user_lookup;
#[cfg(feature = "images")]
pub use images::{ImageStoreConfig, ObjectAcl, image_policy};
#[cfg(feature = "soap")]
pub use user_lookup::lookup_allowed_origin;

pub use secrecy::{ExposeSecret, SecretString};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

/// Errors raised while reading configuration at start-up (they fail the function's init).
/// Every one names the variable, never its value.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Where settings come from: the process environment, or given pairs (unit tests). Every name
/// asked for is remembered, set or not, so a function can say which variables it reads.
pub struct Env {
    source: Source,
    asked: Mutex<BTreeSet<&'static str>>,
}

enum Source {
    Process,
    Pairs(BTreeMap<String, String>),
}

impl Env {
    pub fn process() -> Self {
        Self { source: Source::Process, asked: Mutex::default() }
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        let pairs = pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        Self { source: Source::Pairs(pairs), asked: Mutex::default() }
    }

    /// The names read so far, in order.
    pub fn asked(&self) -> Vec<&'static str> {
        self.asked.lock().unwrap_or_else(|p| p.into_inner()).iter().copied().collect()
    }

    /// A variable's value; empty or blank counts as unset.
    pub fn optional(&self, name: &'static str) -> Option<String> {
        self.asked.lock().unwrap_or_else(|p| p.into_inner()).insert(name);
        let value = match &self.source {
            Source::Process => std::env::var(name).ok(),
            Source::Pairs(pairs) => pairs.get(name).cloned(),
        };
        value.filter(|v| !v.trim().is_empty())
    }

    /// The first of several names that is set: a variable and its alternative spellings.
    pub fn first_of(&self, names: &[&'static str]) -> Option<(&'static str, String)> {
        names.iter().find_map(|name| self.optional(name).map(|v| (*name, v)))
    }

    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    pub fn or_default(&self, name: &'static str, default: &str) -> String {
        self.optional(name).unwrap_or_else(|| default.to_string())
    }

    pub fn parse_or<T>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        match self.optional(name) {
            None => Ok(default),
            Some(raw) => raw.trim().parse().map_err(|e: T::Err| ConfigError::Invalid { name, reason: e.to_string() }),
        }
    }

    /// A secret: wrapped at once, so no `Debug`, `Display` or log line can print it.
    pub fn secret(&self, name: &'static str) -> Result<SecretString, ConfigError> {
        self.required(name).map(SecretString::from)
    }

    pub fn optional_secret(&self, name: &'static str) -> Option<SecretString> {
        self.optional(name).map(SecretString::from)
    }

    pub fn duration_ms(&self, name: &'static str, default_ms: u64) -> Result<Duration, ConfigError> {
        Ok(Duration::from_millis(self.parse_or(name, default_ms)?))
    }

    pub fn duration_secs(&self, name: &'static str, default_secs: u64) -> Result<Duration, ConfigError> {
        Ok(Duration::from_secs(self.parse_or(name, default_secs)?))
    }
}

/// Development mode (`APP_ENV`, or the original service's `NODE_ENV`, set to `development`): error answers
/// carry internal detail. Anything else, or unset, is production.
pub fn development(env: &Env) -> bool {
    env.first_of(&["APP_ENV", "NODE_ENV"]).is_some_and(|(_, v)| v.trim().eq_ignore_ascii_case("development"))
}

/// The log filter: a non-empty `RUST_LOG` (per-module levels), else Lambda's own level
/// (`AWS_LAMBDA_LOG_LEVEL`, set from the template's `ApplicationLogLevel`), else `info`. FATAL has
/// no tracing equivalent and means errors only.
pub fn log_filter(env: &Env) -> String {
    env.optional("RUST_LOG")
        .or_else(|| {
            env.optional("AWS_LAMBDA_LOG_LEVEL").map(|level| match level.trim().to_ascii_lowercase().as_str() {
                "fatal" => "error".to_string(),
                other => other.to_string(),
            })
        })
        .unwrap_or_else(|| "info".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_asked_is_remembered_set_or_not() {
        let env = Env::from_pairs([("A", "1"), ("BLANK", "  ")]);
        assert_eq!(env.optional("A").as_deref(), Some("1"));
        assert_eq!(env.optional("BLANK"), None);
        assert!(matches!(env.required("MISSING"), Err(ConfigError::Missing("MISSING"))));
        assert_eq!(env.asked(), vec!["A", "BLANK", "MISSING"]);
    }

    #[test]
    fn parse_errors_name_the_variable_not_the_value() {
        let env = Env::from_pairs([("PORT_X", "hunter2")]);
        let err = env.parse_or::<u16>("PORT_X", 1).unwrap_err().to_string();
        assert!(err.contains("PORT_X") && !err.contains("hunter2"), "{err}");
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let env = Env::from_pairs([("S", "hunter2-hunter2")]);
        let secret = env.secret("S").unwrap();
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert_eq!(secret.expose_secret(), "hunter2-hunter2");
    }

    #[test]
    fn the_log_filter_is_rust_log_else_the_lambda_level() {
        assert_eq!(
            log_filter(&Env::from_pairs([("RUST_LOG", "warn,shared=debug"), ("AWS_LAMBDA_LOG_LEVEL", "ERROR")])),
            "warn,shared=debug"
        );
        assert_eq!(log_filter(&Env::from_pairs([("AWS_LAMBDA_LOG_LEVEL", "DEBUG")])), "debug");
        assert_eq!(log_filter(&Env::from_pairs([("AWS_LAMBDA_LOG_LEVEL", "FATAL")])), "error");
        assert_eq!(log_filter(&Env::from_pairs([("AWS_LAMBDA_LOG_LEVEL", " Warn ")])), "warn");
        assert_eq!(log_filter(&Env::from_pairs::<&str, &str>([])), "info");
    }

    #[test]
    fn development_is_app_env_or_node_env() {
        assert!(development(&Env::from_pairs([("NODE_ENV", "development")])));
        assert!(development(&Env::from_pairs([("APP_ENV", " Development ")])));
        assert!(!development(&Env::from_pairs([("NODE_ENV", "production")])));
        assert!(!development(&Env::from_pairs::<&str, &str>([])));
    }
}
