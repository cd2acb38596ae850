//! Messages of a chat session (seed 004): text or media, in the order they were written.
//! Whoever may see the session may read and write its messages; others get SESSION_NOT_FOUND.

use super::{Caller, ChatApi, Page, trimmed, trimmed_opt};
use crate::adapters::postgres::db_error;
use crate::domain::error::ErrorCode;
use crate::domain::error::{AppError, FieldErrors};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::Validate;

/// `text`: text only; `media`: a media URL and type, with an optional caption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatMessageKind))]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    Text,
    Media,
}

impl MessageKind {
    fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Media => "media",
        }
    }
}

/// A message of a chat session.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatMessage))]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub id: Uuid,
    pub session_id: Uuid,
    /// The user who wrote it; null once that account is deleted.
    #[cfg_attr(feature = "openapi", schema(required = true, example = 42))]
    pub sender_id: Option<i64>,
    pub kind: MessageKind,
    /// The text of a text message, or the caption of a media message (absent when it has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, max_length = 4000, example = "Is the spring catalogue ready?")
    )]
    pub text: Option<String>,
    /// Media messages only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(nullable = false, max_length = 2048, example = "https://cdn.example.com/catalogue.png")
    )]
    pub media_url: Option<String>,
    /// Media messages only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false, max_length = 100, example = "image/png"))]
    pub media_type: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When the text was last edited; absent if never.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub edited_at: Option<DateTime<Utc>>,
}

/// The body of `POST /api/v1/messages`.
#[derive(Debug, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatMessageInput))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewMessage {
    /// A chat session the caller may see.
    pub session_id: Uuid,
    pub kind: MessageKind,
    /// Trimmed, then 1-4000 characters: required for a text message, an optional caption of a media message.
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(length(min = 1, max = 4000))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 4000,
            pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$",
            example = "Is the spring catalogue ready?"
        )
    )]
    pub text: Option<String>,
    /// An absolute URL of at most 2048 characters: media messages only (required there).
    #[serde(default, deserialize_with = "super::text_opt")]
    #[validate(url, length(max = 2048))]
    #[cfg_attr(
        feature = "openapi",
        schema(format = "uri", max_length = 2048, example = "https://cdn.example.com/catalogue.png")
    )]
    pub media_url: Option<String>,
    /// An `image/`, `video/` or `audio/` media type: media messages only (required there).
    #[serde(default)]
    #[validate(custom(function = "is_media_type"))]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 100, pattern = r"^(image|video|audio)/[a-z0-9+.\-]+$", example = "image/png")
    )]
    pub media_type: Option<String>,
}

/// The body of `PUT /api/v1/messages/{id}`.
#[derive(Debug, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatMessageEdit))]
#[serde(deny_unknown_fields)]
pub struct EditMessage {
    /// The new text: trimmed, then 1-4000 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 4000))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 4000,
            pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$",
            example = "Is the summer catalogue ready?"
        )
    )]
    pub text: String,
}

fn is_media_type(value: &str) -> Result<(), validator::ValidationError> {
    let ok = value.len() <= 100
        && value.split_once('/').is_some_and(|(top, sub)| {
            matches!(top, "image" | "video" | "audio")
                && !sub.is_empty()
                && sub.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b))
        });
    if ok {
        Ok(())
    } else {
        Err(validator::ValidationError::new("media_type")
            .with_message("must be an image/, video/ or audio/ media type".into()))
    }
}

impl NewMessage {
    /// The rules that depend on `kind`: a text message has text and no media; a media message
    /// has a URL and a type (and may carry a caption).
    pub fn check_shape(&self) -> Result<(), AppError> {
        let mut fields = FieldErrors::new();
        let mut complain =
            |field: &str, message: &str| fields.entry(field.to_string()).or_default().push(message.to_string());
        match self.kind {
            MessageKind::Text => {
                if self.text.is_none() {
                    complain("text", "is required for a text message");
                }
                if self.media_url.is_some() {
                    complain("mediaUrl", "is not allowed for a text message");
                }
                if self.media_type.is_some() {
                    complain("mediaType", "is not allowed for a text message");
                }
            }
            MessageKind::Media => {
                if self.media_url.is_none() {
                    complain("mediaUrl", "is required for a media message");
                }
                if self.media_type.is_none() {
                    complain("mediaType", "is required for a media message");
                }
            }
        }
        if fields.is_empty() {
            Ok(())
        } else {
            let names = fields.keys().cloned().collect::<Vec<_>>().join(", ");
            Err(AppError::Invalid { message: format!("invalid fields: {names}"), fields })
        }
    }
}

const COLUMNS: &str = "id, session_id, sender_id, seq, kind, body, media_url, media_type, created_at, edited_at";

fn message(row: &tokio_postgres::Row) -> Message {
    Message {
        id: row.get("id"),
        session_id: row.get("session_id"),
        sender_id: row.get("sender_id"),
        kind: if row.get::<_, String>("kind") == "media" { MessageKind::Media } else { MessageKind::Text },
        text: row.get("body"),
        media_url: row.get("media_url"),
        media_type: row.get("media_type"),
        created_at: row.get("created_at"),
        edited_at: row.get("edited_at"),
    }
}

