//! Seed 004's chat backend (`/api/v1/...`): chat sessions owned by users, in PostgreSQL,
//! behind identity's tokens, answered in the seed's envelope. A resource of another user is
//! answered as not found (404), so ids reveal nothing; admins see everything.

use crate::adapters::aws::sdk_config;
use crate::adapters::dynamodb::{DynamoCounter, DynamoTokens};
use crate::adapters::postgres::{Postgres, db_error, foreign_key_violation};
use crate::config::dependency_timeout;
use crate::domain::auth::Identity;
use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use crate::domain::ratelimit::RateLimiter;
use crate::transport::http::cors::CorsPolicy;
use crate::transport::http::{self, Request, RequestExt};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::Validate;

pub mod business;
pub mod messages;
pub mod users;

pub const MAX_BODY_BYTES: usize = 16 * 1024;
const CORS_METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE"];

/// Runs a `/api/v1` function: errors in the seed's envelope, and — with `CORS_ORIGIN` set —
/// preflights answered and answers decorated for that origin only.
pub async fn serve<'a, F, Fut>(api: &'a ChatApi, handler: F) -> Result<(), http::Error>
where
    F: Fn(&'a ChatApi, Request) -> Fut + Send + Sync,
    Fut: std::future::Future<Output = Result<http::Response<http::Body>, AppError>> + Send,
{
    let handler = &handler;
    http::serve_enveloped(move |req| async move {
        match &api.cors {
            Some(cors) => {
                let request_id = http::request_id(&req);
                Ok(cors
                    .handle(req, &request_id, |req| async move { handler(api, req).await.map_err(http::Enveloped) })
                    .await)
            }
            None => handler(api, req).await,
        }
    })
    .await
}
pub const MAX_PAGE_SIZE: i64 = 100;

/// Who is calling, from a verified, unrevoked access token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub admin: bool,
}

impl Caller {
    /// Owners and admins may act on a resource; everyone else is told it does not exist.
    pub fn may_access(&self, owner: i64) -> bool {
        self.admin || self.user_id == owner
    }
}

pub struct ChatApi {
    pub identity: Identity<Postgres, DynamoTokens>,
    pub db: Postgres,
    /// Seed 004's rate limit: `RATE_LIMIT_MAX` requests per caller per `RATE_LIMIT_WINDOW` ms,
    /// counted in the token table (`rate#chat#<user>#<window>` items with a TTL).
    limiter: RateLimiter<DynamoCounter>,
    rate_limit: u64,
    rate_window_seconds: u64,
    /// Seed 004's `CORS_ORIGIN`: the one browser origin allowed to call `/api/v1` (unset: none).
    cors: Option<CorsPolicy>,
}

impl ChatApi {
    pub async fn from_env() -> Result<Self, http::Error> {
        let sdk = sdk_config(dependency_timeout()?).await;
        let identity = Identity::from_env(&sdk)?;
        let window_ms: u64 = crate::config::parse_or("RATE_LIMIT_WINDOW", 900_000u64)?;
        Ok(Self {
            db: identity.users.clone(),
            identity,
            limiter: RateLimiter::new(DynamoCounter::new(&sdk, crate::config::required("TOKENS_TABLE")?)),
            rate_limit: crate::config::parse_or("RATE_LIMIT_MAX", 100u64)?,
            rate_window_seconds: (window_ms / 1000).max(1),
            cors: match crate::config::optional("CORS_ORIGIN") {
                None => None,
                Some(_) => Some(CorsPolicy::from_env("CORS_ORIGIN", CORS_METHODS, "authorization, content-type")?),
            },
        })
    }

    /// The authenticated caller, counted against the rate limit (429 RATE_LIMITED beyond it).
    pub async fn caller(&self, req: &Request) -> Result<Caller, AppError> {
        let claims = self.identity.authenticate(http::header_str(req, "authorization")).await?;
        let user_id: i64 =
            claims.sub.parse().map_err(|_| AppError::new(ErrorCode::InvalidToken, "the token is invalid"))?;
        let scope = format!("chat#{user_id}");
        let now = chrono::Utc::now().timestamp();
        let decision = self.limiter.check(&scope, self.rate_limit, self.rate_window_seconds, now).await;
        decision.into_result(self.rate_limit, self.rate_window_seconds)?;
        Ok(Caller { user_id, admin: claims.role == "admin" })
    }
}

