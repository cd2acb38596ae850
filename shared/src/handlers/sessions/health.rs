//! The session service's health route.

use crate::domain::error::AppError;
use crate::domain::health::HealthCheck;
#[cfg(feature = "openapi")]
use crate::domain::health::HealthReport;
use crate::transport::http::{Body, Request, Response};

/// Session service health
///
/// PostgreSQL, MongoDB and the token store (DynamoDB) the session API's token checks need, each
/// checked with a deadline. The service's `GET /health`, on its own path (`/health` is the tenant
/// data service's).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/sessions/health", tag = "sessions", operation_id = "sessionsHealth",
    responses(
        (status = 200, description = "Every dependency is up (`status` ok)", body = HealthReport),
        (status = 503, description = "A dependency is down or timed out (`status` unavailable, `code` DEPENDENCY_UNAVAILABLE); the report names it", body = HealthReport),
    )))]
pub async fn health(check: &HealthCheck, _req: Request) -> Result<Response<Body>, AppError> {
    Ok(super::super::health::report(check).await)
}
