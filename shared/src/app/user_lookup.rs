//! The user lookup functions: usernames looked up in PostgreSQL's users table, behind the
//! service's single-origin CORS policy.

use crate::adapters::postgres::Postgres;
use crate::config::{ConfigError, Env, PostgresConfig};
use crate::domain::health::HealthCheck;
use crate::domain::user_lookup::UserLookup;
use crate::transport::http::cors::CorsPolicy;
use crate::transport::lambda::HttpApp;

/// What cross-origin pages may call, and the request headers they may send.
const CORS_METHODS: &[&str] = &["GET", "POST"];
const CORS_ALLOW_HEADERS: &str = "content-type, soapaction";

/// `GET`, `POST` and `OPTIONS /user/soap`: the users table, and CORS for the one origin of
/// `SOAP_LOOKUP_ALLOWED_ORIGIN`.
pub async fn lookup() -> Result<HttpApp<UserLookup<Postgres>>, ConfigError> {
    let env = Env::process();
    let origin = crate::config::lookup_allowed_origin(&env)?;
    let cors =
        CorsPolicy::single_origin(&origin, CORS_METHODS, CORS_ALLOW_HEADERS).map_err(|_| ConfigError::Invalid {
            name: "SOAP_LOOKUP_ALLOWED_ORIGIN",
            reason: format!("{origin:?} is not an origin like http://host:port"),
        })?;
    let users = Postgres::new(&PostgresConfig::from_env(&env)?)?;
    Ok(HttpApp::new(UserLookup { users }).with_cors(Some(cors)))
}

/// `GET /user-search/health`: the database.
pub async fn health() -> Result<HealthCheck, ConfigError> {
    let env = Env::process();
    Ok(HealthCheck::new("user-search", crate::config::dependency_timeout(&env)?)
        .with("postgres", Postgres::new(&PostgresConfig::from_env(&env)?)?))
}
