//! The chat backend's records: one in-memory database that keeps the rules PostgreSQL keeps for
//! them (the foreign keys to the creating user, the unique vendor per session and vendor emails,
//! the unique product per seller and session, unique account emails, the cascades of a
//! deletion), so the domain's tests see the answers the real store gives.

use super::lock;
use crate::domain::chat::{
    AccountStore, ChatSession, ChatSessionStore, Keyset, Message, MessageStore, NewMessage, Owned, Role, Seller,
    SellerInput, SellerStore, Sequenced, User, Vendor, VendorInput, VendorStore,
};
use crate::domain::error::{AppError, ErrorCode};
use chrono::{DateTime, Utc};
use std::sync::Mutex;
use uuid::Uuid;

#[derive(Default)]
struct Tables {
    accounts: Vec<User>,
    sessions: Vec<ChatSession>,
    messages: Vec<Sequenced>,
    vendors: Vec<Vendor>,
    sellers: Vec<Seller>,
    next_seq: i64,
    /// The last timestamp given, so that every row is stamped later than the one before (as
    /// `now()` is, across transactions).
    clock: Option<DateTime<Utc>>,
}

impl Tables {
    /// Now, to the microsecond as PostgreSQL keeps it.
    fn now(&mut self) -> DateTime<Utc> {
        let now = DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap_or_default();
        let now = match self.clock {
            Some(last) if now <= last => last + chrono::Duration::microseconds(1),
            _ => now,
        };
        self.clock = Some(now);
        now
    }

    fn account_exists(&self, id: i64) -> bool {
        self.accounts.iter().any(|a| a.id == id)
    }

    fn owner_of(&self, session_id: Uuid) -> Option<i64> {
        self.sessions.iter().find(|s| s.id == session_id).map(|s| s.user_id)
    }

    fn vendor_conflict(&self, id: Option<Uuid>, session_id: Uuid, email: Option<&str>) -> Option<AppError> {
        let others = || self.vendors.iter().filter(|v| Some(v.id) != id);
        if id.is_none() && others().any(|v| v.session_id == session_id) {
            return Some(AppError::new(ErrorCode::VendorExists, "this chat session already has a vendor"));
        }
        let taken = |e: &str| others().any(|v| v.email.as_deref().is_some_and(|o| o.eq_ignore_ascii_case(e)));
        email
            .filter(|e| taken(e))
            .map(|_| AppError::new(ErrorCode::VendorEmailTaken, "a vendor with this email already exists"))
    }

    fn seller_conflict(&self, id: Option<Uuid>, session_id: Uuid, d: &SellerInput) -> Option<AppError> {
        let taken = self
            .sellers
            .iter()
            .any(|s| Some(s.id) != id && s.session_id == session_id && s.name == d.name && s.product == d.product);
        taken.then(|| {
            AppError::new(ErrorCode::SellerProductExists, "this seller already lists this product in this session")
        })
    }

    /// Deletes a session with what belongs to it.
    fn drop_session(&mut self, id: Uuid) -> bool {
        let before = self.sessions.len();
        self.sessions.retain(|s| s.id != id);
        self.messages.retain(|m| m.message.session_id != id);
        self.vendors.retain(|v| v.session_id != id);
        self.sellers.retain(|s| s.session_id != id);
        self.sessions.len() < before
    }
}

fn invalid_token() -> AppError {
    AppError::new(ErrorCode::InvalidToken, "the token is invalid")
}

/// A row referring to a chat session that is gone: PostgreSQL refuses it as a foreign-key
/// violation, which no request is expected to cause (500).
fn no_such_session(id: Uuid) -> AppError {
    AppError::internal(format!("database error: chat session {id} does not exist"))
}

/// Chat sessions, messages, vendors, sellers and the accounts that own them.
#[derive(Default)]
pub struct MemoryChat {
    tables: Mutex<Tables>,
}

