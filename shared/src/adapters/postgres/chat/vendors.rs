//! `vendors`: one per chat session (`vendors_session_id_key`), emails unique whatever their case
//! (`vendors_email_unique`); the owner of a vendor is its session's.

use super::constraints::write_error;
use crate::adapters::postgres::{Postgres, db_error};
use crate::domain::chat::{Owned, Vendor, VendorInput, VendorStore};
use crate::domain::error::AppError;
use uuid::Uuid;

macro_rules! columns {
    () => {
        "v.id, v.session_id, v.name, v.email, v.phone, v.created_at, v.updated_at"
    };
}

pub const INSERT: &str = concat!(
    "INSERT INTO vendors AS v (id, session_id, name, email, phone) VALUES ($1, $2, $3, $4, $5) RETURNING ",
    columns!()
);
pub const OF_SESSION: &str = concat!("SELECT ", columns!(), " FROM vendors v WHERE v.session_id = $1");
/// A vendor with the owner of its session.
pub const FIND: &str = concat!(
    "SELECT ",
    columns!(),
    ", s.user_id AS owner FROM vendors v JOIN chat_sessions s ON s.id = v.session_id WHERE v.id = $1"
);
pub const UPDATE: &str = concat!(
    "UPDATE vendors AS v SET name = $2, email = $3, phone = $4, updated_at = now() WHERE v.id = $1 RETURNING ",
    columns!()
);
pub const DELETE: &str = "DELETE FROM vendors WHERE id = $1";

fn vendor(row: &tokio_postgres::Row) -> Vendor {
    Vendor {
        id: row.get("id"),
        session_id: row.get("session_id"),
        name: row.get("name"),
        email: row.get("email"),
        phone: row.get("phone"),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
    }
}

impl VendorStore for Postgres {
    async fn insert_vendor(&self, id: Uuid, session_id: Uuid, d: &VendorInput) -> Result<Vendor, AppError> {
        let client = self.client().await?;
        let row =
            client.query_one(INSERT, &[&id, &session_id, &d.name, &d.email, &d.phone]).await.map_err(write_error)?;
        Ok(vendor(&row))
    }

    async fn vendor_of_session(&self, session_id: Uuid) -> Result<Option<Vendor>, AppError> {
        let client = self.client().await?;
        let row = client.query_opt(OF_SESSION, &[&session_id]).await.map_err(db_error)?;
        Ok(row.as_ref().map(vendor))
    }

    async fn find_vendor(&self, id: Uuid) -> Result<Option<Owned<Vendor>>, AppError> {
        let client = self.client().await?;
        let row = client.query_opt(FIND, &[&id]).await.map_err(db_error)?;
        Ok(row.map(|r| Owned { item: vendor(&r), owner: r.get("owner") }))
    }

    async fn update_vendor(&self, id: Uuid, d: &VendorInput) -> Result<Option<Vendor>, AppError> {
        let client = self.client().await?;
        let row = client.query_opt(UPDATE, &[&id, &d.name, &d.email, &d.phone]).await.map_err(write_error)?;
        Ok(row.as_ref().map(vendor))
    }

    async fn delete_vendor(&self, id: Uuid) -> Result<bool, AppError> {
        let client = self.client().await?;
        Ok(client.execute(DELETE, &[&id]).await.map_err(db_error)? > 0)
    }
}