/// The `{id}` path parameter as a UUID.
pub fn path_id(req: &Request, what: &'static str) -> Result<Uuid, AppError> {
    req.path_parameters_ref()
        .and_then(|p| p.first("id"))
        .and_then(|raw| Uuid::parse_str(raw.trim()).ok())
        .ok_or_else(|| AppError::new(ErrorCode::InvalidId, format!("the {what} id must be a UUID")))
}

/// `?limit=` (1-100, default 20) and `?cursor=` (opaque, from the previous page).
pub fn page_params(req: &Request) -> Result<(i64, Option<String>), AppError> {
    Ok((http::page_limit(req, 20, MAX_PAGE_SIZE)?, http::query_param(req, "cursor")))
}

/// `?sessionId=` of the routes that list what belongs to one chat session.
pub fn session_id_param(req: &Request) -> Result<Uuid, AppError> {
    http::query_param(req, "sessionId")
        .and_then(|raw| Uuid::parse_str(raw.trim()).ok())
        .ok_or_else(|| AppError::new(ErrorCode::InvalidSessionId, "sessionId must be a chat session's UUID"))
}

/// The foreign keys that tie a new row to the user who creates it (`chat_sessions.user_id`,
/// `chat_messages.sender_id`).
const CALLER_FOREIGN_KEYS: [&str; 2] = ["chat_sessions_user_id_fkey", "chat_messages_sender_id_fkey"];

/// The error of a write that records the caller's id. Its foreign key fails when the token's
/// user has been deleted since the token was issued: the token no longer stands for anyone, so
/// it is refused like any other invalid token (401 INVALID_TOKEN), at no extra query.
pub(crate) fn caller_write_error(e: tokio_postgres::Error) -> AppError {
    match foreign_key_violation(&e) {
        Some(constraint) if CALLER_FOREIGN_KEYS.contains(&constraint) => {
            AppError::new(ErrorCode::InvalidToken, "the token is invalid")
        }
        _ => db_error(e),
    }
}

/// A cursor that is a position (message sequence, user id): a non-negative integer.
pub(crate) fn position_cursor(cursor: Option<&str>) -> Result<i64, AppError> {
    match cursor {
        None => Ok(0),
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| AppError::new(ErrorCode::InvalidCursor, "cursor is not one this API returned")),
    }
}

/// A chat session: a titled conversation owned by one user.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChatSession {
    #[cfg_attr(feature = "openapi", schema(example = "0191f6b2-7c1e-7a53-8f1e-3b5d2c4a9e10"))]
    pub id: Uuid,
    /// The owner's user id.
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub user_id: i64,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200, example = "Spring catalogue"))]
    pub title: String,
    pub created_at: DateTime<Utc>,
    /// Last rename (equals `createdAt` until then).
    pub updated_at: DateTime<Utc>,
}

/// The body of `POST /api/v1/sessions` and `PUT /api/v1/sessions/{id}`.
#[derive(Debug, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatSessionInput))]
#[serde(deny_unknown_fields)]
pub struct SessionInput {
    /// Trimmed, then 1-200 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 200))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$",
            example = "Spring catalogue"
        )
    )]
    pub title: String,
}

/// Text is trimmed before it is validated, so the rules judge what is stored.
pub(crate) fn trimmed<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    without_nul(String::deserialize(d)?.trim().to_string())
}

pub(crate) fn trimmed_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)?.map(|s| without_nul(s.trim().to_string())).transpose()
}

/// Text stored as it is sent (not trimmed).
pub(crate) fn text_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)?.map(without_nul).transpose()
}

/// PostgreSQL `text` cannot hold NUL (U+0000): a field with one is the client's mistake (400
/// VALIDATION_FAILED naming the field), not a failed query (500).
fn without_nul<E: serde::de::Error>(text: String) -> Result<String, E> {
    if text.contains('\0') { Err(E::custom("must not contain the NUL character (\\u0000)")) } else { Ok(text) }
}

/// One page of a list, in the list's order.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatPage))]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `?cursor=` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub next_cursor: Option<String>,
}

/// What a `DELETE` answers: the id of the resource that is gone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatDeleted))]
pub struct Deleted {
    pub id: Uuid,
}