impl MemoryChat {
    /// A store with these accounts (`user` or `admin`), nothing else.
    pub fn with_accounts(accounts: impl IntoIterator<Item = (i64, &'static str, &'static str)>) -> Self {
        let chat = Self::default();
        for (id, username, role) in accounts {
            chat.add_account(id, username, role);
        }
        chat
    }

    pub fn add_account(&self, id: i64, username: &str, role: &str) {
        let mut t = lock(&self.tables);
        let created_at = t.now();
        t.accounts.push(User {
            id,
            username: username.to_string(),
            email: None,
            role: role.to_string(),
            created_at,
            last_login_at: None,
        });
    }

    /// The messages of every session, in the order they were written.
    pub fn messages(&self) -> Vec<Message> {
        lock(&self.tables).messages.iter().map(|m| m.message.clone()).collect()
    }

    /// How many sessions, messages, vendors and sellers are stored.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let t = lock(&self.tables);
        (t.sessions.len(), t.messages.len(), t.vendors.len(), t.sellers.len())
    }
}

impl ChatSessionStore for MemoryChat {
    async fn insert_session(&self, id: Uuid, user_id: i64, title: &str) -> Result<ChatSession, AppError> {
        let mut t = lock(&self.tables);
        if !t.account_exists(user_id) {
            return Err(invalid_token());
        }
        let now = t.now();
        let session = ChatSession { id, user_id, title: title.to_string(), created_at: now, updated_at: now };
        t.sessions.push(session.clone());
        Ok(session)
    }

    async fn sessions_of(&self, user_id: i64, after: Option<Keyset>, limit: i64) -> Result<Vec<ChatSession>, AppError> {
        let t = lock(&self.tables);
        let mut rows: Vec<ChatSession> = t
            .sessions
            .iter()
            .filter(|s| s.user_id == user_id)
            .filter(|s| after.is_none_or(|k| (s.created_at, s.id) < (k.created_at, k.id)))
            .cloned()
            .collect();
        rows.sort_by_key(|s| std::cmp::Reverse((s.created_at, s.id)));
        rows.truncate(limit.max(0) as usize);
        Ok(rows)
    }

    async fn find_session(&self, id: Uuid) -> Result<Option<ChatSession>, AppError> {
        Ok(lock(&self.tables).sessions.iter().find(|s| s.id == id).cloned())
    }

    async fn rename_session(&self, id: Uuid, title: &str) -> Result<Option<ChatSession>, AppError> {
        let mut t = lock(&self.tables);
        let now = t.now();
        Ok(t.sessions.iter_mut().find(|s| s.id == id).map(|s| {
            s.title = title.to_string();
            s.updated_at = now;
            s.clone()
        }))
    }

    async fn delete_session(&self, id: Uuid) -> Result<bool, AppError> {
        Ok(lock(&self.tables).drop_session(id))
    }
}

impl MessageStore for MemoryChat {
    async fn insert_message(&self, id: Uuid, sender_id: i64, m: &NewMessage) -> Result<Message, AppError> {
        let mut t = lock(&self.tables);
        if !t.account_exists(sender_id) {
            return Err(invalid_token());
        }
        if t.owner_of(m.session_id).is_none() {
            return Err(no_such_session(m.session_id));
        }
        t.next_seq += 1;
        let message = Message {
            id,
            session_id: m.session_id,
            sender_id: Some(sender_id),
            kind: m.kind,
            text: m.text.clone(),
            media_url: m.media_url.clone(),
            media_type: m.media_type.clone(),
            created_at: t.now(),
            edited_at: None,
        };
        let seq = t.next_seq;
        t.messages.push(Sequenced { seq, message: message.clone() });
        Ok(message)
    }

    async fn messages_of(&self, session_id: Uuid, after: i64, limit: i64) -> Result<Vec<Sequenced>, AppError> {
        let t = lock(&self.tables);
        let rows = t.messages.iter().filter(|m| m.message.session_id == session_id && m.seq > after);
        Ok(rows.take(limit.max(0) as usize).cloned().collect())
    }

