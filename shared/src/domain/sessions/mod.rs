//! Sessions and last connection (seed 001 §3/§6, seed 000): session documents recorded from
//! login events, and "when did this user last connect", as a timestamp and relative to now.

use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use crate::domain::events::{EventEnvelope, USER_LOGGED_IN, USER_LOGGED_OUT, UserLoggedIn, UserLoggedOut};
use chrono::{DateTime, SecondsFormat, Utc};
use chrono_humanize::HumanTime;
use serde::Serialize;
use std::future::Future;
use uuid::Uuid;

const MAX_USERNAME_LEN: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub user_id: i64,
    pub username: String,
    /// The id of the event that opened the session: the idempotency key.
    pub login_event_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub user_agent: Option<String>,
    pub source_ip: Option<String>,
    pub token_id: Option<String>,
}

impl SessionRecord {
    /// A session opened by a login is identified by its token's `jti` (unique per login), so a
    /// logout naming that token finds it, whichever of the two events arrives first.
    pub fn session_id(&self) -> String {
        self.token_id.clone().unwrap_or_else(|| self.login_event_id.to_string())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LogoutRecord {
    pub session_id: String,
    pub user_id: i64,
    pub username: String,
    pub logout_event_id: Uuid,
    pub ended_at: DateTime<Utc>,
}

/// A session as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// The session's id: the `jti` of the token whose login opened it, or a generated id for
    /// sessions created with `POST /api/sessions`.
    #[cfg_attr(feature = "openapi", schema(example = "0194c3a0-7b1e-7c3d-9f2a-5b6c7d8e9f01"))]
    pub session_id: String,
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub user_id: i64,
    /// Empty when unknown (a logout recorded before its login).
    #[cfg_attr(feature = "openapi", schema(example = "alice"))]
    pub username: String,
    /// `active` or `ended`.
    #[cfg_attr(feature = "openapi", schema(value_type = SessionStatus))]
    pub status: String,
    /// `login` (recorded from a login event) or `api` (created with `POST /api/sessions`).
    #[cfg_attr(feature = "openapi", schema(value_type = SessionOrigin))]
    pub origin: String,
    /// Null for a session whose logout arrived before its login.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub started_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub ended_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_seen_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", schema(required = true, example = "Mozilla/5.0"))]
    pub user_agent: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, example = "203.0.113.7"))]
    pub source_ip: Option<String>,
    /// Free-form client metadata (a JSON object, `{}` when none).
    #[cfg_attr(feature = "openapi", schema(value_type = Object, example = json!({"device": "phone"})))]
    pub metadata: serde_json::Value,
}

/// A session's status: `active` until it is ended (logout, `DELETE /api/sessions/{userId}`).
#[cfg(feature = "openapi")]
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    Active,
    Ended,
}

/// Where a session came from: a login event (`login`) or `POST /api/sessions` (`api`).
#[cfg(feature = "openapi")]
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SessionOrigin {
    Login,
    Api,
}

/// `POST /api/sessions` request body (the body itself is optional).
#[derive(Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    /// A JSON object of at most 4 KiB whose keys are not empty, do not start with `$` and
    /// contain no `.`; null or absent means `{}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>, example = json!({"device": "phone"})))]
    pub metadata: Option<serde_json::Value>,
}

/// `PUT /api/sessions/{userId}` request body.
#[derive(Debug, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateSession {
    /// The session to touch (1 to 64 characters, not blank).
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "0194c3a0-7b1e-7c3d-9f2a-5b6c7d8e9f01",
            min_length = 1,
            max_length = 64,
            pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
        )
    )]
    pub session_id: String,
    /// Merged key by key into the session's metadata: a JSON object of at most 4 KiB whose
    /// keys are not empty, do not start with `$` and contain no `.`; null or absent changes nothing.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>, example = json!({"device": "tablet"})))]
    pub metadata: Option<serde_json::Value>,
}

/// `GET /api/sessions/{userId}`: the user's sessions, newest first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionList {
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub user_id: i64,
    /// How many sessions are listed (at most `limit`).
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub count: usize,
    pub sessions: Vec<SessionView>,
}

