//! The vendor (one) and the sellers (any number) of a chat session: whoever may see the session
//! may manage them; for anyone else they do not exist.

use super::caller::Caller;
use super::ports::{ChatSessionStore, SellerStore, VendorStore};
use super::sellers::{Seller, SellerInput, seller_not_found};
use super::service::Chat;
use super::sessions::session_of;
use super::vendors::{Vendor, VendorInput, vendor_not_found};
use crate::domain::error::AppError;
use crate::domain::paging::{Keyset, Page};
use uuid::Uuid;

impl<D: ChatSessionStore + VendorStore, U, T, C> Chat<D, U, T, C> {
    pub async fn create_vendor(&self, caller: &Caller, input: &VendorInput) -> Result<Vendor, AppError> {
        let session_id = session_of(input.session_id, true)?.unwrap_or_default();
        self.session(caller, session_id).await?;
        self.store.insert_vendor(Uuid::now_v7(), session_id, input).await
    }

    /// The vendor of a session the caller may see.
    pub async fn session_vendor(&self, caller: &Caller, session_id: Uuid) -> Result<Vendor, AppError> {
        self.session(caller, session_id).await?;
        self.store.vendor_of_session(session_id).await?.ok_or_else(vendor_not_found)
    }

    /// A vendor of a session the caller may see, or VENDOR_NOT_FOUND.
    pub async fn vendor(&self, caller: &Caller, id: Uuid) -> Result<Vendor, AppError> {
        let found = self.store.find_vendor(id).await?;
        found.filter(|v| caller.may_access(v.owner)).map(|v| v.item).ok_or_else(vendor_not_found)
    }

    pub async fn update_vendor(&self, caller: &Caller, id: Uuid, input: &VendorInput) -> Result<Vendor, AppError> {
        session_of(input.session_id, false)?;
        self.vendor(caller, id).await?;
        self.store.update_vendor(id, input).await?.ok_or_else(vendor_not_found)
    }

    pub async fn delete_vendor(&self, caller: &Caller, id: Uuid) -> Result<(), AppError> {
        self.vendor(caller, id).await?;
        if self.store.delete_vendor(id).await? { Ok(()) } else { Err(vendor_not_found()) }
    }
}

impl<D: ChatSessionStore + SellerStore, U, T, C> Chat<D, U, T, C> {
    pub async fn create_seller(&self, caller: &Caller, input: &SellerInput) -> Result<Seller, AppError> {
        let session_id = session_of(input.session_id, true)?.unwrap_or_default();
        self.session(caller, session_id).await?;
        self.store.insert_seller(Uuid::now_v7(), session_id, input).await
    }