    async fn find_message(&self, id: Uuid) -> Result<Option<Owned<Message>>, AppError> {
        let t = lock(&self.tables);
        let found = t.messages.iter().find(|m| m.message.id == id);
        Ok(found.and_then(|m| Some(Owned { item: m.message.clone(), owner: t.owner_of(m.message.session_id)? })))
    }

    async fn edit_message(&self, id: Uuid, text: &str) -> Result<Option<Message>, AppError> {
        let mut t = lock(&self.tables);
        let now = t.now();
        Ok(t.messages.iter_mut().find(|m| m.message.id == id).map(|m| {
            m.message.text = Some(text.to_string());
            m.message.edited_at = Some(now);
            m.message.clone()
        }))
    }

    async fn delete_message(&self, id: Uuid) -> Result<bool, AppError> {
        let mut t = lock(&self.tables);
        let before = t.messages.len();
        t.messages.retain(|m| m.message.id != id);
        Ok(t.messages.len() < before)
    }
}

impl VendorStore for MemoryChat {
    async fn insert_vendor(&self, id: Uuid, session_id: Uuid, d: &VendorInput) -> Result<Vendor, AppError> {
        let mut t = lock(&self.tables);
        if let Some(conflict) = t.vendor_conflict(None, session_id, d.email.as_deref()) {
            return Err(conflict);
        }
        if t.owner_of(session_id).is_none() {
            return Err(no_such_session(session_id));
        }
        let now = t.now();
        let vendor = Vendor {
            id,
            session_id,
            name: d.name.clone(),
            email: d.email.clone(),
            phone: d.phone.clone(),
            created_at: now,
            updated_at: now,
        };
        t.vendors.push(vendor.clone());
        Ok(vendor)
    }

    async fn vendor_of_session(&self, session_id: Uuid) -> Result<Option<Vendor>, AppError> {
        Ok(lock(&self.tables).vendors.iter().find(|v| v.session_id == session_id).cloned())
    }

    async fn find_vendor(&self, id: Uuid) -> Result<Option<Owned<Vendor>>, AppError> {
        let t = lock(&self.tables);
        let found = t.vendors.iter().find(|v| v.id == id);
        Ok(found.and_then(|v| Some(Owned { item: v.clone(), owner: t.owner_of(v.session_id)? })))
    }

    async fn update_vendor(&self, id: Uuid, d: &VendorInput) -> Result<Option<Vendor>, AppError> {
        let mut t = lock(&self.tables);
        let Some(session_id) = t.vendors.iter().find(|v| v.id == id).map(|v| v.session_id) else { return Ok(None) };
        if let Some(conflict) = t.vendor_conflict(Some(id), session_id, d.email.as_deref()) {
            return Err(conflict);
        }
        let now = t.now();
        Ok(t.vendors.iter_mut().find(|v| v.id == id).map(|v| {
            (v.name, v.email, v.phone, v.updated_at) = (d.name.clone(), d.email.clone(), d.phone.clone(), now);
            v.clone()
        }))
    }

    async fn delete_vendor(&self, id: Uuid) -> Result<bool, AppError> {
        let mut t = lock(&self.tables);
        let before = t.vendors.len();
        t.vendors.retain(|v| v.id != id);
        Ok(t.vendors.len() < before)
    }
}

impl SellerStore for MemoryChat {
    async fn insert_seller(&self, id: Uuid, session_id: Uuid, d: &SellerInput) -> Result<Seller, AppError> {
        let mut t = lock(&self.tables);
        if let Some(conflict) = t.seller_conflict(None, session_id, d) {
            return Err(conflict);
        }
        if t.owner_of(session_id).is_none() {
            return Err(no_such_session(session_id));
        }
        let now = t.now();
        let seller = Seller {
            id,
            session_id,
            name: d.name.clone(),
            product: d.product.clone(),
            price_cents: d.price_cents,
            currency: d.currency.clone(),
            created_at: now,
            updated_at: now,
        };
        t.sellers.push(seller.clone());
        Ok(seller)
    }