/// `DELETE /api/sessions/{userId}`: how many active sessions were ended.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionsEnded {
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub user_id: i64,
    /// Active sessions ended (1 with `sessionId`; 0 or more without).
    #[cfg_attr(feature = "openapi", schema(example = 1))]
    pub ended: u64,
}

/// `GET /api/sessions/verify`: the bearer token is valid, and whose it is.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TokenVerification {
    /// Always true (an invalid token is a 401).
    pub valid: bool,
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub user_id: i64,
    #[cfg_attr(feature = "openapi", schema(example = "alice"))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::domain::auth::UserRole))]
    pub role: String,
    /// The token's expiry, seconds since the Unix epoch.
    #[cfg_attr(feature = "openapi", schema(example = 1767225600))]
    pub expires_at: i64,
    /// The session the token's login opened; null while it is not recorded yet (it is written
    /// from the login event, asynchronously) or for tokens without one.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub session: Option<SessionView>,
}

/// A session created through `POST /api/sessions`.
#[derive(Debug, Clone)]
pub struct NewApiSession {
    pub session_id: String,
    pub user_id: i64,
    pub username: String,
    pub token_id: String,
    pub user_agent: Option<String>,
    pub source_ip: Option<String>,
    pub metadata: serde_json::Value,
    pub now: DateTime<Utc>,
}

pub trait SessionStore: Send + Sync {
    /// Records the login's session (keyed by its session id). Returns whether anything changed:
    /// a redelivered event returns false and changes nothing. A logout that arrived first
    /// stays in force: the login fills in the details but does not reopen the session.
    fn record_login(&self, session: &SessionRecord) -> impl Future<Output = Result<bool, AppError>> + Send;

    /// Ends the session; creates it ended when the login has not arrived yet (out of order).
    fn record_logout(&self, logout: &LogoutRecord) -> impl Future<Output = Result<bool, AppError>> + Send;

    fn last_connection(&self, user_id: i64) -> impl Future<Output = Result<Option<DateTime<Utc>>, AppError>> + Send;

    fn create(&self, session: &NewApiSession) -> impl Future<Output = Result<SessionView, AppError>> + Send;

    fn list(&self, user_id: i64, limit: i64) -> impl Future<Output = Result<Vec<SessionView>, AppError>> + Send;

    /// Touches `lastSeenAt` and merges `metadata` into the session's; None when not found.
    fn touch(
        &self,
        user_id: i64,
        session_id: &str,
        metadata: Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> impl Future<Output = Result<Option<SessionView>, AppError>> + Send;

    /// Ends one (or, without `session_id`, every) active session of the user; returns how many.
    fn end(&self, user_id: i64, session_id: Option<&str>) -> impl Future<Output = Result<u64, AppError>> + Send;

    fn find_by_token(&self, token_id: &str) -> impl Future<Output = Result<Option<SessionView>, AppError>> + Send;
}

pub trait UserDirectory: Send + Sync {
    fn user_id_by_username(&self, username: &str) -> impl Future<Output = Result<Option<i64>, AppError>> + Send;
}

#[derive(Debug, PartialEq, Eq)]
pub enum EventOutcome {
    Recorded,
    Duplicate,
    /// An event type this consumer does not act on: acknowledged, not retried.
    Ignored,
}

/// Applies one `auth-events` event. An error means "retry this message"; a message that can
/// never succeed (bad data) also errors, and the queue's redrive policy moves it to the DLQ.
pub async fn apply_auth_event<S: SessionStore>(store: &S, event: &EventEnvelope) -> Result<EventOutcome, AppError> {
    match event.event_type.as_str() {
        USER_LOGGED_IN => {
            let data: UserLoggedIn = event
                .data_as()
                .map_err(|e| AppError::new(ErrorCode::InvalidEvent, format!("UserLoggedIn data: {e}")))?;
            let session = SessionRecord {
                user_id: data.user_id,
                username: data.username,
                login_event_id: event.id,
                started_at: event.occurred_at,
                user_agent: data.user_agent,
                source_ip: data.source_ip,
                token_id: data.token_id,
            };
            Ok(if store.record_login(&session).await? { EventOutcome::Recorded } else { EventOutcome::Duplicate })
        }
        USER_LOGGED_OUT => {
            let data: UserLoggedOut = event
                .data_as()
                .map_err(|e| AppError::new(ErrorCode::InvalidEvent, format!("UserLoggedOut data: {e}")))?;
            let logout = LogoutRecord {
                session_id: data.token_id,
                user_id: data.user_id,
                username: data.username,
                logout_event_id: event.id,
                ended_at: event.occurred_at,
            };
            Ok(if store.record_logout(&logout).await? { EventOutcome::Recorded } else { EventOutcome::Duplicate })
        }
        _ => Ok(EventOutcome::Ignored),
    }
}

/// `GET /last-connection`: when the user last logged in.
#[derive(Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LastConnection {
    /// The username as asked (trimmed).
    #[cfg_attr(feature = "openapi", schema(example = "alice"))]
    pub username: String,
    /// ISO 8601, UTC, in milliseconds.
    #[cfg_attr(feature = "openapi", schema(format = DateTime, example = "2025-01-31T09:15:00.000Z"))]
    pub last_connection: String,
    /// Human-friendly, relative to now ("5 minutes ago"), as `moment().fromNow()` did in the seed.
    #[cfg_attr(feature = "openapi", schema(example = "5 minutes ago"))]
    pub relative: String,
}

