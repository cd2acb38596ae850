//! User accounts as `/api/v1/users` manages them: admins list and delete accounts and change
//! roles; every user reads and updates their own profile. Accounts are created by registration
//! (`POST /api/auth/register`) so that its password rules apply.

use super::caller::Caller;
use super::text::trimmed_opt;
use crate::domain::error::{AppError, ErrorCode, FieldErrors};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::Validate;

/// A user account as `/api/v1/users` shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatUser))]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[cfg_attr(feature = "openapi", schema(minimum = 1, example = 42))]
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(example = "alice"))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(required = true, example = "alice@example.com"))]
    pub email: Option<String>,
    /// `user` or `admin` (the database allows no other).
    #[cfg_attr(feature = "openapi", schema(value_type = Role))]
    pub role: String,
    pub created_at: DateTime<Utc>,
    /// Null until the first login.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_login_at: Option<DateTime<Utc>>,
}

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatUserRole))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Admin,
}

impl Role {
    /// How the role is stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
        }
    }
}

/// The body of `PUT /api/v1/users/{id}`: at least one of `email` and `role`.
#[derive(Debug, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatUserUpdate))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UserUpdate {
    /// Trimmed; an email address of at most 254 characters, unique among accounts (whatever the case).
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(email, length(max = 254))]
    #[cfg_attr(feature = "openapi", schema(format = Email, max_length = 254, example = "alice@example.com"))]
    pub email: Option<String>,
    /// Admins only.
    #[serde(default)]
    pub role: Option<Role>,
}

/// What `DELETE /api/v1/users/{id}` answers: the id of the account that is gone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatUserDeleted))]
pub struct DeletedUser {
    #[cfg_attr(feature = "openapi", schema(minimum = 1, example = 42))]
    pub id: i64,
}

pub fn user_not_found() -> AppError {
    AppError::new(ErrorCode::UserNotFound, "no such user")
}

/// Listing, deleting accounts and changing roles are for admins.
pub fn admin_only(caller: &Caller) -> Result<(), AppError> {
    if caller.admin { Ok(()) } else { Err(AppError::new(ErrorCode::Forbidden, "this operation is for admins")) }
}

impl UserUpdate {
    /// An update changes something: an email, a role (admins only), or both.
    pub fn check(&self, caller: &Caller) -> Result<(), AppError> {
        if self.role.is_some() {
            admin_only(caller)?;
        }
        if self.email.is_none() && self.role.is_none() {
            let fields =
                FieldErrors::from([("body".to_string(), vec!["nothing to change: give email or role".to_string()])]);
            return Err(AppError::Invalid { message: "nothing to change".into(), fields });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_for_admins_and_an_update_changes_something() {
        let (alice, admin) = (Caller { user_id: 1, admin: false }, Caller { user_id: 9, admin: true });
        let role = UserUpdate { email: None, role: Some(Role::Admin) };
        assert_eq!(role.check(&alice).unwrap_err().code(), "FORBIDDEN");
        assert!(role.check(&admin).is_ok());
        let nothing = UserUpdate { email: None, role: None };
        assert!(nothing.check(&admin).unwrap_err().fields().is_some_and(|f| f.contains_key("body")));
        assert!(UserUpdate { email: Some("a@b.example".into()), role: None }.check(&alice).is_ok());
    }

    #[test]
    fn a_deleted_account_answers_its_id() {
        assert_eq!(serde_json::to_string(&DeletedUser { id: 42 }).unwrap(), r#"{"id":42}"#);
        assert_eq!((Role::User.as_str(), Role::Admin.as_str()), ("user", "admin"));
    }
}
