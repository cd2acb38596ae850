//! RFC 7662 token introspection for other services (the tenant service): any token that is
//! not currently valid is simply inactive, and only known clients may ask.

use super::ports::{TokenStore, UserStore};
use super::service::Identity;
use super::tokens::{Claims, TokenType, refresh_token_hash};
use crate::domain::error::{AppError, ErrorCode};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

/// RFC 7662 introspection response, with this system's role and tenant claims.
#[derive(Debug, Serialize, PartialEq)]
pub struct Introspection {
    pub active: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub details: Option<IntrospectionDetails>,
}

/// The claims of an active token, as introspection reports them.
#[derive(Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntrospectionDetails {
    /// The user id.
    #[cfg_attr(feature = "openapi", schema(example = "42"))]
    pub sub: String,
    #[cfg_attr(feature = "openapi", schema(example = "alice"))]
    pub username: String,
    /// Space-separated scopes derived from the role (`api`, or `api admin` for admins).
    #[cfg_attr(feature = "openapi", schema(example = "api"))]
    pub scope: String,
    /// Expiry, seconds since the Unix epoch.
    #[cfg_attr(feature = "openapi", schema(example = 1767225600))]
    pub exp: i64,
    /// Issue time, seconds since the Unix epoch.
    #[cfg_attr(feature = "openapi", schema(example = 1767222000))]
    pub iat: i64,
    #[cfg_attr(feature = "openapi", schema(example = "rust-lambda"))]
    pub iss: String,
    #[cfg_attr(feature = "openapi", schema(example = "rust-lambda-api"))]
    pub aud: String,
    /// The token's id.
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub jti: String,
    pub token_type: TokenType,
    #[cfg_attr(feature = "openapi", schema(value_type = super::users::UserRole))]
    pub role: String,
    /// The user's tenant; absent when the user has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "acme"))]
    pub tenant_id: Option<String>,
}

/// `{"active": false}`, or `active: true` with the token's claims: a `oneOf`, since an
/// inactive answer carries nothing else (RFC 7662 §2.2).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Introspection {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, AllOfBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
        use utoipa::openapi::{Ref, RefOr};
        let active = |value: bool| {
            ObjectBuilder::new()
                .property("active", ObjectBuilder::new().schema_type(Type::Boolean).enum_values(Some([value])))
                .required("active")
        };
        let inactive = active(false)
            .title(Some("inactive"))
            .description(Some("Not a currently valid token of this service: nothing else is said"))
            .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)));
        let active = AllOfBuilder::new()
            .title(Some("active"))
            .description(Some("A valid, unrevoked access token of this service, with its claims"))
            .item(active(true))
            .item(Ref::from_schema_name(<IntrospectionDetails as utoipa::ToSchema>::name()));
        RefOr::T(Schema::OneOf(
            OneOfBuilder::new()
                .description(Some("RFC 7662 introspection response"))
                .item(inactive)
                .item(active)
                .build(),
        ))
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Introspection {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        use utoipa::PartialSchema as _;
        schemas.push((IntrospectionDetails::name().into(), IntrospectionDetails::schema()));
        IntrospectionDetails::schemas(schemas);
    }
}

impl Introspection {
    pub fn inactive() -> Self {
        Self { active: false, details: None }
    }

    pub fn from_claims(c: Claims) -> Self {
        Self {
            active: true,
            details: Some(IntrospectionDetails {
                sub: c.sub,
                username: c.username,
                scope: c.scope,
                exp: c.exp,
                iat: c.iat,
                iss: c.iss,
                aud: c.aud,
                jti: c.jti,
                token_type: TokenType::Bearer,
                role: c.role,
                tenant_id: c.tenant,
            }),
        }
    }
}

/// `POST /auth/introspect`: the tokens to judge and the clients allowed to ask.
pub struct TokenIntrospection<U, T> {
    pub identity: Identity<U, T>,
    pub clients: IntrospectionClients,
}

impl<U: UserStore, T: TokenStore> Identity<U, T> {
    /// RFC 7662: any token that is not currently valid is simply `active: false`.
    pub async fn introspect(&self, token: &str) -> Result<Introspection, AppError> {
        let Ok(claims) = self.tokens.verify(token) else {
            return Ok(Introspection::inactive());
        };
        if !self.token_store.is_active(&claims.jti).await? || !self.users.user_exists(&claims.sub).await? {
            return Ok(Introspection::inactive());
        }
        Ok(Introspection::from_claims(claims))
    }
}

/// Clients allowed to call the introspection endpoint (RFC 7662 §2.1 requires the caller to
/// authenticate): `INTROSPECTION_CLIENTS="tenant-service:<secret>,other:<secret>"`, checked
/// with HTTP Basic. Secrets are compared as SHA-256 digests, so timing reveals nothing useful.
#[derive(Debug)]
pub struct IntrospectionClients {
    clients: Vec<(String, Vec<u8>)>,
}

impl IntrospectionClients {
    /// Parses `id:secret` pairs separated by commas; each secret at least 16 characters. The
    /// error says what is wrong without repeating any secret.
    pub fn parse(raw: &SecretString) -> Result<Self, String> {
        let mut clients = Vec::new();
        for pair in raw.expose_secret().split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, secret) = pair.split_once(':').ok_or("expected id:secret pairs separated by commas")?;
            if secret.len() < 16 {
                return Err(format!("secret of client '{id}' must be at least 16 characters"));
            }
            clients.push((id.to_string(), refresh_token_hash(secret)));
        }
        Ok(Self { clients })
    }

    /// Returns the client id, or 401 INVALID_CLIENT.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<&str, AppError> {
        use base64::Engine as _;
        let invalid = || AppError::new(ErrorCode::InvalidClient, "client authentication failed");
        let encoded = authorization
            .and_then(|h| h.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .map(|(_, v)| v.trim())
            .ok_or_else(invalid)?;
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|_| invalid())?;
        let decoded = String::from_utf8(decoded).map_err(|_| invalid())?;
        let (id, secret) = decoded.split_once(':').ok_or_else(invalid)?;
        let digest = refresh_token_hash(secret);
        self.clients
            .iter()
            .find(|(known, expected)| known == id && *expected == digest)
            .map(|(known, _)| known.as_str())
            .ok_or_else(invalid)
    }
}