pub fn validate_username(raw: Option<&str>) -> Result<&str, AppError> {
    let username = raw.map(str::trim).unwrap_or_default();
    if username.is_empty() {
        return Err(AppError::new(ErrorCode::MissingUsername, "query parameter 'username' is required"));
    }
    if username.chars().count() > MAX_USERNAME_LEN || username.chars().any(char::is_control) {
        return Err(AppError::new(ErrorCode::InvalidUsername, "username is malformed"));
    }
    Ok(username)
}

pub fn relative_to(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    // Clock skew between writers must not turn a just-finished login into "in a few seconds".
    let delta = (at - now).min(chrono::Duration::zero());
    // HumanTime's Display says "now" for the last few seconds and "5 minutes ago" after, as
    // moment's fromNow() does; `to_text_en(.., Tense::Past)` would say "now ago".
    HumanTime::from(delta).to_string()
}

/// Who may see or change a user's sessions: the user, or an admin.
pub fn authorize(caller_id: i64, caller_role: &str, owner_id: i64) -> Result<(), AppError> {
    if caller_id == owner_id || caller_role == "admin" {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::Forbidden, "you may only access your own sessions"))
    }
}

pub fn parse_user_id(raw: Option<&str>) -> Result<i64, AppError> {
    raw.and_then(|r| r.trim().parse::<i64>().ok())
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::new(ErrorCode::InvalidUserId, "userId must be a positive integer"))
}

const MAX_METADATA_BYTES: usize = 4 * 1024;

/// Session metadata: a JSON object of at most 4 KiB.
pub fn validate_metadata(
    value: Option<serde_json::Value>,
) -> Result<serde_json::Map<String, serde_json::Value>, AppError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(serde_json::Map::new()),
        Some(serde_json::Value::Object(map)) => {
            let size = serde_json::to_vec(&map).map(|v| v.len()).unwrap_or(usize::MAX);
            if size > MAX_METADATA_BYTES {
                return Err(AppError::new(
                    ErrorCode::ValidationFailed,
                    format!("metadata is limited to {MAX_METADATA_BYTES} bytes"),
                ));
            }
            if map.keys().any(|k| k.starts_with('$') || k.contains('.') || k.is_empty()) {
                return Err(AppError::new(
                    ErrorCode::ValidationFailed,
                    "metadata keys may not be empty, start with '$' or contain '.'",
                ));
            }
            // A BSON key is a C string: MongoDB cannot store one with NUL, at any depth.
            if map.iter().any(|(k, v)| k.contains('\0') || key_with_nul(v)) {
                return Err(AppError::new(
                    ErrorCode::ValidationFailed,
                    "metadata keys may not contain the NUL character (\\u0000)",
                ));
            }
            Ok(map)
        }
        Some(_) => Err(AppError::new(ErrorCode::ValidationFailed, "metadata must be a JSON object")),
    }
}

