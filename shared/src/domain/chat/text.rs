//! How the chat bodies read text: trimmed before it is validated, so the rules judge what is
//! stored, and never with a NUL character.

use serde::Deserialize;

/// A required text field, trimmed.
pub(crate) fn trimmed<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    without_nul(String::deserialize(d)?.trim().to_string())
}

/// An optional text field, trimmed.
pub(crate) fn trimmed_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)?.map(|s| without_nul(s.trim().to_string())).transpose()
}

/// Text stored as it is sent (not trimmed).
pub(crate) fn text_opt<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<String>::deserialize(d)?.map(without_nul).transpose()
}

/// PostgreSQL `text` cannot hold NUL (U+0000): a field with one is the client's mistake (400
/// VALIDATION_FAILED naming the field), not a failed query (500).
fn without_nul<E: serde::de::Error>(text: String) -> Result<String, E> {
    if text.contains('\0') { Err(E::custom("must not contain the NUL character (\\u0000)")) } else { Ok(text) }
}

#[cfg(test)]
mod tests {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(deserialize_with = "super::trimmed")]
        title: String,
        #[serde(default, deserialize_with = "super::text_opt")]
        url: Option<String>,
    }

    #[test]
    fn text_is_trimmed_and_never_holds_nul() {
        let ok: Body = serde_json::from_str(r#"{"title": "  Spring catalogue ", "url": " x "}"#).unwrap();
        assert_eq!((ok.title.as_str(), ok.url.as_deref()), ("Spring catalogue", Some(" x ")));
        assert!(serde_json::from_str::<Body>(r#"{"title": "a\u0000b"}"#).is_err());
        assert!(serde_json::from_str::<Body>(r#"{"title": "a", "url": "\u0000"}"#).is_err());
    }
}
