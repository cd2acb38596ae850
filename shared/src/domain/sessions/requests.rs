//! What the session API accepts: its request bodies, session metadata, session ids and page
//! sizes, each checked before anything is stored.

use crate::domain::error::{AppError, ErrorCode};

/// Longest session id a client may name (`PUT` body, `DELETE` query).
pub const MAX_SESSION_ID_LEN: usize = 64;
/// Sessions listed when `limit` is absent, and the most a page may hold.
pub const DEFAULT_LIST_LIMIT: i64 = 20;
pub const MAX_LIST_LIMIT: i64 = 100;

/// `POST /api/sessions` request body (the body itself is optional).
#[derive(Debug, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    /// A JSON object of at most 4 KiB whose keys are not empty, do not start with `$` and
    /// contain no `.`; null or absent means `{}`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>, example = json!({"device": "phone"})))]
    pub metadata: Option<serde_json::Value>,
}

/// `PUT /api/sessions/{userId}` request body.
#[derive(Debug, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateSession {
    /// The session to touch (1 to 64 characters, not blank).
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "0194c3a0-7b1e-7c3d-9f2a-5b6c7d8e9f01",
            min_length = 1,
            max_length = 64,
            pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
        )
    )]
    pub session_id: String,
    /// Merged key by key into the session's metadata: a JSON object of at most 4 KiB whose
    /// keys are not empty, do not start with `$` and contain no `.`; null or absent changes nothing.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>, example = json!({"device": "tablet"})))]
    pub metadata: Option<serde_json::Value>,
}

/// `?limit=` of a session list: 1 to 100, 20 when absent (the raw value, untrimmed).
pub fn parse_limit(raw: Option<&str>) -> Result<i64, AppError> {
    match raw {
        None => Ok(DEFAULT_LIST_LIMIT),
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIST_LIMIT).contains(n))
            .ok_or_else(|| AppError::new(ErrorCode::InvalidLimit, "limit must be between 1 and 100")),
    }
}

/// Whether a session id a client sent is blank or too long (in bytes, as stored).
pub fn malformed_session_id(id: &str) -> bool {
    id.trim().is_empty() || id.len() > MAX_SESSION_ID_LEN
}

const MAX_METADATA_BYTES: usize = 4 * 1024;

/// Session metadata: a JSON object of at most 4 KiB.
pub fn validate_metadata(
    value: Option<serde_json::Value>,
) -> Result<serde_json::Map<String, serde_json::Value>, AppError> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(serde_json::Map::new()),
        Some(serde_json::Value::Object(map)) => {
            let size = serde_json::to_vec(&map).map(|v| v.len()).unwrap_or(usize::MAX);
            if size > MAX_METADATA_BYTES {
                return Err(AppError::new(
                    ErrorCode::ValidationFailed,
                    format!("metadata is limited to {MAX_METADATA_BYTES} bytes"),
                ));
            }
            if map.keys().any(|k| k.starts_with('$') || k.contains('.') || k.is_empty()) {
                return Err(AppError::new(
                    ErrorCode::ValidationFailed,
                    "metadata keys may not be empty, start with '$' or contain '.'",
                ));
            }
            // A BSON key is a C string: MongoDB cannot store one with NUL, at any depth.
            if map.iter().any(|(k, v)| k.contains('\0') || key_with_nul(v)) {
                return Err(AppError::new(
                    ErrorCode::ValidationFailed,
                    "metadata keys may not contain the NUL character (\\u0000)",
                ));
            }
            Ok(map)
        }
        Some(_) => Err(AppError::new(ErrorCode::ValidationFailed, "metadata must be a JSON object")),
    }
}

fn key_with_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || key_with_nul(v)),
        serde_json::Value::Array(items) => items.iter().any(key_with_nul),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_validated() {
        assert!(validate_metadata(Some(serde_json::json!({"device": "phone"}))).is_ok());
        assert!(validate_metadata(None).unwrap().is_empty());
        assert!(validate_metadata(Some(serde_json::json!([1]))).is_err());
        assert!(validate_metadata(Some(serde_json::json!({"$where": "1"}))).is_err());
        assert!(validate_metadata(Some(serde_json::json!({"a.b": 1}))).is_err());
        assert!(validate_metadata(Some(serde_json::json!({"big": "x".repeat(5000)}))).is_err());
        // NUL in a key reached MongoDB and came back as a 500 (found by localstack/api-schema.sh).
        for nul in [serde_json::json!({"a\u{0}b": 1}), serde_json::json!({"a": {"b": [{"c\u{0}": 1}]}})] {
            assert_eq!(validate_metadata(Some(nul)).unwrap_err().code(), "VALIDATION_FAILED");
        }
        assert!(validate_metadata(Some(serde_json::json!({"a": "text with \u{0} is stored as it is"}))).is_ok());
    }

    #[test]
    fn limits_are_1_to_100_and_not_trimmed() {
        assert_eq!(parse_limit(None).unwrap(), 20);
        assert_eq!(parse_limit(Some("100")).unwrap(), 100);
        for bad in ["0", "101", "-1", "x", " 5"] {
            assert_eq!(parse_limit(Some(bad)).unwrap_err().code(), "INVALID_LIMIT", "{bad}");
        }
    }

    #[test]
    fn session_ids_are_1_to_64_bytes_and_not_blank() {
        assert!(!malformed_session_id("abc"));
        assert!(!malformed_session_id(&"a".repeat(64)));
        assert!(malformed_session_id(&"a".repeat(65)));
        assert!(malformed_session_id("  "));
        assert!(malformed_session_id(""));
    }
}
