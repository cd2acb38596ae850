//! Chat sessions and their messages. A session of another user is answered as not found
//! (SESSION_NOT_FOUND), and so is everything in it, so ids reveal nothing; admins see
//! everything.

use super::caller::Caller;
use super::messages::{EditMessage, Message, MessageKind, NewMessage, message_not_found};
use super::ports::{ChatSessionStore, MessageStore};
use super::service::Chat;
use super::sessions::{ChatSession, SessionInput, session_not_found};
use crate::domain::error::{AppError, ErrorCode};
use crate::domain::paging::{Keyset, Page, position_cursor};
use uuid::Uuid;

impl<D: ChatSessionStore, U, T, C> Chat<D, U, T, C> {
    pub async fn create_session(&self, caller: &Caller, input: &SessionInput) -> Result<ChatSession, AppError> {
        self.store.insert_session(Uuid::now_v7(), caller.user_id, &input.title).await
    }

    /// The caller's sessions, newest first; an admin may ask for another user's (`user_id`).
    pub async fn list_sessions(
        &self,
        caller: &Caller,
        user_id: Option<i64>,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<ChatSession>, AppError> {
        let owner = match user_id {
            Some(other) if other != caller.user_id && !caller.admin => {
                return Err(AppError::new(ErrorCode::Forbidden, "only admins may list another user's sessions"));
            }
            Some(other) => other,
            None => caller.user_id,
        };
        let after = Keyset::after(cursor)?;
        let rows = self.store.sessions_of(owner, after, limit + 1).await?;
        Ok(Page::of(rows, limit, |s| Keyset { created_at: s.created_at, id: s.id }.encode()))
    }

    /// A session the caller may see, or SESSION_NOT_FOUND.
    pub async fn session(&self, caller: &Caller, id: Uuid) -> Result<ChatSession, AppError> {
        let found = self.store.find_session(id).await?;
        found.filter(|s| caller.may_access(s.user_id)).ok_or_else(session_not_found)
    }

    pub async fn rename_session(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &SessionInput,
    ) -> Result<ChatSession, AppError> {
        self.session(caller, id).await?;
        self.store.rename_session(id, &input.title).await?.ok_or_else(session_not_found)
    }

    /// Deletes a session with its messages, vendor and sellers.
    pub async fn delete_session(&self, caller: &Caller, id: Uuid) -> Result<(), AppError> {
        self.session(caller, id).await?;
        if self.store.delete_session(id).await? { Ok(()) } else { Err(session_not_found()) }
    }
}

impl<D: ChatSessionStore + MessageStore, U, T, C> Chat<D, U, T, C> {
    /// Posts a message, as the caller, to a session the caller may see.
    pub async fn post_message(&self, caller: &Caller, input: &NewMessage) -> Result<Message, AppError> {
        input.check_shape()?;
        self.session(caller, input.session_id).await?;
        self.store.insert_message(Uuid::now_v7(), caller.user_id, input).await
    }

