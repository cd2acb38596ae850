//! `/api/v1/users` (seed 004's user management): admins list and delete accounts and change
//! roles; every user reads and updates their own profile. Accounts are created by
//! registration (`POST /api/auth/register`) so that its password rules apply.

use super::{Caller, ChatApi, Page, trimmed_opt};
use crate::adapters::postgres::{db_error, unique_violation};
use crate::domain::error::ErrorCode;
use crate::domain::error::{AppError, FieldErrors};
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

const COLUMNS: &str = "id, username, email, role, created_at, last_login_at";

fn user(row: &tokio_postgres::Row) -> User {
    User {
        id: row.get("id"),
        username: row.get("username"),
        email: row.get("email"),
        role: row.get("role"),
        created_at: row.get("created_at"),
        last_login_at: row.get("last_login_at"),
    }
}

pub fn user_not_found() -> AppError {
    AppError::new(ErrorCode::UserNotFound, "no such user")
}

fn admin_only(caller: &Caller) -> Result<(), AppError> {
    if caller.admin { Ok(()) } else { Err(AppError::new(ErrorCode::Forbidden, "this operation is for admins")) }
}

impl ChatApi {
    /// Every account, by id (admins).
    pub async fn users(&self, caller: &Caller, limit: i64, cursor: Option<&str>) -> Result<Page<User>, AppError> {
        admin_only(caller)?;
        let after = super::position_cursor(cursor)?;
        let client = self.db.client().await?;
        let rows = client
            .query(&format!("SELECT {COLUMNS} FROM users WHERE id > $1 ORDER BY id LIMIT $2"), &[&after, &(limit + 1)])
            .await
            .map_err(db_error)?;
        let mut items: Vec<User> = rows.iter().map(user).collect();
        let more = items.len() as i64 > limit;
        items.truncate(limit as usize);
        let next_cursor = if more { items.last().map(|u| u.id.to_string()) } else { None };
        Ok(Page { items, next_cursor })
    }

    /// A user's own profile, or any profile for an admin; others are USER_NOT_FOUND.
    pub async fn user(&self, caller: &Caller, id: i64) -> Result<User, AppError> {
        if !caller.may_access(id) {
            return Err(user_not_found());
        }
        let client = self.db.client().await?;
        let row =
            client.query_opt(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"), &[&id]).await.map_err(db_error)?;
        row.as_ref().map(user).ok_or_else(user_not_found)
    }

    pub async fn update_user(&self, caller: &Caller, id: i64, change: &UserUpdate) -> Result<User, AppError> {
        self.user(caller, id).await?;
        if change.role.is_some() {
            admin_only(caller)?;
        }
        if change.email.is_none() && change.role.is_none() {
            let fields =
                FieldErrors::from([("body".to_string(), vec!["nothing to change: give email or role".to_string()])]);
            return Err(AppError::Invalid { message: "nothing to change".into(), fields });
        }
        let role = change.role.map(|r| if r == Role::Admin { "admin" } else { "user" });
        let client = self.db.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "UPDATE users SET email = COALESCE($2, email), role = COALESCE($3, role), updated_at = now() \
                     WHERE id = $1 RETURNING {COLUMNS}"
                ),
                &[&id, &change.email, &role],
            )
            .await
            .map_err(|e| match unique_violation(&e) {
                Some(_) => AppError::new(ErrorCode::EmailTaken, "another account uses this email"),
                None => db_error(e),
            })?;
        row.as_ref().map(user).ok_or_else(user_not_found)
    }

    /// Removes an account with everything it owns (admins; not their own account).
    pub async fn delete_user(&self, caller: &Caller, id: i64) -> Result<(), AppError> {
        admin_only(caller)?;
        if caller.user_id == id {
            return Err(AppError::new(ErrorCode::CannotDeleteSelf, "an admin cannot delete their own account"));
        }
        let client = self.db.client().await?;
        let n = client.execute("DELETE FROM users WHERE id = $1", &[&id]).await.map_err(db_error)?;
        if n == 0 { Err(user_not_found()) } else { Ok(()) }
    }
}

/// The `{id}` path parameter of `/api/v1/users/{id}`.
pub fn user_id(req: &crate::transport::http::Request) -> Result<i64, AppError> {
    use crate::transport::http::RequestExt;
    req.path_parameters_ref()
        .and_then(|p| p.first("id"))
        .and_then(|raw| raw.trim().parse::<i64>().ok())
        .filter(|id| *id > 0)
        .ok_or_else(|| AppError::new(ErrorCode::InvalidId, "the user id must be a positive integer"))
}
