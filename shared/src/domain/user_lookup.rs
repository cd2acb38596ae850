//! The user lookup service: a user's id and username by username, case-insensitively, from the
//! users the auth service keeps (its [`UserStore`] port).

use crate::domain::auth::{UserStore, UserSummary};
use crate::domain::error::{AppError, ErrorCode};

/// Looks users up by username.
pub struct UserLookup<U> {
    pub users: U,
}

impl<U: UserStore> UserLookup<U> {
    /// The user named `username` (any letter case), or 404 USER_NOT_FOUND.
    pub async fn find(&self, username: &str) -> Result<UserSummary, AppError> {
        let user = self
            .users
            .find_by_username(username)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::UserNotFound, "no user has that username"))?;
        Ok(UserSummary::from(&user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemoryUsers;
    use crate::domain::auth::UserRecord;

    #[tokio::test]
    async fn usernames_match_in_any_case_and_unknown_ones_are_404() {
        let user = UserRecord {
            id: 7,
            username: "Alice".into(),
            role: "user".into(),
            password_hash: String::new(),
            tenant_id: None,
        };
        let lookup = UserLookup { users: MemoryUsers::with([user]) };
        let found = lookup.find("ALICE").await.unwrap();
        assert_eq!((found.id, found.username.as_str()), (7, "Alice"));
        let missing = lookup.find("bob").await.unwrap_err();
        assert_eq!((missing.status(), missing.code()), (404, ErrorCode::UserNotFound));
    }
}
