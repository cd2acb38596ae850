//! The constraints of the chat tables that a request can break, and the API error each one
//! means. The database decides conflicts, so two concurrent requests cannot both win.

use crate::adapters::postgres::{db_error, foreign_key_violation, unique_violation};
use crate::domain::error::{AppError, ErrorCode};

/// A constraint a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Violation<'a> {
    ForeignKey(&'a str),
    Unique(&'a str),
}

/// The API error of a broken constraint; None for a constraint no request should reach.
pub fn constraint_error(violation: Violation<'_>) -> Option<AppError> {
    let (code, message) = match violation {
        // The foreign keys that tie a new row to the user who creates it fail when the token's
        // user has been deleted since the token was issued: the token no longer stands for
        // anyone, so it is refused like any other invalid token, at no extra query.
        Violation::ForeignKey("chat_sessions_user_id_fkey" | "chat_messages_sender_id_fkey") => {
            (ErrorCode::InvalidToken, "the token is invalid")
        }
        Violation::Unique("vendors_session_id_key") => {
            (ErrorCode::VendorExists, "this chat session already has a vendor")
        }
        Violation::Unique("vendors_email_unique") => {
            (ErrorCode::VendorEmailTaken, "a vendor with this email already exists")
        }
        Violation::Unique("sellers_session_id_name_product_key") => {
            (ErrorCode::SellerProductExists, "this seller already lists this product in this session")
        }
        Violation::Unique("users_email_key") => (ErrorCode::EmailTaken, "another account uses this email"),
        _ => return None,
    };
    Some(AppError::new(code, message))
}

/// The error of a write (insert or update) to a chat table.
pub fn write_error(e: tokio_postgres::Error) -> AppError {
    let violation =
        foreign_key_violation(&e).map(Violation::ForeignKey).or(unique_violation(&e).map(Violation::Unique));
    violation.and_then(constraint_error).unwrap_or_else(|| db_error(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_constraint_a_request_can_break_has_its_code() {
        let code = |v| constraint_error(v).map(|e| e.code().as_str());
        assert_eq!(code(Violation::ForeignKey("chat_sessions_user_id_fkey")), Some("INVALID_TOKEN"));
        assert_eq!(code(Violation::ForeignKey("chat_messages_sender_id_fkey")), Some("INVALID_TOKEN"));
        assert_eq!(code(Violation::Unique("vendors_session_id_key")), Some("VENDOR_EXISTS"));
        assert_eq!(code(Violation::Unique("vendors_email_unique")), Some("VENDOR_EMAIL_TAKEN"));
        assert_eq!(code(Violation::Unique("sellers_session_id_name_product_key")), Some("SELLER_PRODUCT_EXISTS"));
        assert_eq!(code(Violation::Unique("users_email_key")), Some("EMAIL_TAKEN"));
        // A message in a session deleted meanwhile is not the caller's token's fault.
        assert_eq!(code(Violation::ForeignKey("chat_messages_session_id_fkey")), None);
        assert_eq!(code(Violation::Unique("")), None);
    }
}
