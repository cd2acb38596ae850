//! The vendor of a chat session (one per session). The store's unique rules decide conflicts
//! (409 VENDOR_EXISTS, VENDOR_EMAIL_TAKEN), so two concurrent requests cannot both win.

use super::text::{trimmed, trimmed_opt};
use crate::domain::error::{AppError, ErrorCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::Validate;

/// The vendor of a chat session (one per session).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatVendor))]
#[serde(rename_all = "camelCase")]
pub struct Vendor {
    pub id: Uuid,
    /// The chat session the vendor belongs to.
    pub session_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200, example = "Acme Wholesale"))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(required = true, max_length = 254, example = "sales@acme.example"))]
    pub email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, max_length = 32, example = "+49 30 1234567"))]
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The body of `POST` (with `sessionId`) and `PUT` (without: a vendor stays with its session).
#[derive(Debug, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatVendorInput))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VendorInput {
    /// The chat session (required to create; cannot be changed).
    #[serde(default)]
    pub session_id: Option<Uuid>,
    /// Trimmed, then 1-200 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 200))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$",
            example = "Acme Wholesale"
        )
    )]
    pub name: String,
    /// Trimmed; an email address of at most 254 characters, unique among vendors (whatever the case).
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(email, length(max = 254))]
    #[cfg_attr(feature = "openapi", schema(format = Email, max_length = 254, example = "sales@acme.example"))]
    pub email: Option<String>,
    /// Trimmed; 6-15 digits, which may be separated by spaces, `+`, `-`, `(`, `)` and `.`; at most 32 characters.
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(custom(function = "is_phone"))]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 32, pattern = r"^[ +().\-]*([0-9][ +().\-]*){6,15}$", example = "+49 30 1234567")
    )]
    pub phone: Option<String>,
}

fn is_phone(value: &str) -> Result<(), validator::ValidationError> {
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let ok = value.len() <= 32
        && (6..=15).contains(&digits)
        && value.bytes().all(|b| b.is_ascii_digit() || b" +-().".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(validator::ValidationError::new("phone").with_message("must be a phone number (6-15 digits)".into()))
    }
}

pub fn vendor_not_found() -> AppError {
    AppError::new(ErrorCode::VendorNotFound, "no such vendor")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        for ok in ["+49 30 1234567", "(555) 123-4567", "0123456"] {
            assert!(is_phone(ok).is_ok(), "{ok}");
        }
        for bad in ["12345", "call me", "+1 234 567 890 123 456 7", "555-CALL-NOW"] {
            assert!(is_phone(bad).is_err(), "{bad}");
        }
    }
}
