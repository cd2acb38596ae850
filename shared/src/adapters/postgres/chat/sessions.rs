//! `chat_sessions`.

use super::constraints::write_error;
use crate::adapters::postgres::{Postgres, db_error};
use crate::domain::chat::{ChatSession, ChatSessionStore, Keyset};
use crate::domain::error::AppError;
use uuid::Uuid;

macro_rules! columns {
    () => {
        "id, user_id, title, created_at, updated_at"
    };
}

pub const INSERT: &str =
    concat!("INSERT INTO chat_sessions (id, user_id, title) VALUES ($1, $2, $3) RETURNING ", columns!());
/// A page of a user's sessions, newest first, after the keyset ($2, $3) when given.
pub const LIST: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM chat_sessions WHERE user_id = $1 \
     AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3)) \
     ORDER BY created_at DESC, id DESC LIMIT $4"
);
pub const FIND: &str = concat!("SELECT ", columns!(), " FROM chat_sessions WHERE id = $1");
pub const RENAME: &str =
    concat!("UPDATE chat_sessions SET title = $2, updated_at = now() WHERE id = $1 RETURNING ", columns!());
/// Its messages, vendor and sellers go with it (ON DELETE CASCADE).
pub const DELETE: &str = "DELETE FROM chat_sessions WHERE id = $1";

fn session(row: &tokio_postgres::Row) -> ChatSession {
    ChatSession {
        id: row.get("id"),
        user_id: row.get("user_id"),
        title: row.get("title"),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
    }
}

impl ChatSessionStore for Postgres {
    async fn insert_session(&self, id: Uuid, user_id: i64, title: &str) -> Result<ChatSession, AppError> {
        let client = self.client().await?;
        let row = client.query_one(INSERT, &[&id, &user_id, &title]).await.map_err(write_error)?;
        Ok(session(&row))
    }

    async fn sessions_of(&self, user_id: i64, after: Option<Keyset>, limit: i64) -> Result<Vec<ChatSession>, AppError> {
        let (after_at, after_id) = (after.map(|k| k.created_at), after.map(|k| k.id));
        let client = self.client().await?;
        let rows = client.query(LIST, &[&user_id, &after_at, &after_id, &limit]).await.map_err(db_error)?;
        Ok(rows.iter().map(session).collect())
    }

    async fn find_session(&self, id: Uuid) -> Result<Option<ChatSession>, AppError> {
        let client = self.client().await?;
        let row = client.query_opt(FIND, &[&id]).await.map_err(db_error)?;
        Ok(row.as_ref().map(session))
    }

    async fn rename_session(&self, id: Uuid, title: &str) -> Result<Option<ChatSession>, AppError> {
        let client = self.client().await?;
        let row = client.query_opt(RENAME, &[&id, &title]).await.map_err(write_error)?;
        Ok(row.as_ref().map(session))
    }

    async fn delete_session(&self, id: Uuid) -> Result<bool, AppError> {
        let client = self.client().await?;
        Ok(client.execute(DELETE, &[&id]).await.map_err(db_error)? > 0)
    }
}