    /// A session's sellers in the order they were added.
    pub async fn sellers(
        &self,
        caller: &Caller,
        session_id: Uuid,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<Seller>, AppError> {
        self.session(caller, session_id).await?;
        let after = Keyset::after(cursor)?;
        let rows = self.store.sellers_of(session_id, after, limit + 1).await?;
        Ok(Page::of(rows, limit, |s| Keyset { created_at: s.created_at, id: s.id }.encode()))
    }

    /// A seller of a session the caller may see, or SELLER_NOT_FOUND.
    pub async fn seller(&self, caller: &Caller, id: Uuid) -> Result<Seller, AppError> {
        let found = self.store.find_seller(id).await?;
        found.filter(|s| caller.may_access(s.owner)).map(|s| s.item).ok_or_else(seller_not_found)
    }

    pub async fn update_seller(&self, caller: &Caller, id: Uuid, input: &SellerInput) -> Result<Seller, AppError> {
        session_of(input.session_id, false)?;
        self.seller(caller, id).await?;
        self.store.update_seller(id, input).await?.ok_or_else(seller_not_found)
    }

    pub async fn delete_seller(&self, caller: &Caller, id: Uuid) -> Result<(), AppError> {
        self.seller(caller, id).await?;
        if self.store.delete_seller(id).await? { Ok(()) } else { Err(seller_not_found()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::chat::service::tests::{ADMIN, ALICE, BOB, TestChat, chat};
    use crate::domain::chat::sessions::SessionInput;

    async fn session_of(chat: &TestChat, caller: &Caller) -> Uuid {
        chat.create_session(caller, &SessionInput { title: "t".into() }).await.unwrap().id
    }

    fn vendor(session_id: Option<Uuid>, email: Option<&str>) -> VendorInput {
        VendorInput { session_id, name: "Acme".into(), email: email.map(str::to_string), phone: None }
    }

    fn seller(session_id: Option<Uuid>, product: &str) -> SellerInput {
        SellerInput {
            session_id,
            name: "Ann".into(),
            product: product.into(),
            price_cents: 450,
            currency: "EUR".into(),
        }
    }

    #[tokio::test]
    async fn one_vendor_per_session_and_vendor_emails_are_unique_whatever_their_case() {
        let chat = chat(100);
        let (first, second) = (session_of(&chat, &ALICE).await, session_of(&chat, &ALICE).await);
        let created = chat.create_vendor(&ALICE, &vendor(Some(first), Some("sales@acme.example"))).await.unwrap();
        let again = chat.create_vendor(&ALICE, &vendor(Some(first), None)).await.unwrap_err();
        assert_eq!(again.code(), "VENDOR_EXISTS");
        let taken = chat.create_vendor(&ALICE, &vendor(Some(second), Some("SALES@acme.example"))).await.unwrap_err();
        assert_eq!(taken.code(), "VENDOR_EMAIL_TAKEN");
        assert_eq!(chat.session_vendor(&ALICE, first).await.unwrap(), created);
        assert_eq!(chat.session_vendor(&ALICE, second).await.unwrap_err().code(), "VENDOR_NOT_FOUND");
        assert_eq!(chat.session_vendor(&BOB, first).await.unwrap_err().code(), "SESSION_NOT_FOUND");
    }

    #[tokio::test]
    async fn a_vendor_stays_with_its_session_and_hides_from_other_users() {
        let chat = chat(100);
        let session = session_of(&chat, &ALICE).await;
        let missing = chat.create_vendor(&ALICE, &vendor(None, None)).await.unwrap_err();
        assert!(missing.fields().is_some_and(|f| f.contains_key("sessionId")));
        let id = chat.create_vendor(&ALICE, &vendor(Some(session), None)).await.unwrap().id;
        let moved = chat.update_vendor(&ALICE, id, &vendor(Some(session), None)).await.unwrap_err();
        assert!(moved.fields().is_some_and(|f| f.contains_key("sessionId")));
        assert_eq!(chat.vendor(&BOB, id).await.unwrap_err().code(), "VENDOR_NOT_FOUND");
        assert_eq!(chat.update_vendor(&BOB, id, &vendor(None, None)).await.unwrap_err().code(), "VENDOR_NOT_FOUND");
        let renamed = VendorInput { name: "Acme Wholesale".into(), ..vendor(None, None) };
        assert_eq!(chat.update_vendor(&ADMIN, id, &renamed).await.unwrap().name, "Acme Wholesale");
        chat.delete_vendor(&ALICE, id).await.unwrap();
        assert_eq!(chat.delete_vendor(&ALICE, id).await.unwrap_err().code(), "VENDOR_NOT_FOUND");
    }

    #[tokio::test]
    async fn a_seller_lists_a_product_once_per_session() {
        let chat = chat(100);
        let (first, second) = (session_of(&chat, &ALICE).await, session_of(&chat, &ALICE).await);
        chat.create_seller(&ALICE, &seller(Some(first), "Sencha")).await.unwrap();
        let again = chat.create_seller(&ALICE, &seller(Some(first), "Sencha")).await.unwrap_err();
        assert_eq!(again.code(), "SELLER_PRODUCT_EXISTS");
        chat.create_seller(&ALICE, &seller(Some(second), "Sencha")).await.unwrap();
        let other = chat.create_seller(&ALICE, &seller(Some(first), "Matcha")).await.unwrap();
        let clash = chat.update_seller(&ALICE, other.id, &seller(None, "Sencha")).await.unwrap_err();
        assert_eq!(clash.code(), "SELLER_PRODUCT_EXISTS");
        assert_eq!(chat.seller(&BOB, other.id).await.unwrap_err().code(), "SELLER_NOT_FOUND");
        assert_eq!(chat.create_seller(&BOB, &seller(Some(first), "x")).await.unwrap_err().code(), "SESSION_NOT_FOUND");
    }

    #[tokio::test]
    async fn sellers_are_listed_in_the_order_they_were_added() {
        let chat = chat(100);
        let session = session_of(&chat, &ALICE).await;
        let mut ids = Vec::new();
        for product in ["a", "b", "c"] {
            ids.push(chat.create_seller(&ALICE, &seller(Some(session), product)).await.unwrap().id);
        }
        let first = chat.sellers(&ALICE, session, 2, None).await.unwrap();
        assert_eq!(first.items.iter().map(|s| s.id).collect::<Vec<_>>(), ids[..2]);
        let second = chat.sellers(&ALICE, session, 2, first.next_cursor.as_deref()).await.unwrap();
        assert_eq!((second.items.iter().map(|s| s.id).collect::<Vec<_>>(), second.next_cursor), (vec![ids[2]], None));
        assert_eq!(chat.sellers(&BOB, session, 2, None).await.unwrap_err().code(), "SESSION_NOT_FOUND");
        assert_eq!(chat.sellers(&ALICE, session, 2, Some("1_x")).await.unwrap_err().code(), "INVALID_CURSOR");
    }
}
