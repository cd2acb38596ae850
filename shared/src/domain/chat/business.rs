//! Vendors and sellers of a chat session (seed 004): one vendor per session (1:1), any number
//! of sellers with their products (1:M). The database's unique rules decide conflicts (409),
//! so two concurrent requests cannot both win.

use super::{Caller, ChatApi, Page, trimmed, trimmed_opt};
use crate::adapters::postgres::{db_error, unique_violation};
use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::Validate;

/// The vendor of a chat session (one per session).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatVendor))]
#[serde(rename_all = "camelCase")]
pub struct Vendor {
    pub id: Uuid,
    /// The chat session the vendor belongs to.
    pub session_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200, example = "Acme Wholesale"))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(required = true, max_length = 254, example = "sales@acme.example"))]
    pub email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, max_length = 32, example = "+49 30 1234567"))]
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The body of `POST` (with `sessionId`) and `PUT` (without: a vendor stays with its session).
#[derive(Debug, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatVendorInput))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VendorInput {
    /// The chat session (required to create; cannot be changed).
    #[serde(default)]
    pub session_id: Option<Uuid>,
    /// Trimmed, then 1-200 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 200))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$",
            example = "Acme Wholesale"
        )
    )]
    pub name: String,
    /// Trimmed; an email address of at most 254 characters, unique among vendors (whatever the case).
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(email, length(max = 254))]
    #[cfg_attr(feature = "openapi", schema(format = Email, max_length = 254, example = "sales@acme.example"))]
    pub email: Option<String>,
    /// Trimmed; 6-15 digits, which may be separated by spaces, `+`, `-`, `(`, `)` and `.`; at most 32 characters.
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(custom(function = "is_phone"))]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 32, pattern = r"^[ +().\-]*([0-9][ +().\-]*){6,15}$", example = "+49 30 1234567")
    )]
    pub phone: Option<String>,
}

fn is_phone(value: &str) -> Result<(), validator::ValidationError> {
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    let ok = value.len() <= 32
        && (6..=15).contains(&digits)
        && value.bytes().all(|b| b.is_ascii_digit() || b" +-().".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(validator::ValidationError::new("phone").with_message("must be a phone number (6-15 digits)".into()))
    }
}

/// A seller of a chat session with the product it offers.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatSeller))]
#[serde(rename_all = "camelCase")]
pub struct Seller {
    pub id: Uuid,
    /// The chat session the seller belongs to.
    pub session_id: Uuid,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200, example = "Ann's Teas"))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200, example = "Sencha 100 g"))]
    pub product: String,
    /// Price in the currency's minor unit.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, example = 450))]
    pub price_cents: i64,
    /// ISO 4217 code.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Z]{3}$", example = "EUR"))]
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The body of `POST` (with `sessionId`) and `PUT` (without: a seller stays with its session).
#[derive(Debug, Deserialize, Validate)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = ChatSellerInput))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SellerInput {
    /// The chat session (required to create; cannot be changed).
    #[serde(default)]
    pub session_id: Option<Uuid>,
    /// Trimmed, then 1-200 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 200))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$",
            example = "Ann's Teas"
        )
    )]
    pub name: String,
    /// Trimmed, then 1-200 characters; a seller lists a product once per session.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 200))]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$",
            example = "Sencha 100 g"
        )
    )]
    pub product: String,
    /// Price in the currency's minor unit, 0 to 10^12.
    #[serde(deserialize_with = "crate::domain::json::integer")]
    #[validate(range(min = 0, max = 1_000_000_000_000i64))]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1_000_000_000_000i64, example = 450))]
    pub price_cents: i64,
    /// ISO 4217 code: three capital letters.
    #[validate(custom(function = "is_currency"))]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Z]{3}$", example = "EUR"))]
    pub currency: String,
}

fn is_currency(value: &str) -> Result<(), validator::ValidationError> {
    if value.len() == 3 && value.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("currency").with_message("must be an ISO 4217 code such as EUR".into()))
    }
}

/// `sessionId` is required to create and refused on update.
fn session_of(session_id: Option<Uuid>, creating: bool) -> Result<Option<Uuid>, AppError> {
    let problem = match (session_id, creating) {
        (None, true) => "is required",
        (Some(_), false) => "cannot be changed",
        _ => return Ok(session_id),
    };
    let fields = crate::domain::error::FieldErrors::from([("sessionId".to_string(), vec![problem.to_string()])]);
    Err(AppError::Invalid { message: "invalid fields: sessionId".into(), fields })
}

pub fn vendor_not_found() -> AppError {
    AppError::new(ErrorCode::VendorNotFound, "no such vendor")
}

pub fn seller_not_found() -> AppError {
    AppError::new(ErrorCode::SellerNotFound, "no such seller")
}