fn key_with_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || key_with_nul(v)),
        serde_json::Value::Array(items) => items.iter().any(key_with_nul),
        _ => false,
    }
}

pub async fn last_connection<D: UserDirectory, S: SessionStore>(
    users: &D,
    sessions: &S,
    username: &str,
    now: DateTime<Utc>,
) -> Result<LastConnection, AppError> {
    let Some(user_id) = users.user_id_by_username(username).await? else {
        return Err(AppError::new(ErrorCode::UserNotFound, "no such user"));
    };
    let Some(at) = sessions.last_connection(user_id).await? else {
        return Err(AppError::new(ErrorCode::NoConnection, "the user has never connected"));
    };
    Ok(LastConnection {
        username: username.to_string(),
        last_connection: at.to_rfc3339_opts(SecondsFormat::Millis, true),
        relative: relative_to(at, now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct MemorySessions(Mutex<Vec<SessionRecord>>);

    impl SessionStore for MemorySessions {
        async fn record_login(&self, s: &SessionRecord) -> Result<bool, AppError> {
            let mut all = self.0.lock().unwrap();
            if all.iter().any(|x| x.login_event_id == s.login_event_id) {
                return Ok(false);
            }
            all.push(s.clone());
            Ok(true)
        }
        async fn last_connection(&self, user_id: i64) -> Result<Option<DateTime<Utc>>, AppError> {
            Ok(self.0.lock().unwrap().iter().filter(|s| s.user_id == user_id).map(|s| s.started_at).max())
        }
        async fn record_logout(&self, _l: &LogoutRecord) -> Result<bool, AppError> {
            Ok(true)
        }
        async fn create(&self, _s: &NewApiSession) -> Result<SessionView, AppError> {
            Err(AppError::internal("not used"))
        }
        async fn list(&self, _u: i64, _l: i64) -> Result<Vec<SessionView>, AppError> {
            Ok(vec![])
        }
        async fn touch(
            &self,
            _u: i64,
            _s: &str,
            _m: Option<&serde_json::Map<String, serde_json::Value>>,
        ) -> Result<Option<SessionView>, AppError> {
            Ok(None)
        }
        async fn end(&self, _u: i64, _s: Option<&str>) -> Result<u64, AppError> {
            Ok(0)
        }
        async fn find_by_token(&self, _t: &str) -> Result<Option<SessionView>, AppError> {
            Ok(None)
        }
    }

    struct Users;
    impl UserDirectory for Users {
        async fn user_id_by_username(&self, username: &str) -> Result<Option<i64>, AppError> {
            Ok((username == "alice").then_some(1))
        }
    }

    fn login_event(user_id: i64) -> EventEnvelope {
        EventEnvelope::new(
            USER_LOGGED_IN,
            "test",
            UserLoggedIn { user_id, username: "alice".into(), user_agent: None, source_ip: None, token_id: None },
        )
        .unwrap()
    }

    #[tokio::test]
    async fn redelivered_login_event_changes_nothing() {
        let store = MemorySessions::default();
        let e = login_event(1);
        assert_eq!(apply_auth_event(&store, &e).await.unwrap(), EventOutcome::Recorded);
        assert_eq!(apply_auth_event(&store, &e).await.unwrap(), EventOutcome::Duplicate);
        assert_eq!(store.0.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn unknown_event_types_are_ignored_and_bad_data_is_an_error() {
        let store = MemorySessions::default();
        let mut e = login_event(1);
        e.event_type = "SomethingElse".into();
        assert_eq!(apply_auth_event(&store, &e).await.unwrap(), EventOutcome::Ignored);
        let mut bad = login_event(1);
        bad.data = serde_json::json!({"userId": "not a number"});
        assert_eq!(apply_auth_event(&store, &bad).await.unwrap_err().code(), "INVALID_EVENT");
    }

    #[tokio::test]
    async fn last_connection_is_latest_and_relative() {
        let store = MemorySessions::default();
        let mut e = login_event(1);
        let now = Utc::now();
        e.occurred_at = now - chrono::Duration::minutes(5);
        apply_auth_event(&store, &e).await.unwrap();
        let mut older = login_event(1);
        older.occurred_at = now - chrono::Duration::days(3);
        apply_auth_event(&store, &older).await.unwrap();
        let lc = last_connection(&Users, &store, "alice", now).await.unwrap();
        assert_eq!(lc.relative, "5 minutes ago");
        assert!(lc.last_connection.ends_with('Z'));
        assert_eq!(DateTime::parse_from_rfc3339(&lc.last_connection).unwrap().timestamp(), e.occurred_at.timestamp());
    }

    #[tokio::test]
    async fn unknown_user_and_never_connected_are_distinct_404s() {
        let store = MemorySessions::default();
        let now = Utc::now();
        assert_eq!(last_connection(&Users, &store, "bob", now).await.unwrap_err().code(), "USER_NOT_FOUND");
        assert_eq!(last_connection(&Users, &store, "alice", now).await.unwrap_err().code(), "NO_CONNECTION");
    }

    #[test]
    fn only_owners_and_admins_reach_sessions() {
        assert!(authorize(1, "user", 1).is_ok());
        assert!(authorize(2, "admin", 1).is_ok());
        assert_eq!(authorize(2, "user", 1).unwrap_err().status(), 403);
    }

    #[test]
    fn user_ids_and_metadata_are_validated() {
        assert_eq!(parse_user_id(Some("42")).unwrap(), 42);
        for bad in [None, Some("0"), Some("-1"), Some("abc"), Some("1; DROP TABLE users")] {
            assert_eq!(parse_user_id(bad).unwrap_err().code(), "INVALID_USER_ID");
        }
        assert!(validate_metadata(Some(serde_json::json!({"device": "phone"}))).is_ok());
        assert!(validate_metadata(None).unwrap().is_empty());
        assert!(validate_metadata(Some(serde_json::json!([1]))).is_err());
        assert!(validate_metadata(Some(serde_json::json!({"$where": "1"}))).is_err());
        assert!(validate_metadata(Some(serde_json::json!({"a.b": 1}))).is_err());
        assert!(validate_metadata(Some(serde_json::json!({"big": "x".repeat(5000)}))).is_err());
        // NUL in a key reached MongoDB and came back as a 500 (found by localstack/api-schema.sh).
        for nul in [serde_json::json!({"a\u{0}b": 1}), serde_json::json!({"a": {"b": [{"c\u{0}": 1}]}})] {
            assert_eq!(validate_metadata(Some(nul)).unwrap_err().code(), "VALIDATION_FAILED");
        }
        assert!(validate_metadata(Some(serde_json::json!({"a": "text with \u{0} is stored as it is"}))).is_ok());
    }

    #[test]
    fn username_query_is_validated() {
        assert_eq!(validate_username(None).unwrap_err().code(), "MISSING_USERNAME");
        assert_eq!(validate_username(Some("  ")).unwrap_err().code(), "MISSING_USERNAME");
        assert_eq!(validate_username(Some(&"a".repeat(65))).unwrap_err().code(), "INVALID_USERNAME");
        assert_eq!(validate_username(Some("a\u{0}b")).unwrap_err().code(), "INVALID_USERNAME");
        assert_eq!(validate_username(Some(" alice ")).unwrap(), "alice");
    }

    #[test]
    fn relative_times_read_like_moment() {
        let now = Utc::now();
        let ago = |secs: i64| relative_to(now - chrono::Duration::seconds(secs), now);
        assert_eq!(ago(0), "now");
        assert_eq!(ago(2), "now");
        assert_eq!(ago(90), "a minute ago");
        assert_eq!(ago(3 * 3600), "3 hours ago");
        assert_eq!(ago(2 * 86400), "2 days ago");
        // Clock skew: a timestamp slightly in the future reads as now.
        assert_eq!(relative_to(now + chrono::Duration::seconds(3), now), "now");
    }
}

/// What the session API functions share: token checking (same tokens and revocation as
/// identity) and the session store.
#[cfg(all(
    feature = "http",
    feature = "identity",
    feature = "postgres",
    feature = "dynamodb",
    feature = "mongo",
    feature = "sqs"
))]
pub mod api {
    use crate::adapters::{aws::sdk_config, dynamodb::DynamoTokens, mongo::Mongo, postgres::Postgres, sqs::Sqs};
    use crate::config::{QueueConfig, SESSION_EVENTS, dependency_timeout};
    use crate::domain::auth::{Claims, Identity};
    use crate::domain::error::AppError;
    use crate::domain::events::EventEnvelope;
    use crate::domain::outbox::{OutboxEntry, OutboxStore, deliver_committed};
    use crate::transport::http::{self, Request, RequestExt};
    use std::future::Future;

    pub struct SessionApi {
        pub identity: Identity<Postgres, DynamoTokens>,
        pub sessions: Mongo,
        queue: Sqs,
        publish_events: bool,
    }

    pub struct Caller {
        pub claims: Claims,
        pub user_id: i64,
    }

    impl SessionApi {
        pub async fn from_env() -> Result<Self, http::Error> {
            let sdk = sdk_config(dependency_timeout()?).await;
            let queues = QueueConfig::from_env();
            let publish_events = queues.url_of(SESSION_EVENTS).is_some();
            Ok(Self {
                identity: Identity::from_env(&sdk)?,
                sessions: Mongo::from_env().await?,
                queue: Sqs::new(&sdk, queues),
                publish_events,
            })
        }

        /// Runs `change` (a MongoDB write) and announces it on `session-events` (seed 001 §3:
        /// "publishes and consumes events … queues configurable"; off when no queue is set).
        /// The event is put in the PostgreSQL outbox *before* the change — MongoDB and
        /// PostgreSQL share no transaction — and discarded if the change fails or `announce`
        /// says there is nothing to tell; so an accepted change is never left unannounced.
        pub async fn with_event<T, F, Fut>(
            &self,
            event: EventEnvelope,
            change: F,
            announce: impl Fn(&T) -> bool,
        ) -> Result<T, AppError>
        where
            F: FnOnce() -> Fut,
            Fut: Future<Output = Result<T, AppError>>,
        {
            if !self.publish_events {
                return change().await;
            }
            let db = &self.identity.users;
            db.enqueue(SESSION_EVENTS, &event).await?;
            let id = event.id;
            match change().await {
                Ok(value) if announce(&value) => {
                    deliver_committed(db, &self.queue, OutboxEntry { queue: SESSION_EVENTS.into(), event }).await;
                    Ok(value)
                }
                outcome => {
                    if let Err(e) = db.mark_delivered(id).await {
                        tracing::warn!(event_id = %id, error = %e, "could not discard an unneeded session event");
                    }
                    outcome
                }
            }
        }

        pub async fn caller(&self, req: &Request) -> Result<Caller, AppError> {
            let claims = self.identity.authenticate(http::header_str(req, "authorization")).await?;
            let user_id = claims
                .sub
                .parse()
                .map_err(|_| AppError::new(crate::domain::error::ErrorCode::InvalidToken, "the token is invalid"))?;
            Ok(Caller { claims, user_id })
        }

        /// The `{userId}` of the path, checked against the caller (owner or admin).
        pub async fn authorized_owner(&self, req: &Request) -> Result<(Caller, i64), AppError> {
            let owner = super::parse_user_id(req.path_parameters_ref().and_then(|p| p.first("userId")))?;
            let caller = self.caller(req).await?;
            super::authorize(caller.user_id, &caller.claims.role, owner)?;
            Ok((caller, owner))
        }
    }
}