pub fn message_not_found() -> AppError {
    AppError::new(ErrorCode::MessageNotFound, "no such message")
}

impl ChatApi {
    pub async fn post_message(&self, caller: &Caller, input: &NewMessage) -> Result<Message, AppError> {
        input.check_shape()?;
        self.session(caller, input.session_id).await?;
        let client = self.db.client().await?;
        let row = client
            .query_one(
                &format!(
                    "INSERT INTO chat_messages (id, session_id, sender_id, kind, body, media_url, media_type) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
                ),
                &[
                    &Uuid::now_v7(),
                    &input.session_id,
                    &caller.user_id,
                    &input.kind.as_str(),
                    &input.text,
                    &input.media_url,
                    &input.media_type,
                ],
            )
            .await
            .map_err(super::caller_write_error)?;
        Ok(message(&row))
    }

    /// A session's messages in the order they were written; the cursor is the position of the
    /// last message of the previous page.
    pub async fn messages(
        &self,
        caller: &Caller,
        session_id: Uuid,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<Message>, AppError> {
        self.session(caller, session_id).await?;
        let after = super::position_cursor(cursor)?;
        let client = self.db.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM chat_messages WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
                ),
                &[&session_id, &after, &(limit + 1)],
            )
            .await
            .map_err(db_error)?;
        let more = rows.len() as i64 > limit;
        let rows = &rows[..rows.len().min(limit as usize)];
        let next_cursor = if more { rows.last().map(|r| r.get::<_, i64>("seq").to_string()) } else { None };
        Ok(Page { items: rows.iter().map(message).collect(), next_cursor })
    }

    /// A message whose session the caller may see, or MESSAGE_NOT_FOUND.
    pub async fn message(&self, caller: &Caller, id: Uuid) -> Result<Message, AppError> {
        let client = self.db.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT m.{} , s.user_id AS owner FROM chat_messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.id = $1",
                    COLUMNS.replace(", ", ", m.")
                ),
                &[&id],
            )
            .await
            .map_err(db_error)?;
        row.filter(|r| caller.may_access(r.get("owner"))).as_ref().map(message).ok_or_else(message_not_found)
    }

    /// Edits a text message (its sender or an admin).
    pub async fn edit_message(&self, caller: &Caller, id: Uuid, input: &EditMessage) -> Result<Message, AppError> {
        let current = self.message(caller, id).await?;
        if !caller.admin && current.sender_id != Some(caller.user_id) {
            return Err(AppError::new(ErrorCode::Forbidden, "only the sender or an admin may edit a message"));
        }
        if current.kind != MessageKind::Text {
            return Err(AppError::new(ErrorCode::NotATextMessage, "only text messages can be edited"));
        }
        let client = self.db.client().await?;
        let row = client
            .query_opt(
                &format!("UPDATE chat_messages SET body = $2, edited_at = now() WHERE id = $1 RETURNING {COLUMNS}"),
                &[&id, &input.text],
            )
            .await
            .map_err(db_error)?;
        row.as_ref().map(message).ok_or_else(message_not_found)
    }

    pub async fn delete_message(&self, caller: &Caller, id: Uuid) -> Result<(), AppError> {
        self.message(caller, id).await?;
        let client = self.db.client().await?;
        let n = client.execute("DELETE FROM chat_messages WHERE id = $1", &[&id]).await.map_err(db_error)?;
        if n == 0 { Err(message_not_found()) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(kind: MessageKind, text: Option<&str>, url: Option<&str>, media: Option<&str>) -> NewMessage {
        NewMessage {
            session_id: Uuid::now_v7(),
            kind,
            text: text.map(str::to_string),
            media_url: url.map(str::to_string),
            media_type: media.map(str::to_string),
        }
    }

    #[test]
    fn the_kind_decides_which_fields_belong() {
        assert!(new(MessageKind::Text, Some("hi"), None, None).check_shape().is_ok());
        assert!(
            new(MessageKind::Media, Some("caption"), Some("https://x/y.png"), Some("image/png")).check_shape().is_ok()
        );
        let fields = |m: NewMessage| m.check_shape().unwrap_err().fields().cloned().unwrap_or_default();
        assert_eq!(
            fields(new(MessageKind::Text, None, Some("https://x"), None)).keys().collect::<Vec<_>>(),
            ["mediaUrl", "text"]
        );
        assert_eq!(
            fields(new(MessageKind::Media, None, None, None)).keys().collect::<Vec<_>>(),
            ["mediaType", "mediaUrl"]
        );
    }

    #[test]
    fn media_types_are_media() {
        for ok in ["image/png", "video/mp4", "audio/ogg", "image/svg+xml"] {
            assert!(is_media_type(ok).is_ok(), "{ok}");
        }
        for bad in ["text/html", "image/", "application/pdf", "IMAGE/PNG", "image/png;x=1"] {
            assert!(is_media_type(bad).is_err(), "{bad}");
        }
    }
}
