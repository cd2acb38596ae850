//! `users` as user management sees them: no password material. Emails are unique whatever
//! their case (`users_email_key`).

use super::constraints::write_error;
use crate::adapters::postgres::{Postgres, db_error};
use crate::domain::chat::{AccountStore, Role, User};
use crate::domain::error::AppError;

macro_rules! columns {
    () => {
        "id, username, email, role, created_at, last_login_at"
    };
}

/// A page of accounts by id, after id $1.
pub const LIST: &str = concat!("SELECT ", columns!(), " FROM users WHERE id > $1 ORDER BY id LIMIT $2");
pub const FIND: &str = concat!("SELECT ", columns!(), " FROM users WHERE id = $1");
/// Sets the email and the role when given ($2, $3 not null).
pub const UPDATE: &str = concat!(
    "UPDATE users SET email = COALESCE($2, email), role = COALESCE($3, role), updated_at = now() \
     WHERE id = $1 RETURNING ",
    columns!()
);
/// Its chat sessions and login sessions go with it (ON DELETE CASCADE); its messages in other
/// users' sessions lose their sender (ON DELETE SET NULL).
pub const DELETE: &str = "DELETE FROM users WHERE id = $1";

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

impl AccountStore for Postgres {
    async fn accounts(&self, after: i64, limit: i64) -> Result<Vec<User>, AppError> {
        let client = self.client().await?;
        let rows = client.query(LIST, &[&after, &limit]).await.map_err(db_error)?;
        Ok(rows.iter().map(user).collect())
    }

    async fn find_account(&self, id: i64) -> Result<Option<User>, AppError> {
        let client = self.client().await?;
        let row = client.query_opt(FIND, &[&id]).await.map_err(db_error)?;
        Ok(row.as_ref().map(user))
    }

    async fn update_account(&self, id: i64, email: Option<&str>, role: Option<Role>) -> Result<Option<User>, AppError> {
        let role = role.map(Role::as_str);
        let client = self.client().await?;
        let row = client.query_opt(UPDATE, &[&id, &email, &role]).await.map_err(write_error)?;
        Ok(row.as_ref().map(user))
    }

    async fn delete_account(&self, id: i64) -> Result<bool, AppError> {
        let client = self.client().await?;
        Ok(client.execute(DELETE, &[&id]).await.map_err(db_error)? > 0)
    }
}
