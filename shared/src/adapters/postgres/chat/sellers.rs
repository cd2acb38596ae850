//! `sellers`: a seller lists a product once per session
//! (`sellers_session_id_name_product_key`); the owner of a seller is its session's.

use super::constraints::write_error;
use crate::adapters::postgres::{Postgres, db_error};
use crate::domain::chat::{Keyset, Owned, Seller, SellerInput, SellerStore};
use crate::domain::error::AppError;
use uuid::Uuid;

macro_rules! columns {
    () => {
        "x.id, x.session_id, x.name, x.product, x.price_cents, x.currency, x.created_at, x.updated_at"
    };
}

pub const INSERT: &str = concat!(
    "INSERT INTO sellers AS x (id, session_id, name, product, price_cents, currency) \
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
    columns!()
);
/// A page of a session's sellers in the order they were added, after the keyset ($2, $3) when given.
pub const LIST: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM sellers x WHERE x.session_id = $1 \
     AND ($2::timestamptz IS NULL OR (x.created_at, x.id) > ($2, $3)) \
     ORDER BY x.created_at, x.id LIMIT $4"
);
/// A seller with the owner of its session.
pub const FIND: &str = concat!(
    "SELECT ",
    columns!(),
    ", s.user_id AS owner FROM sellers x JOIN chat_sessions s ON s.id = x.session_id WHERE x.id = $1"
);
pub const UPDATE: &str = concat!(
    "UPDATE sellers AS x SET name = $2, product = $3, price_cents = $4, currency = $5, updated_at = now() \
     WHERE x.id = $1 RETURNING ",
    columns!()
);
pub const DELETE: &str = "DELETE FROM sellers WHERE id = $1";

fn seller(row: &tokio_postgres::Row) -> Seller {
    Seller {
        id: row.get("id"),
        session_id: row.get("session_id"),
        name: row.get("name"),
        product: row.get("product"),
        price_cents: row.get("price_cents"),
        currency: row.get("currency"),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
    }
}

impl SellerStore for Postgres {
    async fn insert_seller(&self, id: Uuid, session_id: Uuid, d: &SellerInput) -> Result<Seller, AppError> {
        let client = self.client().await?;
        let row = client
            .query_one(INSERT, &[&id, &session_id, &d.name, &d.product, &d.price_cents, &d.currency])
            .await
            .map_err(write_error)?;
        Ok(seller(&row))
    }

    async fn sellers_of(&self, session_id: Uuid, after: Option<Keyset>, limit: i64) -> Result<Vec<Seller>, AppError> {
        let (after_at, after_id) = (after.map(|k| k.created_at), after.map(|k| k.id));
        let client = self.client().await?;
        let rows = client.query(LIST, &[&session_id, &after_at, &after_id, &limit]).await.map_err(db_error)?;
        Ok(rows.iter().map(seller).collect())
    }

    async fn find_seller(&self, id: Uuid) -> Result<Option<Owned<Seller>>, AppError> {
        let client = self.client().await?;
        let row = client.query_opt(FIND, &[&id]).await.map_err(db_error)?;
        Ok(row.map(|r| Owned { item: seller(&r), owner: r.get("owner") }))
    }

    async fn update_seller(&self, id: Uuid, d: &SellerInput) -> Result<Option<Seller>, AppError> {
        let client = self.client().await?;
        let row = client
            .query_opt(UPDATE, &[&id, &d.name, &d.product, &d.price_cents, &d.currency])
            .await
            .map_err(write_error)?;
        Ok(row.as_ref().map(seller))
    }

    async fn delete_seller(&self, id: Uuid) -> Result<bool, AppError> {
        let client = self.client().await?;
        Ok(client.execute(DELETE, &[&id]).await.map_err(db_error)? > 0)
    }
}
