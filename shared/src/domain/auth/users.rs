//! Users as the auth rules see them, and as the API shows them.

use serde::Serialize;

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub password_hash: String,
    pub tenant_id: Option<String>,
}

/// The user a registration created.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewUser {
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(example = "alice"))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(example = "alice@example.com"))]
    pub email: String,
    /// Always `user` for a registration.
    #[cfg_attr(feature = "openapi", schema(value_type = UserRole))]
    pub role: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// The user a login was for.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSummary {
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(example = "alice"))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(value_type = UserRole))]
    pub role: String,
}

impl From<&UserRecord> for UserSummary {
    fn from(u: &UserRecord) -> Self {
        Self { id: u.id, username: u.username.clone(), role: u.role.clone() }
    }
}

/// A user as others may see it (no password material).
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(example = "alice"))]
    pub username: String,
    /// Null for users created without one.
    #[cfg_attr(feature = "openapi", schema(required = true, format = Email, example = "alice@example.com"))]
    pub email: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = UserRole))]
    pub role: String,
    /// The user's tenant, null when none.
    #[cfg_attr(feature = "openapi", schema(required = true, example = "acme"))]
    pub tenant_id: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Null until the first login.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_login_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A user's role (the `users.role` check constraint; roles travel as text).
#[cfg(feature = "openapi")]
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserRole {
    User,
    Admin,
}
