//! The `api-docs` function: Swagger UI over the OpenAPI document of every route.

use crate::config::ConfigError;
use crate::transport::apidocs::ApiDocs;

/// Generated from the code by `transport::openapi` (`cargo run -p local-cloud -- generate`);
/// `tests/tests/api_docs.rs` keeps it current. Compiled in: serving it costs nothing at start-up.
const DOCUMENT: &str = include_str!("../../../docs/openapi.json");

/// `GET /api/auth/api-docs`, `/api/auth/api-docs/openapi.json`, `/api/auth/api-docs/{file}`.
pub async fn api_docs() -> Result<ApiDocs, ConfigError> {
    Ok(ApiDocs::new(DOCUMENT))
}