fn session(row: &tokio_postgres::Row) -> ChatSession {
    ChatSession {
        id: row.get("id"),
        user_id: row.get("user_id"),
        title: row.get("title"),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
    }
}

const SESSION_COLUMNS: &str = "id, user_id, title, created_at, updated_at";

pub fn session_not_found() -> AppError {
    AppError::new(ErrorCode::SessionNotFound, "no such chat session")
}

/// Keyset cursor over (created_at, id): `<micros>_<uuid>`, stable under inserts.
fn encode_cursor(s: &ChatSession) -> String {
    format!("{}_{}", s.created_at.timestamp_micros(), s.id)
}

/// The timestamps a cursor may carry, in microseconds since the epoch: from 1970-01-01 to the
/// end of 9999. Rows are stamped with the database's `now()`, so every cursor this API issues is
/// inside, and so is PostgreSQL's `timestamptz` range: a forged cursor outside it is the
/// client's mistake, not a query the database refuses.
const CURSOR_MICROS: std::ops::RangeInclusive<i64> = 0..=253_402_300_799_999_999;

pub(crate) fn decode_cursor(raw: &str) -> Result<(DateTime<Utc>, Uuid), AppError> {
    let invalid = || AppError::new(ErrorCode::InvalidCursor, "cursor is not one this API returned");
    let (micros, id) = raw.split_once('_').ok_or_else(invalid)?;
    let at = micros
        .parse::<i64>()
        .ok()
        .filter(|m| CURSOR_MICROS.contains(m))
        .and_then(DateTime::from_timestamp_micros)
        .ok_or_else(invalid)?;
    Ok((at, Uuid::parse_str(id).map_err(|_| invalid())?))
}

impl ChatApi {
    pub async fn create_session(&self, caller: &Caller, input: &SessionInput) -> Result<ChatSession, AppError> {
        let client = self.db.client().await?;
        let row = client
            .query_one(
                &format!(
                    "INSERT INTO chat_sessions (id, user_id, title) VALUES ($1, $2, $3) RETURNING {SESSION_COLUMNS}"
                ),
                &[&Uuid::now_v7(), &caller.user_id, &input.title],
            )
            .await
            .map_err(caller_write_error)?;
        Ok(session(&row))
    }

