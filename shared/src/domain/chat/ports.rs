//! What the chat rules need from storage, one trait per kind of record: chat sessions,
//! messages, vendors, sellers and user accounts. Lists return up to `limit` rows in the list's
//! order (the rules ask for one more than a page, to know whether another page follows). A
//! write that breaks a store's rule answers its API error: a user deleted since their token was
//! issued (INVALID_TOKEN), or a duplicate (VENDOR_EXISTS, VENDOR_EMAIL_TAKEN,
//! SELLER_PRODUCT_EXISTS, EMAIL_TAKEN).

use super::messages::{Message, NewMessage};
use super::sellers::{Seller, SellerInput};
use super::sessions::ChatSession;
use super::users::{Role, User};
use super::vendors::{Vendor, VendorInput};
use crate::domain::error::AppError;
use crate::domain::paging::Keyset;
use std::future::Future;
use uuid::Uuid;

/// A record with the owner of the chat session it belongs to: whoever may see that session may
/// see the record.
#[derive(Debug, Clone, PartialEq)]
pub struct Owned<T> {
    pub item: T,
    pub owner: i64,
}

/// A message with its position in its session: the order of the list and its cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct Sequenced {
    pub seq: i64,
    pub message: Message,
}

pub trait ChatSessionStore: Send + Sync {
    /// Stores a new session owned by `user_id` (INVALID_TOKEN when that user is gone).
    fn insert_session(
        &self,
        id: Uuid,
        user_id: i64,
        title: &str,
    ) -> impl Future<Output = Result<ChatSession, AppError>> + Send;

    /// The sessions of `user_id`, newest first, from after `after`.
    fn sessions_of(
        &self,
        user_id: i64,
        after: Option<Keyset>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<ChatSession>, AppError>> + Send;

    fn find_session(&self, id: Uuid) -> impl Future<Output = Result<Option<ChatSession>, AppError>> + Send;

    /// The session with its new title; None when it is gone.
    fn rename_session(
        &self,
        id: Uuid,
        title: &str,
    ) -> impl Future<Output = Result<Option<ChatSession>, AppError>> + Send;

    /// Deletes a session with its messages, vendor and sellers; false when it was already gone.
    fn delete_session(&self, id: Uuid) -> impl Future<Output = Result<bool, AppError>> + Send;
}

pub trait MessageStore: Send + Sync {
    /// Stores a message of `sender_id` in `message.session_id` (INVALID_TOKEN when the sender is
    /// gone).
    fn insert_message(
        &self,
        id: Uuid,
        sender_id: i64,
        message: &NewMessage,
    ) -> impl Future<Output = Result<Message, AppError>> + Send;

    /// A session's messages in the order they were written, from after position `after`.
    fn messages_of(
        &self,
        session_id: Uuid,
        after: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<Sequenced>, AppError>> + Send;

    fn find_message(&self, id: Uuid) -> impl Future<Output = Result<Option<Owned<Message>>, AppError>> + Send;

    /// Replaces a message's text and marks it edited; None when it is gone.
    fn edit_message(&self, id: Uuid, text: &str) -> impl Future<Output = Result<Option<Message>, AppError>> + Send;

    fn delete_message(&self, id: Uuid) -> impl Future<Output = Result<bool, AppError>> + Send;
}

pub trait VendorStore: Send + Sync {
    /// Stores the vendor of `session_id` (VENDOR_EXISTS when the session has one,
    /// VENDOR_EMAIL_TAKEN when another vendor has the email, whatever its case).
    fn insert_vendor(
        &self,
        id: Uuid,
        session_id: Uuid,
        details: &VendorInput,
    ) -> impl Future<Output = Result<Vendor, AppError>> + Send;

    fn vendor_of_session(&self, session_id: Uuid) -> impl Future<Output = Result<Option<Vendor>, AppError>> + Send;

    fn find_vendor(&self, id: Uuid) -> impl Future<Output = Result<Option<Owned<Vendor>>, AppError>> + Send;

    /// Replaces a vendor's name, email and phone (VENDOR_EMAIL_TAKEN); None when it is gone.
    fn update_vendor(
        &self,
        id: Uuid,
        details: &VendorInput,
    ) -> impl Future<Output = Result<Option<Vendor>, AppError>> + Send;

    fn delete_vendor(&self, id: Uuid) -> impl Future<Output = Result<bool, AppError>> + Send;
}

pub trait SellerStore: Send + Sync {
    /// Stores a seller of `session_id` (SELLER_PRODUCT_EXISTS when that seller already lists
    /// that product there).
    fn insert_seller(
        &self,
        id: Uuid,
        session_id: Uuid,
        details: &SellerInput,
    ) -> impl Future<Output = Result<Seller, AppError>> + Send;

    /// A session's sellers in the order they were added, from after `after`.
    fn sellers_of(
        &self,
        session_id: Uuid,
        after: Option<Keyset>,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<Seller>, AppError>> + Send;

    fn find_seller(&self, id: Uuid) -> impl Future<Output = Result<Option<Owned<Seller>>, AppError>> + Send;

    /// Replaces a seller's details (SELLER_PRODUCT_EXISTS); None when it is gone.
    fn update_seller(
        &self,
        id: Uuid,
        details: &SellerInput,
    ) -> impl Future<Output = Result<Option<Seller>, AppError>> + Send;

    fn delete_seller(&self, id: Uuid) -> impl Future<Output = Result<bool, AppError>> + Send;
}

/// User accounts as `/api/v1/users` manages them.
pub trait AccountStore: Send + Sync {
    /// Accounts by id, from after id `after`.
    fn accounts(&self, after: i64, limit: i64) -> impl Future<Output = Result<Vec<User>, AppError>> + Send;

    fn find_account(&self, id: i64) -> impl Future<Output = Result<Option<User>, AppError>> + Send;

    /// Sets what is given and keeps the rest (EMAIL_TAKEN when another account has the email,
    /// whatever its case); None when the account is gone.
    fn update_account(
        &self,
        id: i64,
        email: Option<&str>,
        role: Option<Role>,
    ) -> impl Future<Output = Result<Option<User>, AppError>> + Send;

    /// Deletes an account with its chat sessions and login sessions; its messages in other
    /// users' sessions stay, without sender. False when it was already gone.
    fn delete_account(&self, id: i64) -> impl Future<Output = Result<bool, AppError>> + Send;
}
