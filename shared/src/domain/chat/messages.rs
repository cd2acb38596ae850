//! Messages of a chat session: text or media, in the order they were written. Whoever may see
//! the session may read and write its messages; only the sender or an admin may edit one.

use super::text::{text_opt, trimmed, trimmed_opt};
use crate::domain::error::{AppError, ErrorCode, FieldErrors};
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
    /// How the kind is stored.
    pub fn as_str(self) -> &'static str {
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
    #[serde(default, deserialize_with = "text_opt")]
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

pub fn message_not_found() -> AppError {
    AppError::new(ErrorCode::MessageNotFound, "no such message")
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