    /// The caller's sessions, newest first; an admin may ask for another user's (`user_id`).
    pub async fn list_sessions(
        &self,
        caller: &Caller,
        user_id: Option<i64>,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<ChatSession>, AppError> {
        let owner = match user_id {
            Some(other) if other != caller.user_id && !caller.admin => {
                return Err(AppError::new(ErrorCode::Forbidden, "only admins may list another user's sessions"));
            }
            Some(other) => other,
            None => caller.user_id,
        };
        let after = cursor.map(decode_cursor).transpose()?;
        let (after_at, after_id) = (after.map(|a| a.0), after.map(|a| a.1));
        let client = self.db.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {SESSION_COLUMNS} FROM chat_sessions WHERE user_id = $1 \
                     AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3)) \
                     ORDER BY created_at DESC, id DESC LIMIT $4"
                ),
                &[&owner, &after_at, &after_id, &(limit + 1)],
            )
            .await
            .map_err(db_error)?;
        let mut items: Vec<ChatSession> = rows.iter().map(session).collect();
        let more = items.len() as i64 > limit;
        items.truncate(limit as usize);
        let next_cursor = if more { items.last().map(encode_cursor) } else { None };
        Ok(Page { items, next_cursor })
    }

    /// A session the caller may see, or SESSION_NOT_FOUND.
    pub async fn session(&self, caller: &Caller, id: Uuid) -> Result<ChatSession, AppError> {
        let client = self.db.client().await?;
        let row = client
            .query_opt(&format!("SELECT {SESSION_COLUMNS} FROM chat_sessions WHERE id = $1"), &[&id])
            .await
            .map_err(db_error)?;
        row.as_ref().map(session).filter(|s| caller.may_access(s.user_id)).ok_or_else(session_not_found)
    }

    pub async fn rename_session(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &SessionInput,
    ) -> Result<ChatSession, AppError> {
        self.session(caller, id).await?;
        let client = self.db.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "UPDATE chat_sessions SET title = $2, updated_at = now() WHERE id = $1 RETURNING {SESSION_COLUMNS}"
                ),
                &[&id, &input.title],
            )
            .await
            .map_err(db_error)?;
        row.as_ref().map(session).ok_or_else(session_not_found)
    }

    /// Deletes a session with its messages, vendor and sellers (ON DELETE CASCADE).
    pub async fn delete_session(&self, caller: &Caller, id: Uuid) -> Result<(), AppError> {
        self.session(caller, id).await?;
        let client = self.db.client().await?;
        let n = client.execute("DELETE FROM chat_sessions WHERE id = $1", &[&id]).await.map_err(db_error)?;
        if n == 0 { Err(session_not_found()) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A NUL reached PostgreSQL and came back as a 500 (found by localstack/api-schema.sh).
    #[test]
    fn text_with_nul_is_a_validation_error_of_its_field() {
        let err =
            crate::transport::http::validation::deserialize::<SessionInput>(br#"{"title": "a\u0000b"}"#).unwrap_err();
        assert_eq!(err.code(), "VALIDATION_FAILED");
        assert!(err.fields().is_some_and(|f| f.contains_key("title")), "{:?}", err.fields());
        let err = crate::transport::http::validation::deserialize::<messages::EditMessage>(br#"{"text": "\u0000"}"#)
            .unwrap_err();
        assert!(err.fields().is_some_and(|f| f.contains_key("text")), "{:?}", err.fields());
        let media = br#"{"sessionId": "0191f6b2-7c1e-7a53-8f1e-3b5d2c4a9e10", "kind": "media",
                          "mediaUrl": "https://cdn.example.com/a\u0000.png", "mediaType": "image/png"}"#;
        let err = crate::transport::http::validation::deserialize::<messages::NewMessage>(media).unwrap_err();
        assert!(err.fields().is_some_and(|f| f.contains_key("mediaUrl")), "{:?}", err.fields());
        let vendor = br#"{"name": "Acme", "email": "a\u0000@acme.example"}"#;
        let err = crate::transport::http::validation::deserialize::<business::VendorInput>(vendor).unwrap_err();
        assert!(err.fields().is_some_and(|f| f.contains_key("email")), "{:?}", err.fields());
        // Everything else is as before.
        let ok =
            crate::transport::http::validation::deserialize::<SessionInput>(br#"{"title": "  Spring catalogue "}"#)
                .unwrap();
        assert_eq!(ok.title, "Spring catalogue");
    }

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let s = ChatSession {
            id: Uuid::now_v7(),
            user_id: 1,
            title: "t".into(),
            created_at: DateTime::from_timestamp_micros(1_795_000_000_123_456).unwrap(),
            updated_at: Utc::now(),
        };
        assert_eq!(decode_cursor(&encode_cursor(&s)).unwrap(), (s.created_at, s.id));
        for bad in ["", "x", "1_", "_", "abc_0191", "1_not-a-uuid"] {
            assert_eq!(decode_cursor(bad).unwrap_err().code(), "INVALID_CURSOR", "{bad}");
        }
    }

    #[test]
    fn cursor_timestamps_stay_between_1970_and_9999() {
        let id = Uuid::now_v7();
        for micros in
            [i64::MIN, -300_000_000_000_000_000, -1, 253_402_300_800_000_000, 8_000_000_000_000_000_000, i64::MAX]
        {
            assert_eq!(decode_cursor(&format!("{micros}_{id}")).unwrap_err().code(), "INVALID_CURSOR", "{micros}");
        }
        assert_eq!(decode_cursor(&format!("0_{id}")).unwrap().0, DateTime::UNIX_EPOCH);
        let last = decode_cursor(&format!("253402300799999999_{id}")).unwrap().0;
        assert_eq!(last.to_rfc3339(), "9999-12-31T23:59:59.999999+00:00");
    }

    #[test]
    fn a_deletion_answers_the_id() {
        let id = Uuid::now_v7();
        assert_eq!(serde_json::to_string(&Deleted { id }).unwrap(), format!(r#"{{"id":"{id}"}}"#));
        let user = users::DeletedUser { id: 42 };
        assert_eq!(serde_json::to_string(&user).unwrap(), r#"{"id":42}"#);
    }

    #[test]
    fn only_owners_and_admins_reach_a_resource() {
        let (alice, admin) = (Caller { user_id: 1, admin: false }, Caller { user_id: 9, admin: true });
        assert!(alice.may_access(1) && !alice.may_access(2));
        assert!(admin.may_access(2));
    }
}