fn vendor_conflict(e: tokio_postgres::Error) -> AppError {
    match unique_violation(&e) {
        Some("vendors_session_id_key") => {
            AppError::new(ErrorCode::VendorExists, "this chat session already has a vendor")
        }
        Some("vendors_email_unique") => {
            AppError::new(ErrorCode::VendorEmailTaken, "a vendor with this email already exists")
        }
        _ => db_error(e),
    }
}

fn seller_conflict(e: tokio_postgres::Error) -> AppError {
    match unique_violation(&e) {
        Some(_) => {
            AppError::new(ErrorCode::SellerProductExists, "this seller already lists this product in this session")
        }
        None => db_error(e),
    }
}

const VENDOR_COLUMNS: &str = "v.id, v.session_id, v.name, v.email, v.phone, v.created_at, v.updated_at";
const SELLER_COLUMNS: &str =
    "x.id, x.session_id, x.name, x.product, x.price_cents, x.currency, x.created_at, x.updated_at";

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

/// Keyset cursor over (created_at, id) for sellers.
fn seller_cursor(s: &Seller) -> String {
    format!("{}_{}", s.created_at.timestamp_micros(), s.id)
}

impl ChatApi {
    pub async fn create_vendor(&self, caller: &Caller, d: &VendorInput) -> Result<Vendor, AppError> {
        let session_id = session_of(d.session_id, true)?.unwrap_or_default();
        self.session(caller, session_id).await?;
        let client = self.db.client().await?;
        let row = client
            .query_one(
                "INSERT INTO vendors AS v (id, session_id, name, email, phone) VALUES ($1, $2, $3, $4, $5) \
                 RETURNING v.id, v.session_id, v.name, v.email, v.phone, v.created_at, v.updated_at",
                &[&Uuid::now_v7(), &session_id, &d.name, &d.email, &d.phone],
            )
            .await
            .map_err(vendor_conflict)?;
        Ok(vendor(&row))
    }

    /// The vendor of a session the caller may see.
    pub async fn session_vendor(&self, caller: &Caller, session_id: Uuid) -> Result<Vendor, AppError> {
        self.session(caller, session_id).await?;
        let client = self.db.client().await?;
        let row = client
            .query_opt(&format!("SELECT {VENDOR_COLUMNS} FROM vendors v WHERE v.session_id = $1"), &[&session_id])
            .await
            .map_err(db_error)?;
        row.as_ref().map(vendor).ok_or_else(vendor_not_found)
    }

    pub async fn vendor(&self, caller: &Caller, id: Uuid) -> Result<Vendor, AppError> {
        let client = self.db.client().await?;
        let row = client
            .query_opt(
                &format!("SELECT {VENDOR_COLUMNS}, s.user_id AS owner FROM vendors v JOIN chat_sessions s ON s.id = v.session_id WHERE v.id = $1"),
                &[&id],
            )
            .await
            .map_err(db_error)?;
        row.filter(|r| caller.may_access(r.get("owner"))).as_ref().map(vendor).ok_or_else(vendor_not_found)
    }

    pub async fn update_vendor(&self, caller: &Caller, id: Uuid, d: &VendorInput) -> Result<Vendor, AppError> {
        session_of(d.session_id, false)?;
        self.vendor(caller, id).await?;
        let client = self.db.client().await?;
        let row = client
            .query_opt(
                "UPDATE vendors AS v SET name = $2, email = $3, phone = $4, updated_at = now() WHERE v.id = $1 \
                 RETURNING v.id, v.session_id, v.name, v.email, v.phone, v.created_at, v.updated_at",
                &[&id, &d.name, &d.email, &d.phone],
            )
            .await
            .map_err(vendor_conflict)?;
        row.as_ref().map(vendor).ok_or_else(vendor_not_found)
    }

    pub async fn delete_vendor(&self, caller: &Caller, id: Uuid) -> Result<(), AppError> {
        self.vendor(caller, id).await?;
        let client = self.db.client().await?;
        let n = client.execute("DELETE FROM vendors WHERE id = $1", &[&id]).await.map_err(db_error)?;
        if n == 0 { Err(vendor_not_found()) } else { Ok(()) }
    }

    pub async fn create_seller(&self, caller: &Caller, d: &SellerInput) -> Result<Seller, AppError> {
        let session_id = session_of(d.session_id, true)?.unwrap_or_default();
        self.session(caller, session_id).await?;
        let client = self.db.client().await?;
        let row = client
            .query_one(
                "INSERT INTO sellers AS x (id, session_id, name, product, price_cents, currency) VALUES ($1, $2, $3, $4, $5, $6) \
                 RETURNING x.id, x.session_id, x.name, x.product, x.price_cents, x.currency, x.created_at, x.updated_at",
                &[&Uuid::now_v7(), &session_id, &d.name, &d.product, &d.price_cents, &d.currency],
            )
            .await
            .map_err(seller_conflict)?;
        Ok(seller(&row))
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
        let after = cursor.map(super::decode_cursor).transpose()?;
        let (after_at, after_id) = (after.map(|a| a.0), after.map(|a| a.1));
        let client = self.db.client().await?;
        let rows = client
            .query(
                &format!(
                    "SELECT {SELLER_COLUMNS} FROM sellers x WHERE x.session_id = $1 \
                     AND ($2::timestamptz IS NULL OR (x.created_at, x.id) > ($2, $3)) \
                     ORDER BY x.created_at, x.id LIMIT $4"
                ),
                &[&session_id, &after_at, &after_id, &(limit + 1)],
            )
            .await
            .map_err(db_error)?;
        let mut items: Vec<Seller> = rows.iter().map(seller).collect();
        let more = items.len() as i64 > limit;
        items.truncate(limit as usize);
        let next_cursor = if more { items.last().map(seller_cursor) } else { None };
        Ok(Page { items, next_cursor })
    }

