//! Configuration from environment variables, read once per execution environment.
//! Names follow the seed services where they exist (`PG_HOST`, `MONGO_URI`, `JWT_SECRET`, …).

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

/// The process environment, shared by the helpers below until every area takes an [`Env`].
fn process_env() -> &'static Env {
    static ENV: std::sync::OnceLock<Env> = std::sync::OnceLock::new();
    ENV.get_or_init(Env::process)
}

pub fn required(name: &'static str) -> Result<String, ConfigError> {
    process_env().required(name)
}

pub fn optional(name: &'static str) -> Option<String> {
    process_env().optional(name)
}

pub fn or_default(name: &'static str, default: &str) -> String {
    process_env().or_default(name, default)
}

pub fn parse_or<T>(name: &'static str, default: T) -> Result<T, ConfigError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    process_env().parse_or(name, default)
}

/// Development mode (`APP_ENV`, or the seed's `NODE_ENV`, set to `development`): error answers
/// carry internal detail. Anything else, or unset, is production. Read once per environment.
pub fn is_development() -> bool {
    static DEVELOPMENT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DEVELOPMENT.get_or_init(|| {
        optional("APP_ENV")
            .or_else(|| optional("NODE_ENV"))
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("development"))
    })
}

/// How long a request waits for a dependency before answering 503. Kept short: a Lambda
/// that hangs on a dead database burns its whole timeout and the client's patience.
pub fn dependency_timeout() -> Result<Duration, ConfigError> {
    Ok(Duration::from_millis(parse_or("DEPENDENCY_TIMEOUT_MS", 2000u64)?))
}

#[derive(Debug, Clone)]
pub struct PostgresConfig {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    pub password: Option<String>,
    pub pool_size: usize,
    pub timeout: Duration,
}

impl PostgresConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            host: or_default("PG_HOST", "127.0.0.1"),
            port: parse_or("PG_PORT", 5432)?,
            database: or_default("PG_DATABASE", "postgres"),
            user: or_default("PG_USER", "postgres"),
            password: optional("PG_PASSWORD"),
            // One Lambda environment serves one request at a time: a small pool is enough.
            pool_size: parse_or("PG_POOL_SIZE", 2)?,
            timeout: dependency_timeout()?,
        })
    }
}

#[derive(Debug, Clone)]
pub struct MongoConfig {
    pub uri: String,
    pub database: String,
    pub timeout: Duration,
}

impl MongoConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            uri: required("MONGO_URI")?,
            database: or_default("MONGO_DATABASE", "sessions"),
            timeout: dependency_timeout()?,
        })
    }
}

#[derive(Clone)]
pub struct JwtConfig {
    pub secret: String,
    pub issuer: String,
    pub audience: String,
    pub ttl: Duration,
}

impl std::fmt::Debug for JwtConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtConfig")
            .field("secret", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("ttl", &self.ttl)
            .finish()
    }
}

impl JwtConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        let secret = required("JWT_SECRET")?;
        if secret.len() < 32 {
            return Err(ConfigError::Invalid {
                name: "JWT_SECRET",
                reason: "must be at least 32 bytes for HS256".into(),
            });
        }
        Ok(Self {
            secret,
            issuer: or_default("JWT_ISSUER", "rust-lambda"),
            audience: or_default("JWT_AUDIENCE", "rust-lambda-api"),
            ttl: Duration::from_secs(parse_or("JWT_TTL_SECONDS", 3600u64)?),
        })
    }
}

/// Logical queue names mapped to their URLs. Events and the outbox store the logical name,
/// so an outbox row written before a redeploy still reaches the right queue.
#[derive(Debug, Clone)]
pub struct QueueConfig {
    pub auth_events_url: Option<String>,
    pub user_events_url: Option<String>,
    /// Optional: the session service publishes its events only when this queue is configured.
    pub session_events_url: Option<String>,
}

pub const AUTH_EVENTS: &str = "auth-events";
pub const USER_EVENTS: &str = "user-events";
pub const SESSION_EVENTS: &str = "session-events";

impl QueueConfig {
    pub fn from_env() -> Self {
        Self {
            auth_events_url: optional("AUTH_EVENTS_QUEUE_URL"),
            user_events_url: optional("USER_EVENTS_QUEUE_URL"),
            session_events_url: optional("SESSION_EVENTS_QUEUE_URL"),
        }
    }

    pub fn url_of(&self, queue: &str) -> Option<&str> {
        match queue {
            AUTH_EVENTS => self.auth_events_url.as_deref(),
            USER_EVENTS => self.user_events_url.as_deref(),
            SESSION_EVENTS => self.session_events_url.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_resolve_only_when_configured() {
        let q = QueueConfig {
            auth_events_url: Some("http://q/auth".into()),
            user_events_url: None,
            session_events_url: None,
        };
        assert_eq!(q.url_of(AUTH_EVENTS), Some("http://q/auth"));
        assert_eq!(q.url_of(USER_EVENTS), None);
        assert_eq!(q.url_of("other"), None);
    }

    #[test]
    fn jwt_config_debug_redacts_secret() {
        let c =
            JwtConfig { secret: "s".repeat(40), issuer: "i".into(), audience: "a".into(), ttl: Duration::from_secs(1) };
        assert!(!format!("{c:?}").contains("sssss"));
    }
}