    /// A session's messages in the order they were written; the cursor is the position of the
    /// last message of the previous page.
    pub async fn messages(
        &self,
        caller: &Caller,
        session_id: Uuid,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<Message>, AppError> {
        self.session(caller, session_id).await?;
        let after = position_cursor(cursor)?;
        let rows = self.store.messages_of(session_id, after, limit + 1).await?;
        Ok(Page::of(rows, limit, |m| m.seq.to_string()).map(|m| m.message))
    }

    /// A message whose session the caller may see, or MESSAGE_NOT_FOUND.
    pub async fn message(&self, caller: &Caller, id: Uuid) -> Result<Message, AppError> {
        let found = self.store.find_message(id).await?;
        found.filter(|m| caller.may_access(m.owner)).map(|m| m.item).ok_or_else(message_not_found)
    }

    /// Edits a text message (its sender or an admin).
    pub async fn edit_message(&self, caller: &Caller, id: Uuid, input: &EditMessage) -> Result<Message, AppError> {
        let current = self.message(caller, id).await?;
        if !caller.admin && current.sender_id != Some(caller.user_id) {
            return Err(AppError::new(ErrorCode::Forbidden, "only the sender or an admin may edit a message"));
        }
        if current.kind != MessageKind::Text {
            return Err(AppError::new(ErrorCode::NotATextMessage, "only text messages can be edited"));
        }
        self.store.edit_message(id, &input.text).await?.ok_or_else(message_not_found)
    }

    pub async fn delete_message(&self, caller: &Caller, id: Uuid) -> Result<(), AppError> {
        self.message(caller, id).await?;
        if self.store.delete_message(id).await? { Ok(()) } else { Err(message_not_found()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::chat::service::tests::{ADMIN, ALICE, BOB, TestChat, chat};

    fn titled(title: &str) -> SessionInput {
        SessionInput { title: title.into() }
    }

    fn text(session_id: Uuid, text: &str) -> NewMessage {
        NewMessage { session_id, kind: MessageKind::Text, text: Some(text.into()), media_url: None, media_type: None }
    }

    async fn session_of(chat: &TestChat, caller: &Caller) -> Uuid {
        chat.create_session(caller, &titled("Spring catalogue")).await.unwrap().id
    }

    #[tokio::test]
    async fn another_users_session_does_not_exist_for_them_but_does_for_admins() {
        let chat = chat(100);
        let id = session_of(&chat, &ALICE).await;
        assert_eq!(chat.session(&ALICE, id).await.unwrap().user_id, 1);
        assert_eq!(chat.session(&BOB, id).await.unwrap_err().code(), "SESSION_NOT_FOUND");
        assert_eq!(chat.rename_session(&BOB, id, &titled("x")).await.unwrap_err().code(), "SESSION_NOT_FOUND");
        assert_eq!(chat.delete_session(&BOB, id).await.unwrap_err().code(), "SESSION_NOT_FOUND");
        assert_eq!(chat.rename_session(&ADMIN, id, &titled("Summer")).await.unwrap().title, "Summer");
        chat.delete_session(&ADMIN, id).await.unwrap();
        assert_eq!(chat.session(&ALICE, id).await.unwrap_err().code(), "SESSION_NOT_FOUND");
        assert_eq!(chat.session(&ALICE, Uuid::now_v7()).await.unwrap_err().code(), "SESSION_NOT_FOUND");
    }

    #[tokio::test]
    async fn a_token_whose_account_is_gone_creates_nothing() {
        let chat = chat(100);
        let ghost = Caller { user_id: 77, admin: false };
        assert_eq!(chat.create_session(&ghost, &titled("t")).await.unwrap_err().code(), "INVALID_TOKEN");
    }

    #[tokio::test]
    async fn sessions_are_listed_newest_first_a_page_at_a_time() {
        let chat = chat(100);
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(session_of(&chat, &ALICE).await);
        }
        session_of(&chat, &BOB).await;
        let first = chat.list_sessions(&ALICE, None, 2, None).await.unwrap();
        assert_eq!(first.items.iter().map(|s| s.id).collect::<Vec<_>>(), [ids[2], ids[1]]);
        let cursor = first.next_cursor.expect("a second page");
        let second = chat.list_sessions(&ALICE, None, 2, Some(&cursor)).await.unwrap();
        assert_eq!((second.items.iter().map(|s| s.id).collect::<Vec<_>>(), second.next_cursor), (vec![ids[0]], None));
        assert_eq!(chat.list_sessions(&ALICE, None, 2, Some("junk")).await.unwrap_err().code(), "INVALID_CURSOR");
    }

    #[tokio::test]
    async fn only_admins_list_another_users_sessions() {
        let chat = chat(100);
        session_of(&chat, &ALICE).await;
        // Refused before the cursor is even read.
        assert_eq!(chat.list_sessions(&BOB, Some(1), 20, Some("junk")).await.unwrap_err().code(), "FORBIDDEN");
        assert_eq!(chat.list_sessions(&ALICE, Some(1), 20, None).await.unwrap().items.len(), 1);
        assert_eq!(chat.list_sessions(&ADMIN, Some(1), 20, None).await.unwrap().items.len(), 1);
    }

    #[tokio::test]
    async fn messages_are_read_in_order_a_page_at_a_time() {
        let chat = chat(100);
        let session = session_of(&chat, &ALICE).await;
        for n in 0..3 {
            chat.post_message(&ALICE, &text(session, &format!("m{n}"))).await.unwrap();
        }
        let first = chat.messages(&ALICE, session, 2, None).await.unwrap();
        assert_eq!(first.items.iter().map(|m| m.text.as_deref().unwrap()).collect::<Vec<_>>(), ["m0", "m1"]);
        let second = chat.messages(&ALICE, session, 2, first.next_cursor.as_deref()).await.unwrap();
        assert_eq!((second.items.len(), second.next_cursor), (1, None));
        assert_eq!(chat.messages(&BOB, session, 2, None).await.unwrap_err().code(), "SESSION_NOT_FOUND");
        assert_eq!(chat.messages(&ALICE, session, 2, Some("-1")).await.unwrap_err().code(), "INVALID_CURSOR");
    }

    #[tokio::test]
    async fn a_message_belongs_where_its_session_does() {
        let chat = chat(100);
        let session = session_of(&chat, &ALICE).await;
        assert_eq!(chat.post_message(&BOB, &text(session, "hi")).await.unwrap_err().code(), "SESSION_NOT_FOUND");
        let shapeless = NewMessage { text: None, ..text(session, "") };
        assert_eq!(chat.post_message(&ALICE, &shapeless).await.unwrap_err().code(), "VALIDATION_FAILED");
        let id = chat.post_message(&ALICE, &text(session, "hi")).await.unwrap().id;
        assert_eq!(chat.message(&BOB, id).await.unwrap_err().code(), "MESSAGE_NOT_FOUND");
        assert_eq!(chat.delete_message(&BOB, id).await.unwrap_err().code(), "MESSAGE_NOT_FOUND");
        assert_eq!(chat.message(&ADMIN, id).await.unwrap().sender_id, Some(1));
        chat.delete_message(&ALICE, id).await.unwrap();
        assert_eq!(chat.message(&ALICE, id).await.unwrap_err().code(), "MESSAGE_NOT_FOUND");
    }

    #[tokio::test]
    async fn only_the_sender_or_an_admin_edits_and_only_text() {
        let chat = chat(100);
        let session = session_of(&chat, &ALICE).await;
        let by_admin = chat.post_message(&ADMIN, &text(session, "from the admin")).await.unwrap();
        let edit = EditMessage { text: "edited".into() };
        // Alice may see the message (her session) but did not write it.
        assert_eq!(chat.edit_message(&ALICE, by_admin.id, &edit).await.unwrap_err().code(), "FORBIDDEN");
        let mine = chat.post_message(&ALICE, &text(session, "mine")).await.unwrap();
        let edited = chat.edit_message(&ALICE, mine.id, &edit).await.unwrap();
        assert_eq!((edited.text.as_deref(), edited.edited_at.is_some()), (Some("edited"), true));
        let media = NewMessage {
            session_id: session,
            kind: MessageKind::Media,
            text: None,
            media_url: Some("https://cdn.example.com/a.png".into()),
            media_type: Some("image/png".into()),
        };
        let media = chat.post_message(&ALICE, &media).await.unwrap();
        assert_eq!(chat.edit_message(&ADMIN, media.id, &edit).await.unwrap_err().code(), "NOT_A_TEXT_MESSAGE");
    }
}
