//! The connected service: a user's last connection, and its health.

use crate::domain::error::AppError;
use crate::domain::health::HealthCheck;
#[cfg(feature = "openapi")]
use crate::domain::health::HealthReport;
#[cfg(feature = "sessions")]
use crate::domain::sessions::{LastConnections, SessionStore, UserDirectory, validate_username};
use crate::transport::http::{Body, Request, Response};
#[cfg(all(feature = "openapi", feature = "sessions"))]
use crate::{domain::sessions::LastConnection, transport::http::ErrorBody};

#[cfg(all(feature = "openapi", feature = "sessions"))]
#[derive(utoipa::OpenApi)]
#[openapi(paths(last_connection, health))]
pub struct Doc;

/// A user's last connection
///
/// When the user last logged in (the latest session recorded from login events), as an ISO 8601
/// timestamp and relative to now ("5 minutes ago"). No credentials. User from PostgreSQL,
/// sessions from MongoDB.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/last-connection", tag = "connected", operation_id = "getLastConnection",
    params(
        ("username" = String, Query, min_length = 1, max_length = 64, example = "alice", pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000-\u001f\u007f-\u009f]*$",
            description = "The username (case-insensitive; trimmed; no control characters)"),
    ),
    responses(
        (status = 200, description = "The last connection", body = LastConnection),
        (status = 400, description = "`username` missing or blank, or malformed (MISSING_USERNAME, INVALID_USERNAME)", body = ErrorBody),
        (status = 404, description = "No such user, or the user never connected (USER_NOT_FOUND, NO_CONNECTION)", body = ErrorBody),
        (status = 500, description = "Internal error (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Database or session store down (DATABASE_UNAVAILABLE, SESSION_STORE_UNAVAILABLE)", body = ErrorBody),
    )))]
#[cfg(feature = "sessions")]
pub async fn last_connection<D: UserDirectory, S: SessionStore>(
    connections: &LastConnections<D, S>,
    req: Request,
) -> Result<Response<Body>, AppError> {
    use crate::transport::http;
    let raw = http::query_param(&req, "username");
    let username = validate_username(raw.as_deref())?;
    let found = connections.of(username, chrono::Utc::now()).await?;
    Ok(http::json(200, &found))
}

/// Connected-users service health
///
/// PostgreSQL and MongoDB, each checked with a deadline: what `GET /last-connection` needs.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/connected/health", tag = "connected", operation_id = "connectedHealth",
    responses(
        (status = 200, description = "Every dependency is up (`status` ok)", body = HealthReport),
        (status = 503, description = "A dependency is down or timed out (`status` unavailable, `code` DEPENDENCY_UNAVAILABLE); the report names it", body = HealthReport),
    )))]
pub async fn health(check: &HealthCheck, _req: Request) -> Result<Response<Body>, AppError> {
    Ok(super::health::report(check).await)
}

#[cfg(all(test, feature = "sessions"))]
mod tests {
    use super::*;
    use crate::adapters::memory::{MemorySessions, MemoryUserDirectory};
    use crate::domain::sessions::{SessionRecord, SessionStore};
    use crate::transport::http::RequestExt;
    use std::collections::HashMap;

    fn request(username: Option<&str>) -> Request {
        let query: HashMap<String, String> =
            username.map(|u| ("username".to_string(), u.to_string())).into_iter().collect();
        lambda_http::http::Request::builder()
            .uri("/last-connection")
            .body(Body::Empty)
            .unwrap()
            .with_query_string_parameters(query)
    }

    #[tokio::test]
    async fn the_last_connection_is_answered_as_json_or_as_a_404() {
        let connections = LastConnections {
            users: MemoryUserDirectory::with([(1, "alice"), (2, "bob")]),
            sessions: MemorySessions::default(),
        };
        let login = SessionRecord {
            user_id: 1,
            username: "alice".into(),
            login_event_id: uuid::Uuid::now_v7(),
            started_at: chrono::Utc::now() - chrono::Duration::hours(3),
            user_agent: None,
            source_ip: None,
            token_id: None,
        };
        connections.sessions.record_login(&login).await.unwrap();
        let resp = last_connection(&connections, request(Some(" alice "))).await.unwrap();
        assert_eq!(resp.status(), 200);
        let body: serde_json::Value = serde_json::from_slice(resp.body()).unwrap();
        assert_eq!((body["username"].as_str(), body["relative"].as_str()), (Some("alice"), Some("3 hours ago")));
        assert_eq!(last_connection(&connections, request(None)).await.unwrap_err().code(), "MISSING_USERNAME");
        assert_eq!(last_connection(&connections, request(Some("bob"))).await.unwrap_err().code(), "NO_CONNECTION");
        assert_eq!(last_connection(&connections, request(Some("carol"))).await.unwrap_err().code(), "USER_NOT_FOUND");
    }
}
