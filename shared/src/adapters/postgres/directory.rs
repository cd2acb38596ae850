//! The users as the session services look them up (by name, for the last connection).

use super::{Postgres, db_error};
use crate::domain::error::AppError;
use crate::domain::sessions::UserDirectory;

impl UserDirectory for Postgres {
    async fn user_id_by_username(&self, username: &str) -> Result<Option<i64>, AppError> {
        let client = self.client().await?;
        let row = client.query_opt(USER_ID_BY_USERNAME, &[&username]).await.map_err(db_error)?;
        Ok(row.map(|r| r.get(0)))
    }
}

// The statements of this file, one text each (the query plan test plans each row-finding one).
pub const USER_ID_BY_USERNAME: &str = "SELECT id FROM users WHERE lower(username) = lower($1)";