    async fn sellers_of(&self, session_id: Uuid, after: Option<Keyset>, limit: i64) -> Result<Vec<Seller>, AppError> {
        let t = lock(&self.tables);
        let mut rows: Vec<Seller> = t
            .sellers
            .iter()
            .filter(|s| s.session_id == session_id)
            .filter(|s| after.is_none_or(|k| (s.created_at, s.id) > (k.created_at, k.id)))
            .cloned()
            .collect();
        rows.sort_by_key(|s| (s.created_at, s.id));
        rows.truncate(limit.max(0) as usize);
        Ok(rows)
    }

    async fn find_seller(&self, id: Uuid) -> Result<Option<Owned<Seller>>, AppError> {
        let t = lock(&self.tables);
        let found = t.sellers.iter().find(|s| s.id == id);
        Ok(found.and_then(|s| Some(Owned { item: s.clone(), owner: t.owner_of(s.session_id)? })))
    }

    async fn update_seller(&self, id: Uuid, d: &SellerInput) -> Result<Option<Seller>, AppError> {
        let mut t = lock(&self.tables);
        let Some(session_id) = t.sellers.iter().find(|s| s.id == id).map(|s| s.session_id) else { return Ok(None) };
        if let Some(conflict) = t.seller_conflict(Some(id), session_id, d) {
            return Err(conflict);
        }
        let now = t.now();
        Ok(t.sellers.iter_mut().find(|s| s.id == id).map(|s| {
            (s.name, s.product, s.price_cents, s.currency) =
                (d.name.clone(), d.product.clone(), d.price_cents, d.currency.clone());
            s.updated_at = now;
            s.clone()
        }))
    }

    async fn delete_seller(&self, id: Uuid) -> Result<bool, AppError> {
        let mut t = lock(&self.tables);
        let before = t.sellers.len();
        t.sellers.retain(|s| s.id != id);
        Ok(t.sellers.len() < before)
    }
}

impl AccountStore for MemoryChat {
    async fn accounts(&self, after: i64, limit: i64) -> Result<Vec<User>, AppError> {
        let mut rows: Vec<User> = lock(&self.tables).accounts.iter().filter(|a| a.id > after).cloned().collect();
        rows.sort_by_key(|a| a.id);
        rows.truncate(limit.max(0) as usize);
        Ok(rows)
    }

    async fn find_account(&self, id: i64) -> Result<Option<User>, AppError> {
        Ok(lock(&self.tables).accounts.iter().find(|a| a.id == id).cloned())
    }

    async fn update_account(&self, id: i64, email: Option<&str>, role: Option<Role>) -> Result<Option<User>, AppError> {
        let mut t = lock(&self.tables);
        let taken = |e: &str| {
            t.accounts.iter().any(|a| a.id != id && a.email.as_deref().is_some_and(|o| o.eq_ignore_ascii_case(e)))
        };
        if email.is_some_and(taken) {
            return Err(AppError::new(ErrorCode::EmailTaken, "another account uses this email"));
        }
        Ok(t.accounts.iter_mut().find(|a| a.id == id).map(|a| {
            if let Some(email) = email {
                a.email = Some(email.to_string());
            }
            if let Some(role) = role {
                a.role = role.as_str().to_string();
            }
            a.clone()
        }))
    }

    async fn delete_account(&self, id: i64) -> Result<bool, AppError> {
        let mut t = lock(&self.tables);
        let before = t.accounts.len();
        t.accounts.retain(|a| a.id != id);
        let owned: Vec<Uuid> = t.sessions.iter().filter(|s| s.user_id == id).map(|s| s.id).collect();
        for session in owned {
            t.drop_session(session);
        }
        for m in t.messages.iter_mut().filter(|m| m.message.sender_id == Some(id)) {
            m.message.sender_id = None;
        }
        Ok(t.accounts.len() < before)
    }
}
