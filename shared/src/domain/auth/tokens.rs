//! Access tokens (HS256 JWTs with issuer, audience, expiry and a registered `jti`), the bearer
//! header that carries them, and the opaque refresh tokens of login sessions.

use super::users::UserRecord;
use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use pbkdf2::password_hash::rand_core::OsRng;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How tokens are signed and for whom. The secret is at least 32 bytes (checked where it is read).
#[derive(Debug, Clone)]
pub struct TokenSettings {
    pub secret: SecretString,
    pub issuer: String,
    pub audience: String,
    pub ttl: Duration,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub username: String,
    pub role: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    /// Space-separated scopes (RFC 8693 style), derived from the role.
    #[serde(default)]
    pub scope: String,
    /// Login session the token belongs to, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Tenant of the user, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
}

pub fn scope_for_role(role: &str) -> &'static str {
    match role {
        "admin" => "api admin",
        _ => "api",
    }
}

pub struct IssuedToken {
    pub token: String,
    pub claims: Claims,
    pub expires_in: u64,
}

/// HS256 only: the algorithm is pinned on both sides, so `alg: none` or an RS/HS key
/// confusion is rejected before the signature is even looked at.
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    settings: TokenSettings,
}

impl TokenService {
    pub fn new(settings: TokenSettings) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[settings.issuer.as_str()]);
        validation.set_audience(&[settings.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(settings.secret.expose_secret().as_bytes()),
            decoding: DecodingKey::from_secret(settings.secret.expose_secret().as_bytes()),
            validation,
            settings,
        }
    }

    pub fn issue(&self, user: &UserRecord) -> Result<IssuedToken, AppError> {
        self.issue_with(user, uuid::Uuid::new_v4().to_string(), None)
    }

    /// Issues a token with a chosen `jti` (known before the token, so it can be stored in the
    /// same transaction as the refresh token issued with it) and an optional login session.
    pub fn issue_with(
        &self,
        user: &UserRecord,
        jti: String,
        session: Option<uuid::Uuid>,
    ) -> Result<IssuedToken, AppError> {
        let now = chrono::Utc::now().timestamp();
        let ttl = self.settings.ttl.as_secs();
        let claims = Claims {
            sub: user.id.to_string(),
            username: user.username.clone(),
            role: user.role.clone(),
            iss: self.settings.issuer.clone(),
            aud: self.settings.audience.clone(),
            iat: now,
            exp: now + ttl as i64,
            jti,
            scope: scope_for_role(&user.role).to_string(),
            sid: session.map(|s| s.to_string()),
            tenant: user.tenant_id.clone(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::internal(format!("signing token failed: {e}")))?;
        Ok(IssuedToken { token, claims, expires_in: ttl })
    }

    pub fn verify(&self, token: &str) -> Result<Claims, AppError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map(|data| data.claims).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => AppError::new(ErrorCode::TokenExpired, "the token has expired"),
                _ => AppError::new(ErrorCode::InvalidToken, "the token is invalid"),
            }
        })
    }
}

pub fn bearer_token(authorization: Option<&str>) -> Result<&str, AppError> {
    let header = authorization.map(str::trim).filter(|h| !h.is_empty());
    let Some(header) = header else {
        return Err(AppError::new(ErrorCode::MissingToken, "an Authorization: Bearer token is required"));
    };
    match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(token.trim()),
        _ => Err(AppError::new(ErrorCode::InvalidToken, "the Authorization header must be 'Bearer <token>'")),
    }
}

/// 32 random bytes, base64url: an opaque refresh token and the hash it is stored under.
pub fn new_refresh_token() -> (String, Vec<u8>) {
    use base64::Engine as _;
    use pbkdf2::password_hash::rand_core::RngCore as _;
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = refresh_token_hash(&token);
    (token, hash)
}

pub fn refresh_token_hash(token: &str) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(token.as_bytes()).to_vec()
}

pub fn refresh_expiry(ttl: std::time::Duration) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::days(30))
}

/// The type of every access token issued here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TokenType {
    Bearer,
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};

    pub(crate) fn settings(secret: &str) -> TokenSettings {
        TokenSettings {
            secret: secret.to_string().into(),
            issuer: "test-issuer".into(),
            audience: "test-aud".into(),
            ttl: std::time::Duration::from_secs(3600),
        }
    }

    pub(crate) fn user(hash: String) -> UserRecord {
        UserRecord { id: 1, username: "alice".into(), role: "user".into(), password_hash: hash, tenant_id: None }
    }

    #[test]
    fn tokens_round_trip_and_pin_the_algorithm() {
        let svc = TokenService::new(settings(&"k".repeat(32)));
        let issued = svc.issue(&user(String::new())).unwrap();
        let claims = svc.verify(&issued.token).unwrap();
        assert_eq!(claims.sub, "1");
        assert_eq!(claims.exp - claims.iat, 3600);

        // alg: none with the same claims
        let b64 = |s: &str| URL_SAFE_NO_PAD.encode(s);
        let payload = serde_json::to_string(&claims).unwrap();
        let forged = format!("{}.{}.", b64(r#"{"alg":"none","typ":"JWT"}"#), b64(&payload));
        assert_eq!(svc.verify(&forged).unwrap_err().code(), "INVALID_TOKEN");

        let other = TokenService::new(settings(&"x".repeat(32)));
        assert_eq!(other.verify(&issued.token).unwrap_err().code(), "INVALID_TOKEN");
    }

    #[test]
    fn bearer_header_is_parsed_strictly() {
        assert_eq!(bearer_token(None).unwrap_err().code(), "MISSING_TOKEN");
        assert_eq!(bearer_token(Some("Basic abc")).unwrap_err().code(), "INVALID_TOKEN");
        assert_eq!(bearer_token(Some("Bearer ")).unwrap_err().code(), "INVALID_TOKEN");
        assert_eq!(bearer_token(Some("bearer abc")).unwrap(), "abc");
    }
}
