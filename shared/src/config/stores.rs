//! Where the data lives: PostgreSQL, MongoDB, the event queues, DynamoDB tables, and how long a
//! request waits for any of them.

use super::{ConfigError, Env, SecretString};
use crate::domain::events::{AUTH_EVENTS, SESSION_EVENTS, USER_EVENTS};
use std::time::Duration;

/// How long a request waits for a dependency before answering 503 (`DEPENDENCY_TIMEOUT_MS`).
/// Kept short: a Lambda that hangs on a dead database burns its whole timeout and the client's
/// patience.
pub fn dependency_timeout(env: &Env) -> Result<Duration, ConfigError> {
    env.duration_ms("DEPENDENCY_TIMEOUT_MS", 2000)
}

/// A DynamoDB table's name from its variable (`TOKENS_TABLE`, `TENANT_CACHE_TABLE`).
pub fn table_name(env: &Env, variable: &'static str) -> Result<String, ConfigError> {
    env.required(variable)
}

#[derive(Debug, Clone)]
pub struct PostgresConfig {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    pub password: Option<SecretString>,
    pub pool_size: usize,
    pub timeout: Duration,
}

impl PostgresConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            host: env.or_default("PG_HOST", "127.0.0.1"),
            port: env.parse_or("PG_PORT", 5432)?,
            database: env.or_default("PG_DATABASE", "postgres"),
            user: env.or_default("PG_USER", "postgres"),
            password: env.optional_secret("PG_PASSWORD"),
            // One Lambda environment serves one request at a time: a small pool is enough.
            pool_size: env.parse_or("PG_POOL_SIZE", 2)?,
            timeout: dependency_timeout(env)?,
        })
    }
}

#[derive(Debug, Clone)]
pub struct MongoConfig {
    /// May carry credentials: a secret.
    pub uri: SecretString,
    pub database: String,
    pub timeout: Duration,
}

impl MongoConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            uri: env.secret("MONGO_URI")?,
            database: env.or_default("MONGO_DATABASE", "sessions"),
            timeout: dependency_timeout(env)?,
        })
    }
}

/// Logical queue names mapped to their URLs. Events and the outbox store the logical name, so
/// an outbox row written before a redeploy still reaches the right queue.
#[derive(Debug, Clone, Default)]
pub struct QueueConfig {
    pub auth_events_url: Option<String>,
    pub user_events_url: Option<String>,
    /// Optional: the session service publishes its events only when this queue is configured.
    pub session_events_url: Option<String>,
}

impl QueueConfig {
    pub fn from_env(env: &Env) -> Self {
        Self {
            auth_events_url: env.optional("AUTH_EVENTS_QUEUE_URL"),
            user_events_url: env.optional("USER_EVENTS_QUEUE_URL"),
            session_events_url: env.optional("SESSION_EVENTS_QUEUE_URL"),
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
        let q = QueueConfig { auth_events_url: Some("http://q/auth".into()), ..Default::default() };
        assert_eq!(q.url_of(AUTH_EVENTS), Some("http://q/auth"));
        assert_eq!(q.url_of(USER_EVENTS), None);
        assert_eq!(q.url_of("other"), None);
    }

    #[test]
    fn database_settings_keep_their_secrets_out_of_debug() {
        let env = Env::from_pairs([("PG_PASSWORD", "pg-hunter2"), ("MONGO_URI", "mongodb://u:mongo-hunter2@h/")]);
        let pg = format!("{:?}", PostgresConfig::from_env(&env).unwrap());
        let mongo = format!("{:?}", MongoConfig::from_env(&env).unwrap());
        assert!(!pg.contains("hunter2") && !mongo.contains("hunter2"), "{pg} {mongo}");
    }
}
