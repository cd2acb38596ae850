//! Tokens, password hashing and introspection clients of the auth service.

use super::{ConfigError, Env};
use crate::domain::auth::{
    DEFAULT_PBKDF2_ITERATIONS, IntrospectionClients, MIN_PBKDF2_ITERATIONS, PasswordHasher, TokenSettings,
};
use secrecy::ExposeSecret;
use std::time::Duration;

/// `JWT_SECRET` (at least 32 bytes for HS256), `JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_TTL_SECONDS`.
pub fn token_settings(env: &Env) -> Result<TokenSettings, ConfigError> {
    let secret = env.secret("JWT_SECRET")?;
    if secret.expose_secret().len() < 32 {
        return Err(ConfigError::Invalid { name: "JWT_SECRET", reason: "must be at least 32 bytes for HS256".into() });
    }
    Ok(TokenSettings {
        secret,
        issuer: env.or_default("JWT_ISSUER", "rust-lambda"),
        audience: env.or_default("JWT_AUDIENCE", "rust-lambda-api"),
        ttl: env.duration_secs("JWT_TTL_SECONDS", 3600)?,
    })
}

/// `PBKDF2_ITERATIONS` for new hashes (older ones are upgraded at the next login).
pub fn password_hasher(env: &Env) -> Result<PasswordHasher, ConfigError> {
    PasswordHasher::new(env.parse_or("PBKDF2_ITERATIONS", DEFAULT_PBKDF2_ITERATIONS)?).ok_or_else(|| {
        ConfigError::Invalid { name: "PBKDF2_ITERATIONS", reason: format!("must be at least {MIN_PBKDF2_ITERATIONS}") }
    })
}

/// `REFRESH_TOKEN_TTL_SECONDS`: how long a login session's refresh token lives (30 days).
pub fn refresh_ttl(env: &Env) -> Result<Duration, ConfigError> {
    env.duration_secs("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600)
}

/// `INTROSPECTION_CLIENTS`: `id:secret` pairs allowed to call `POST /auth/introspect`.
pub fn introspection_clients(env: &Env) -> Result<IntrospectionClients, ConfigError> {
    IntrospectionClients::parse(&env.secret("INTROSPECTION_CLIENTS")?)
        .map_err(|reason| ConfigError::Invalid { name: "INTROSPECTION_CLIENTS", reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_jwt_secret_is_refused_without_being_echoed() {
        let err = token_settings(&Env::from_pairs([("JWT_SECRET", "short-hunter2")])).unwrap_err().to_string();
        assert!(err.contains("JWT_SECRET") && !err.contains("hunter2"), "{err}");
        let ok = token_settings(&Env::from_pairs([("JWT_SECRET", "k".repeat(32))])).unwrap();
        assert!(!format!("{ok:?}").contains("kkkk"));
    }

    #[test]
    fn introspection_client_errors_do_not_echo_secrets() {
        let err = introspection_clients(&Env::from_pairs([("INTROSPECTION_CLIENTS", "svc:hunter2")])).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
