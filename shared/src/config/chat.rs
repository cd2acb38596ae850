//! The chat backend's settings: its rate limit, the one browser origin it answers, and whether
//! its error answers carry internal detail.

use super::{ConfigError, Env};
use crate::domain::chat::RateLimit;

#[derive(Debug, Clone)]
pub struct ChatConfig {
    /// `RATE_LIMIT_MAX` requests (100) per caller per `RATE_LIMIT_WINDOW` milliseconds (15
    /// minutes, counted in whole seconds, at least one).
    pub rate_limit: RateLimit,
    /// `TOKENS_TABLE`: the rate counters live in the token table (`rate#chat#…` items with a TTL).
    pub counter_table: String,
    /// `CORS_ORIGIN`: the one browser origin allowed to call `/api/v1` (unset: none).
    pub cors_origin: Option<String>,
    /// `APP_ENV`/`NODE_ENV=development`: 5xx answers carry their internal detail.
    pub development: bool,
}

impl ChatConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let window_ms: u64 = env.parse_or("RATE_LIMIT_WINDOW", 900_000)?;
        Ok(Self {
            rate_limit: RateLimit {
                max: env.parse_or("RATE_LIMIT_MAX", 100)?,
                window_seconds: (window_ms / 1000).max(1),
            },
            counter_table: super::table_name(env, "TOKENS_TABLE")?,
            cors_origin: env.optional("CORS_ORIGIN"),
            development: super::development(env),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_a_window_in_whole_seconds() {
        let config = ChatConfig::from_env(&Env::from_pairs([("TOKENS_TABLE", "tokens")])).unwrap();
        assert_eq!(config.rate_limit, RateLimit { max: 100, window_seconds: 900 });
        assert_eq!((config.cors_origin, config.development), (None, false));
        let env = Env::from_pairs([
            ("TOKENS_TABLE", "tokens"),
            ("RATE_LIMIT_MAX", "5"),
            ("RATE_LIMIT_WINDOW", "300"),
            ("CORS_ORIGIN", "http://127.0.0.1:8080"),
            ("NODE_ENV", "development"),
        ]);
        let config = ChatConfig::from_env(&env).unwrap();
        assert_eq!(config.rate_limit, RateLimit { max: 5, window_seconds: 1 });
        assert_eq!((config.cors_origin.as_deref(), config.development), (Some("http://127.0.0.1:8080"), true));
    }

    #[test]
    fn errors_name_the_variable() {
        let missing = ChatConfig::from_env(&Env::from_pairs::<&str, &str>([])).unwrap_err();
        assert!(matches!(missing, ConfigError::Missing("TOKENS_TABLE")), "{missing}");
        let bad = ChatConfig::from_env(&Env::from_pairs([("TOKENS_TABLE", "t"), ("RATE_LIMIT_MAX", "lots")]));
        assert!(bad.unwrap_err().to_string().contains("RATE_LIMIT_MAX"));
    }
}
