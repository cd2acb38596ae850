//! `chat_messages`: `seq` orders a session's messages (and is the list's cursor); the owner of a
//! message is its session's.

use super::constraints::write_error;
use crate::adapters::postgres::{Postgres, db_error};
use crate::domain::chat::{Message, MessageKind, MessageStore, NewMessage, Owned, Sequenced};
use crate::domain::error::AppError;
use uuid::Uuid;

macro_rules! columns {
    () => {
        "id, session_id, sender_id, seq, kind, body, media_url, media_type, created_at, edited_at"
    };
}

pub const INSERT: &str = concat!(
    "INSERT INTO chat_messages (id, session_id, sender_id, kind, body, media_url, media_type) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ",
    columns!()
);
/// A page of a session's messages in the order they were written, after position $2.
pub const LIST: &str =
    concat!("SELECT ", columns!(), " FROM chat_messages WHERE session_id = $1 AND seq > $2 ORDER BY seq LIMIT $3");
/// A message with the owner of its session.
pub const FIND: &str = "SELECT m.id, m.session_id, m.sender_id, m.seq, m.kind, m.body, m.media_url, m.media_type, \
                        m.created_at, m.edited_at, s.user_id AS owner \
                        FROM chat_messages m JOIN chat_sessions s ON s.id = m.session_id WHERE m.id = $1";
pub const EDIT: &str =
    concat!("UPDATE chat_messages SET body = $2, edited_at = now() WHERE id = $1 RETURNING ", columns!());
pub const DELETE: &str = "DELETE FROM chat_messages WHERE id = $1";

fn message(row: &tokio_postgres::Row) -> Message {
    Message {
        id: row.get("id"),
        session_id: row.get("session_id"),
        sender_id: row.get("sender_id"),
        kind: if row.get::<_, String>("kind") == MessageKind::Media.as_str() {
            MessageKind::Media
        } else {
            MessageKind::Text
        },
        text: row.get("body"),
        media_url: row.get("media_url"),
        media_type: row.get("media_type"),
        created_at: row.get("created_at"),
        edited_at: row.get("edited_at"),
    }
}

impl MessageStore for Postgres {
    async fn insert_message(&self, id: Uuid, sender_id: i64, m: &NewMessage) -> Result<Message, AppError> {
        let client = self.client().await?;
        let row = client
            .query_one(
                INSERT,
                &[&id, &m.session_id, &sender_id, &m.kind.as_str(), &m.text, &m.media_url, &m.media_type],
            )
            .await
            .map_err(write_error)?;
        Ok(message(&row))
    }

    async fn messages_of(&self, session_id: Uuid, after: i64, limit: i64) -> Result<Vec<Sequenced>, AppError> {
        let client = self.client().await?;
        let rows = client.query(LIST, &[&session_id, &after, &limit]).await.map_err(db_error)?;
        Ok(rows.iter().map(|r| Sequenced { seq: r.get("seq"), message: message(r) }).collect())
    }

    async fn find_message(&self, id: Uuid) -> Result<Option<Owned<Message>>, AppError> {
        let client = self.client().await?;
        let row = client.query_opt(FIND, &[&id]).await.map_err(db_error)?;
        Ok(row.map(|r| Owned { item: message(&r), owner: r.get("owner") }))
    }

    async fn edit_message(&self, id: Uuid, text: &str) -> Result<Option<Message>, AppError> {
        let client = self.client().await?;
        let row = client.query_opt(EDIT, &[&id, &text]).await.map_err(write_error)?;
        Ok(row.as_ref().map(message))
    }

    async fn delete_message(&self, id: Uuid) -> Result<bool, AppError> {
        let client = self.client().await?;
        Ok(client.execute(DELETE, &[&id]).await.map_err(db_error)? > 0)
    }
}
