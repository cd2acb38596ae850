//! Who may see or change a user's sessions: the user, or an admin.

use crate::domain::error::{AppError, ErrorCode};

/// The user (owner) or an admin; anyone else is refused (403).
pub fn authorize(caller_id: i64, caller_role: &str, owner_id: i64) -> Result<(), AppError> {
    if caller_id == owner_id || caller_role == "admin" {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::Forbidden, "you may only access your own sessions"))
    }
}

/// The `{userId}` of a session route: a positive integer (surrounding blanks ignored).
pub fn parse_user_id(raw: Option<&str>) -> Result<i64, AppError> {
    raw.and_then(|r| r.trim().parse::<i64>().ok())
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::new(ErrorCode::InvalidUserId, "userId must be a positive integer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_owners_and_admins_reach_sessions() {
        assert!(authorize(1, "user", 1).is_ok());
        assert!(authorize(2, "admin", 1).is_ok());
        assert_eq!(authorize(2, "user", 1).unwrap_err().status(), 403);
    }

    #[test]
    fn user_ids_are_positive_integers() {
        assert_eq!(parse_user_id(Some("42")).unwrap(), 42);
        assert_eq!(parse_user_id(Some(" 42 ")).unwrap(), 42);
        for bad in [None, Some("0"), Some("-1"), Some("abc"), Some("1; DROP TABLE users")] {
            assert_eq!(parse_user_id(bad).unwrap_err().code(), "INVALID_USER_ID");
        }
    }
}
