//! Tenant ids: what the directory accepts, and the schema and role each one owns.

use crate::domain::error::{AppError, ErrorCode};
use serde::{Deserialize, Serialize};

const MAX_TENANT_ID_LEN: usize = 40;

/// A tenant id as the directory accepts it: lowercase letters, digits and inner hyphens, at
/// most 40 characters. It becomes part of SQL identifiers, so nothing else ever passes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

impl TenantId {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let invalid = || {
            AppError::new(
                ErrorCode::InvalidTenantId,
                "X-Tenant-ID must be 1-40 lowercase letters, digits or inner hyphens",
            )
        };
        let bytes = raw.as_bytes();
        let shape_ok = !bytes.is_empty()
            && bytes.len() <= MAX_TENANT_ID_LEN
            && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
            && bytes.first() != Some(&b'-')
            && bytes.last() != Some(&b'-');
        if shape_ok { Ok(Self(raw.to_string())) } else { Err(invalid()) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The tenant's schema and the role that owns it (same name), safe as a bare identifier.
    pub fn schema(&self) -> String {
        format!("tenant_{}", self.0.replace('-', "_"))
    }
}

impl TryFrom<String> for TenantId {
    type Error = AppError;
    fn try_from(value: String) -> Result<Self, AppError> {
        Self::parse(&value)
    }
}

impl From<TenantId> for String {
    fn from(id: TenantId) -> String {
        id.0
    }
}

impl std::fmt::Display for TenantId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_are_safe_identifiers() {
        for bad in ["", "-a", "a-", "ACME", "a_b", "a;drop", "a b", "ü", &"a".repeat(41), "x'--"] {
            assert_eq!(TenantId::parse(bad).unwrap_err().code(), "INVALID_TENANT_ID", "{bad:?}");
        }
        assert_eq!(TenantId::parse("acme-eu-1").unwrap().schema(), "tenant_acme_eu_1");
    }
}
