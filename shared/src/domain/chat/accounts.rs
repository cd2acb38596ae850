//! User management: admins list every account, change roles and delete accounts (not their
//! own); every user reads and changes their own profile. Another user's profile is answered as
//! not found (USER_NOT_FOUND) to anyone but an admin.

use super::caller::Caller;
use super::ports::AccountStore;
use super::service::Chat;
use super::users::{User, UserUpdate, admin_only, user_not_found};
use crate::domain::error::{AppError, ErrorCode};
use crate::domain::paging::{Page, position_cursor};

impl<D: AccountStore, U, T, C> Chat<D, U, T, C> {
    /// Every account, by id (admins).
    pub async fn users(&self, caller: &Caller, limit: i64, cursor: Option<&str>) -> Result<Page<User>, AppError> {
        admin_only(caller)?;
        let after = position_cursor(cursor)?;
        let rows = self.store.accounts(after, limit + 1).await?;
        Ok(Page::of(rows, limit, |u| u.id.to_string()))
    }

    /// A user's own profile, or any profile for an admin; others are USER_NOT_FOUND.
    pub async fn user(&self, caller: &Caller, id: i64) -> Result<User, AppError> {
        if !caller.may_access(id) {
            return Err(user_not_found());
        }
        self.store.find_account(id).await?.ok_or_else(user_not_found)
    }

    pub async fn update_user(&self, caller: &Caller, id: i64, change: &UserUpdate) -> Result<User, AppError> {
        self.user(caller, id).await?;
        change.check(caller)?;
        self.store.update_account(id, change.email.as_deref(), change.role).await?.ok_or_else(user_not_found)
    }

    /// Removes an account with everything it owns (admins; not their own account).
    pub async fn delete_user(&self, caller: &Caller, id: i64) -> Result<(), AppError> {
        admin_only(caller)?;
        if caller.user_id == id {
            return Err(AppError::new(ErrorCode::CannotDeleteSelf, "an admin cannot delete their own account"));
        }
        if self.store.delete_account(id).await? { Ok(()) } else { Err(user_not_found()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::chat::service::tests::{ADMIN, ALICE, BOB, chat};
    use crate::domain::chat::users::Role;

    fn change(email: Option<&str>, role: Option<Role>) -> UserUpdate {
        UserUpdate { email: email.map(str::to_string), role }
    }

    #[tokio::test]
    async fn admins_list_every_account_a_page_at_a_time() {
        let chat = chat(100);
        assert_eq!(chat.users(&ALICE, 20, None).await.unwrap_err().code(), "FORBIDDEN");
        let first = chat.users(&ADMIN, 2, None).await.unwrap();
        assert_eq!(
            (first.items.iter().map(|u| u.id).collect::<Vec<_>>(), first.next_cursor.as_deref()),
            (vec![1, 2], Some("2"))
        );
        let second = chat.users(&ADMIN, 2, first.next_cursor.as_deref()).await.unwrap();
        assert_eq!((second.items.iter().map(|u| u.id).collect::<Vec<_>>(), second.next_cursor), (vec![9], None));
    }

    #[tokio::test]
    async fn a_profile_is_its_users_and_the_admins() {
        let chat = chat(100);
        assert_eq!(chat.user(&ALICE, 1).await.unwrap().username, "alice");
        assert_eq!(chat.user(&ALICE, 2).await.unwrap_err().code(), "USER_NOT_FOUND");
        assert_eq!(chat.user(&ADMIN, 2).await.unwrap().username, "bob");
        assert_eq!(chat.user(&ADMIN, 1234).await.unwrap_err().code(), "USER_NOT_FOUND");
    }

    #[tokio::test]
    async fn users_change_their_email_and_admins_roles() {
        let chat = chat(100);
        let alice = chat.update_user(&ALICE, 1, &change(Some("alice@example.com"), None)).await.unwrap();
        assert_eq!(alice.email.as_deref(), Some("alice@example.com"));
        let taken = chat.update_user(&BOB, 2, &change(Some("ALICE@example.com"), None)).await.unwrap_err();
        assert_eq!(taken.code(), "EMAIL_TAKEN");
        let promote = change(None, Some(Role::Admin));
        assert_eq!(chat.update_user(&BOB, 2, &promote).await.unwrap_err().code(), "FORBIDDEN");
        // Another user's profile is not found before anything else is judged.
        assert_eq!(chat.update_user(&BOB, 1, &promote).await.unwrap_err().code(), "USER_NOT_FOUND");
        assert_eq!(chat.update_user(&ADMIN, 2, &promote).await.unwrap().role, "admin");
        assert_eq!(chat.update_user(&ADMIN, 2, &change(None, None)).await.unwrap_err().code(), "VALIDATION_FAILED");
    }

    #[tokio::test]
    async fn admins_delete_other_accounts_with_what_they_own() {
        let chat = chat(100);
        let session =
            chat.create_session(&BOB, &crate::domain::chat::SessionInput { title: "t".into() }).await.unwrap();
        assert_eq!(chat.delete_user(&ALICE, 2).await.unwrap_err().code(), "FORBIDDEN");
        assert_eq!(chat.delete_user(&ADMIN, 9).await.unwrap_err().code(), "CANNOT_DELETE_SELF");
        chat.delete_user(&ADMIN, 2).await.unwrap();
        assert_eq!(chat.delete_user(&ADMIN, 2).await.unwrap_err().code(), "USER_NOT_FOUND");
        assert_eq!(chat.session(&ADMIN, session.id).await.unwrap_err().code(), "SESSION_NOT_FOUND");
    }
}