    pub async fn seller(&self, caller: &Caller, id: Uuid) -> Result<Seller, AppError> {
        let client = self.db.client().await?;
        let row = client
            .query_opt(
                &format!("SELECT {SELLER_COLUMNS}, s.user_id AS owner FROM sellers x JOIN chat_sessions s ON s.id = x.session_id WHERE x.id = $1"),
                &[&id],
            )
            .await
            .map_err(db_error)?;
        row.filter(|r| caller.may_access(r.get("owner"))).as_ref().map(seller).ok_or_else(seller_not_found)
    }

    pub async fn update_seller(&self, caller: &Caller, id: Uuid, d: &SellerInput) -> Result<Seller, AppError> {
        session_of(d.session_id, false)?;
        self.seller(caller, id).await?;
        let client = self.db.client().await?;
        let row = client
            .query_opt(
                "UPDATE sellers AS x SET name = $2, product = $3, price_cents = $4, currency = $5, updated_at = now() WHERE x.id = $1 \
                 RETURNING x.id, x.session_id, x.name, x.product, x.price_cents, x.currency, x.created_at, x.updated_at",
                &[&id, &d.name, &d.product, &d.price_cents, &d.currency],
            )
            .await
            .map_err(seller_conflict)?;
        row.as_ref().map(seller).ok_or_else(seller_not_found)
    }

    pub async fn delete_seller(&self, caller: &Caller, id: Uuid) -> Result<(), AppError> {
        self.seller(caller, id).await?;
        let client = self.db.client().await?;
        let n = client.execute("DELETE FROM sellers WHERE id = $1", &[&id]).await.map_err(db_error)?;
        if n == 0 { Err(seller_not_found()) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_currencies() {
        for ok in ["+49 30 1234567", "(555) 123-4567", "0123456"] {
            assert!(is_phone(ok).is_ok(), "{ok}");
        }
        for bad in ["12345", "call me", "+1 234 567 890 123 456 7", "555-CALL-NOW"] {
            assert!(is_phone(bad).is_err(), "{bad}");
        }
        assert!(is_currency("EUR").is_ok());
        for bad in ["eur", "EURO", "E1R", ""] {
            assert!(is_currency(bad).is_err(), "{bad}");
        }
    }
}

#[cfg(test)]
mod input_tests {
    use super::*;
    use crate::transport::http::validation::deserialize;

    fn fields_of(body: &str) -> Vec<String> {
        let checked = deserialize::<SellerInput>(body.as_bytes()).and_then(|s| {
            s.validate().map_err(|e| AppError::Invalid {
                message: String::new(),
                fields: crate::transport::http::validation::flatten(&e),
            })?;
            session_of(s.session_id, true).map(|_| ())
        });
        match checked {
            Err(AppError::Invalid { fields, .. }) => fields.into_keys().collect(),
            other => panic!("{body}: {other:?}"),
        }
    }

    #[test]
    fn seller_bodies_name_their_bad_fields() {
        let sid = Uuid::now_v7();
        let ok = format!(r#"{{"sessionId":"{sid}","name":"Ann","product":"Tea","priceCents":450,"currency":"EUR"}}"#);
        assert!(deserialize::<SellerInput>(ok.as_bytes()).unwrap().validate().is_ok());
        assert_eq!(fields_of(&ok.replace('}', r#","owner":1}"#)), ["owner"]);
        assert_eq!(fields_of(&ok.replace(r#""priceCents":450"#, r#""priceCents":-1"#)), ["priceCents"]);
        assert_eq!(fields_of(&ok.replace("450", r#""cheap""#)), ["priceCents"]);
        assert_eq!(fields_of(&ok.replace("EUR", "euro")), ["currency"]);
        assert_eq!(fields_of(r#"{"name":"Ann","product":"Tea","priceCents":1,"currency":"EUR"}"#), ["sessionId"]);
        assert_eq!(
            fields_of(&format!(r#"{{"sessionId":"{sid}","name":"Ann","product":"Tea","currency":"EUR"}}"#)),
            ["priceCents"]
        );
    }
}
