//! The one error type of the domain layer. Every handler returns it; `http::error_response`
//! is the single place where it becomes an HTTP answer, and `code()` is the stable,
//! machine-readable part that clients may branch on.

pub use crate::domain::codes::ErrorCode;
use std::fmt;

/// A dependency the functions talk to; named in 503 answers and health reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dependency {
    Postgres,
    Mongo,
    Sqs,
    Dynamodb,
    S3,
    /// A tenant's own database (the tenant data service names its failures DATABASE_ERROR).
    TenantDatabase,
    /// The identity service's introspection endpoint, as the tenant service reaches it.
    AuthService,
}

impl Dependency {
    pub fn as_str(self) -> &'static str {
        match self {
            Dependency::Postgres => "postgres",
            Dependency::Mongo => "mongo",
            Dependency::Sqs => "sqs",
            Dependency::Dynamodb => "dynamodb",
            Dependency::S3 => "s3",
            Dependency::TenantDatabase => "tenant database",
            Dependency::AuthService => "auth service",
        }
    }

    /// Stable error code for "this dependency is down".
    pub fn unavailable_code(self) -> ErrorCode {
        match self {
            Dependency::Postgres => ErrorCode::DatabaseUnavailable,
            Dependency::Mongo => ErrorCode::SessionStoreUnavailable,
            Dependency::Sqs => ErrorCode::QueueUnavailable,
            Dependency::Dynamodb => ErrorCode::TokenStoreUnavailable,
            Dependency::S3 => ErrorCode::ObjectStoreUnavailable,
            Dependency::TenantDatabase => ErrorCode::DatabaseError,
            Dependency::AuthService => ErrorCode::AuthServiceUnavailable,
        }
    }
}

impl fmt::Display for Dependency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Field name (a dotted path for nested fields) → what is wrong with it.
pub type FieldErrors = std::collections::BTreeMap<String, Vec<String>>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is refused for a reason its code names (4xx; the code decides the status).
    /// The message is for people and never carries internal detail.
    #[error("{message}")]
    Rejected { code: ErrorCode, message: String },
    /// The body is well-formed but its fields are wrong (400 VALIDATION_FAILED), with a
    /// message per field.
    #[error("{message}")]
    Invalid { message: String, fields: FieldErrors },
    /// Too many requests (429 RATE_LIMITED); the client is told when to come back.
    #[error("{message}")]
    RateLimited { message: String, retry_after_seconds: u64 },
    /// A dependency is down or timed out (503); the caller may retry.
    #[error("{dependency} is unavailable: {detail}")]
    Unavailable { dependency: Dependency, detail: String },
    /// A bug or an unexpected state (500). The detail is logged, never sent to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A refusal with its stable code; the code decides the status (see [`ErrorCode`]).
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError::Rejected { code, message: message.into() }
    }
    pub fn unavailable(dependency: Dependency, detail: impl fmt::Display) -> Self {
        AppError::Unavailable { dependency, detail: detail.to_string() }
    }
    pub fn internal(detail: impl fmt::Display) -> Self {
        AppError::Internal(detail.to_string())
    }

    pub fn status(&self) -> u16 {
        self.code().status()
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Rejected { code, .. } => *code,
            AppError::Invalid { .. } => ErrorCode::ValidationFailed,
            AppError::RateLimited { .. } => ErrorCode::RateLimited,
            AppError::Unavailable { dependency, .. } => dependency.unavailable_code(),
            AppError::Internal(_) => ErrorCode::InternalError,
        }
    }

    pub fn fields(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Invalid { fields, .. } => Some(fields),
            _ => None,
        }
    }

    /// What the client is told. Internal details and dependency error texts stay in the logs.
    pub fn public_message(&self) -> String {
        match self {
            AppError::Unavailable { dependency, .. } => {
                format!("{dependency} is temporarily unavailable, please retry")
            }
            AppError::Internal(_) => "internal error".to_string(),
            other => other.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_maps_to_503_with_dependency_code_and_hides_detail() {
        let err = AppError::unavailable(Dependency::Postgres, "connection refused (os error 111)");
        assert_eq!(err.status(), 503);
        assert_eq!(err.code(), "DATABASE_UNAVAILABLE");
        assert!(!err.public_message().contains("os error"));
    }

    #[test]
    fn internal_errors_never_leak_details() {
        let err = AppError::internal("secret detail");
        assert_eq!(err.status(), 500);
        assert_eq!(err.public_message(), "internal error");
    }
}
