//! Object keys and file names. Keys are chosen by the service (never by the client) and sort
//! newest first; a client's file name is only a label, checked and kept in metadata.

use super::formats::ImageFormat;
use crate::domain::error::{AppError, ErrorCode};
use chrono::{DateTime, Utc};

/// Images are public under this prefix (bucket policy); presigned uploads wait, private,
/// under [`STAGING_PREFIX`] until `complete` has checked their bytes.
pub const PUBLIC_PREFIX: &str = "images/";
pub const STAGING_PREFIX: &str = "uploads/";
/// User metadata key holding the client's file name, percent-encoded (S3 metadata is ASCII).
pub const ORIGINAL_NAME_METADATA: &str = "original-name";
const MAX_FILENAME_CHARS: usize = 255;

/// Accepts a client's file name only as a label: one path segment, printable, not too long.
/// Names that try to be paths are refused rather than silently rewritten, so the client
/// learns that its input was wrong. The name is never part of a key.
pub fn validate_filename(name: &str) -> Result<String, AppError> {
    let invalid = |why: &str| AppError::new(ErrorCode::InvalidFilename, format!("invalid file name: {why}"));
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(invalid("it is empty"));
    }
    if trimmed.chars().count() > MAX_FILENAME_CHARS {
        return Err(invalid("longer than 255 characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(invalid("it contains control characters"));
    }
    if trimmed.contains(['/', '\\']) || trimmed == "." || trimmed == ".." {
        return Err(invalid("it must be a name, not a path"));
    }
    let options = sanitize_filename::OptionsForCheck { windows: true, truncate: true };
    if !sanitize_filename::is_sanitized_with_options(trimmed, options) {
        return Err(invalid("it contains characters or a reserved name that file systems refuse"));
    }
    Ok(trimmed.to_string())
}

/// Keys sort newest first: the store lists keys in ascending order, so the timestamp part
/// counts down. Listing newest first is then the store's own order and pages with its own
/// cursor instead of reading the whole bucket.
const KEY_CLOCK_CEILING_MS: i64 = 9_999_999_999_999;

pub fn object_id(now: DateTime<Utc>, format: ImageFormat) -> String {
    let countdown = KEY_CLOCK_CEILING_MS - now.timestamp_millis().clamp(0, KEY_CLOCK_CEILING_MS);
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{countdown:013}-{}.{}", &random[..16], format.extension())
}

/// Parses an id made by [`object_id`]; anything else (`..`, slashes, other shapes) is `None`.
pub fn parse_object_id(id: &str) -> Option<(DateTime<Utc>, ImageFormat)> {
    let (stem, ext) = id.split_once('.')?;
    let (countdown, random) = stem.split_once('-')?;
    let valid = countdown.len() == 13
        && countdown.bytes().all(|b| b.is_ascii_digit())
        && random.len() == 16
        && random.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    if !valid {
        return None;
    }
    let format = ImageFormat::from_extension(ext)?;
    let millis = KEY_CLOCK_CEILING_MS - countdown.parse::<i64>().ok()?;
    Some((DateTime::from_timestamp_millis(millis)?, format))
}

pub fn percent_encode_name(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}

pub fn percent_decode_name(value: &str) -> Option<String> {
    percent_encoding::percent_decode_str(value).decode_utf8().ok().map(|s| s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_labels_not_paths() {
        for bad in ["../etc/passwd", "a/b.png", "a\\b.png", "..", "nul\0byte.png", "line\nbreak.png", "", "   ", "CON"]
        {
            assert_eq!(validate_filename(bad).unwrap_err().code(), "INVALID_FILENAME", "{bad:?}");
        }
        assert_eq!(validate_filename(&"a".repeat(256)).unwrap_err().code(), "INVALID_FILENAME");
        assert_eq!(validate_filename(" holiday photo é.png ").unwrap(), "holiday photo é.png");
        let encoded = percent_encode_name("été 1/2.png");
        assert!(encoded.is_ascii());
        assert_eq!(percent_decode_name(&encoded).as_deref(), Some("été 1/2.png"));
    }

    #[test]
    fn keys_sort_newest_first_and_parse_back() {
        let older = object_id(DateTime::from_timestamp_millis(1_700_000_000_000).unwrap(), ImageFormat::Png);
        let newer = object_id(DateTime::from_timestamp_millis(1_700_000_000_001).unwrap(), ImageFormat::Jpeg);
        assert!(newer < older);
        let (at, format) = parse_object_id(&newer).unwrap();
        assert_eq!((at.timestamp_millis(), format), (1_700_000_000_001, ImageFormat::Jpeg));
        for bad in ["../x.png", "8300000000000-0123456789abcdef.exe", "1-2.png", "8300000000000-0123456789ABCDEF.png"] {
            assert!(parse_object_id(bad).is_none(), "{bad}");
        }
    }
}
