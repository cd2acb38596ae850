//! Chat sessions: titled conversations, each owned by one user. Messages, the vendor and the
//! sellers belong to a session, and whoever may see the session may see them.

use super::text::trimmed;
use crate::domain::error::{AppError, ErrorCode, FieldErrors};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::Validate;

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

pub fn session_not_found() -> AppError {
    AppError::new(ErrorCode::SessionNotFound, "no such chat session")
}

/// The `sessionId` of a vendor's or seller's body: required to create, refused on update (what
/// belongs to a session stays with it).
pub fn session_of(session_id: Option<Uuid>, creating: bool) -> Result<Option<Uuid>, AppError> {
    let problem = match (session_id, creating) {
        (None, true) => "is required",
        (Some(_), false) => "cannot be changed",
        _ => return Ok(session_id),
    };
    let fields = FieldErrors::from([("sessionId".to_string(), vec![problem.to_string()])]);
    Err(AppError::Invalid { message: "invalid fields: sessionId".into(), fields })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_id_is_required_to_create_and_refused_on_update() {
        let id = Uuid::now_v7();
        assert_eq!(session_of(Some(id), true).unwrap(), Some(id));
        assert_eq!(session_of(None, false).unwrap(), None);
        for (given, creating) in [(None, true), (Some(id), false)] {
            let err = session_of(given, creating).unwrap_err();
            assert!(err.fields().is_some_and(|f| f.contains_key("sessionId")), "{err:?}");
        }
    }
}
