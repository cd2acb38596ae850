//! Registration (the user SOAP service, the bookstore auth service over JSON): validated input, a strong enough
//! password, unique username and email, and `UserRegistered` queued in the same transaction.

use super::passwords::PasswordHasher;
use super::ports::RegistrationStore;
use super::users::NewUser;
use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use crate::domain::events::EventPublisher;
use crate::domain::events::{EventEnvelope, USER_EVENTS, USER_REGISTERED};
use crate::domain::outbox::{Outbox, OutboxEntry, OutboxStore};
use serde::{Deserialize, Serialize};

const USERNAME_MIN: usize = 3;
const USERNAME_MAX: usize = 32;
const EMAIL_MAX: usize = 254;
const PASSWORD_MIN: usize = 10;
const PASSWORD_MAX: usize = 1024;
/// zxcvbn score (0-4) a password must reach: 3 = "safely unguessable" for online attacks.
const MIN_PASSWORD_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// A registration (`POST /api/auth/register`, and the fields of SOAP `RegisterUser`).
/// Unknown fields are refused.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// 3 to 32 letters, digits, `_`, `.` or `-` (surrounding whitespace is trimmed); unique,
    /// case-insensitively (409 USERNAME_TAKEN).
    #[cfg_attr(
        feature = "openapi",
        schema(example = "alice", min_length = 3, max_length = 32, pattern = r"^[A-Za-z0-9_.-]{3,32}$")
    )]
    pub username: String,
    /// A valid address of at most 254 bytes (surrounding whitespace is trimmed); unique,
    /// case-insensitively (409 EMAIL_TAKEN).
    #[cfg_attr(feature = "openapi", schema(example = "alice@example.com", format = Email, max_length = 254))]
    pub email: String,
    /// 10 characters to 1024 bytes, and strong enough: zxcvbn score 3 of 4, judged also
    /// against the username and email (400 WEAK_PASSWORD otherwise).
    #[cfg_attr(feature = "openapi", schema(example = "correct horse battery staple", format = Password, min_length = 10, max_length = 1024))]
    pub password: String,
}

/// `data` of `UserRegistered`. No password material, ever.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct UserRegistered {
    pub user_id: i64,
    pub username: String,
    pub email: String,
    pub channel: String,
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::ValidationFailed, message)
}

impl Registration {
    /// Trims username and email; validates all three fields.
    pub fn normalized(&self) -> Result<Registration, AppError> {
        let username = self.username.trim().to_string();
        let email = self.email.trim().to_string();
        let n = username.chars().count();
        if !(USERNAME_MIN..=USERNAME_MAX).contains(&n) {
            return Err(invalid(format!("username must be {USERNAME_MIN} to {USERNAME_MAX} characters")));
        }
        if !username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
            return Err(invalid("username may contain only letters, digits, '_', '.' and '-'"));
        }
        if email.len() > EMAIL_MAX || !email_address::EmailAddress::is_valid(&email) {
            return Err(invalid("email is not a valid address"));
        }
        if self.password.len() > PASSWORD_MAX {
            return Err(invalid(format!("password is limited to {PASSWORD_MAX} bytes")));
        }
        if self.password.chars().count() < PASSWORD_MIN {
            return Err(AppError::new(
                ErrorCode::WeakPassword,
                format!("password must be at least {PASSWORD_MIN} characters"),
            ));
        }
        let strength = zxcvbn::zxcvbn(&self.password, &[&username, &email]);
        if strength.score() < MIN_PASSWORD_SCORE {
            let hint = strength
                .feedback()
                .and_then(|f| f.warning().map(|w| w.to_string()))
                .unwrap_or_else(|| "choose a longer, less predictable password".into());
            return Err(AppError::new(ErrorCode::WeakPassword, format!("password is too weak: {hint}")));
        }
        Ok(Registration { username, email, password: self.password.clone() })
    }
}

/// Registration with its event delivered: what the registering functions (JSON and SOAP) share.
pub struct Registrar<S, Q> {
    pub outbox: Outbox<S, Q>,
    pub hasher: PasswordHasher,
}

impl<S: RegistrationStore + OutboxStore, Q: EventPublisher> Registrar<S, Q> {
    /// Registers the user and delivers `UserRegistered` (the relay retries if the queue is down).
    pub async fn register(&self, registration: &Registration, source: &str) -> Result<NewUser, AppError> {
        let (user, entry) = register(&self.outbox.store, &self.hasher, registration, source).await?;
        self.outbox.deliver(entry).await;
        Ok(user)
    }
}

/// Registers a user. `source` names the channel in the event (e.g. "users.soap", "auth.api").
pub async fn register<S: RegistrationStore>(
    store: &S,
    hasher: &PasswordHasher,
    registration: &Registration,
    source: &str,
) -> Result<(NewUser, OutboxEntry), AppError> {
    let r = registration.normalized()?;
    let hash = hasher.hash(&r.password)?;
    let source = source.to_string();
    store
        .insert_user(&r.username, &r.email, &hash, move |user| {
            let event = EventEnvelope::new(
                USER_REGISTERED,
                &source,
                UserRegistered {
                    user_id: user.id,
                    username: user.username.clone(),
                    email: user.email.clone(),
                    channel: source.clone(),
                },
            )
            .map_err(AppError::internal)?;
            Ok(OutboxEntry { queue: USER_EVENTS.to_string(), event })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(username: &str, email: &str, password: &str) -> Registration {
        Registration { username: username.into(), email: email.into(), password: password.into() }
    }

    fn code(r: Result<Registration, AppError>) -> &'static str {
        r.unwrap_err().code().as_str()
    }

    #[test]
    fn registration_input_is_validated() {
        let strong = "correct horse battery staple";
        assert!(reg(" alice ", " alice@example.com ", strong).normalized().is_ok());
        assert_eq!(reg(" alice ", "alice@example.com", strong).normalized().unwrap().username, "alice");
        assert_eq!(code(reg("al", "a@example.com", strong).normalized()), "VALIDATION_FAILED");
        assert_eq!(code(reg("al ice", "a@example.com", strong).normalized()), "VALIDATION_FAILED");
        assert_eq!(code(reg("../etc", "a@example.com", strong).normalized()), "VALIDATION_FAILED");
        assert_eq!(code(reg("alice", "not-an-email", strong).normalized()), "VALIDATION_FAILED");
        assert_eq!(code(reg("alice", "a@example.com", "short").normalized()), "WEAK_PASSWORD");
        assert_eq!(code(reg("alice", "a@example.com", "password123").normalized()), "WEAK_PASSWORD");
        assert_eq!(code(reg("alice", "a@example.com", "alice12345").normalized()), "WEAK_PASSWORD");
    }
}
