//! The sellers of a chat session, each with the product it offers (any number per session). A
//! seller lists a product once per session: the store's unique rule decides (409
//! SELLER_PRODUCT_EXISTS), so two concurrent requests cannot both win.

use super::text::trimmed;
use crate::domain::error::{AppError, ErrorCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::Validate;

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

pub fn seller_not_found() -> AppError {
    AppError::new(ErrorCode::SellerNotFound, "no such seller")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies() {
        assert!(is_currency("EUR").is_ok());
        for bad in ["eur", "EURO", "E1R", ""] {
            assert!(is_currency(bad).is_err(), "{bad}");
        }
    }
}
