//! Request bodies checked field by field (the chat service used Yup): wrong types, missing and unknown
//! fields (serde, located by `serde_path_to_error`) and rule violations (`validator` derive)
//! all become one 400 VALIDATION_FAILED with a message per field.

use crate::domain::error::ErrorCode;
use crate::domain::error::{AppError, FieldErrors};
use crate::transport::http::{self, Request};
use serde::de::DeserializeOwned;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

/// Parses a JSON body into `T` and runs its validation rules.
pub fn parse_valid<T: DeserializeOwned + Validate>(req: &Request, max_bytes: usize) -> Result<T, AppError> {
    let value: T = deserialize(http::json_body(req, max_bytes)?)?;
    value.validate().map_err(|e| invalid(flatten(&e)))?;
    Ok(value)
}

fn invalid(fields: FieldErrors) -> AppError {
    let names: Vec<&str> = fields.keys().map(String::as_str).collect();
    AppError::Invalid { message: format!("invalid fields: {}", names.join(", ")), fields }
}

/// serde's messages name fields in backticks: "missing field `title`".
fn quoted_name(message: &str) -> Option<&str> {
    message.split('`').nth(1)
}

pub fn deserialize<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let value = deserialize_any(bytes)?;
    // A struct read from an array of its fields: see http::require_object.
    http::require_object(bytes)
        .map_err(|_| invalid(FieldErrors::from([("body".to_string(), vec!["must be a JSON object".to_string()])])))?;
    Ok(value)
}

fn deserialize_any<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let inner = e.inner();
        if inner.classify() != serde_json::error::Category::Data {
            return AppError::new(ErrorCode::InvalidJson, "the request body is not valid JSON");
        }
        let path = e.path().to_string();
        let message = inner.to_string();
        // serde appends " at line 1 column 9"; the field name says more to a client.
        let message = message.split(" at line ").next().unwrap_or(&message).to_string();
        let parent = if path == "." { String::new() } else { format!("{path}.") };
        let (field, text) = if message.starts_with("missing field") {
            (format!("{parent}{}", quoted_name(&message).unwrap_or("?")), "is required".to_string())
        } else if message.starts_with("unknown field") {
            let field = quoted_name(&message).unwrap_or("?");
            // The path may already end in the unknown key.
            let field = if path.ends_with(field) { path.clone() } else { format!("{parent}{field}") };
            (field, "is not allowed".to_string())
        } else {
            (if path == "." { "body".to_string() } else { path }, message)
        };
        invalid(FieldErrors::from([(field, vec![text])]))
    })
}

/// Turns `validator`'s nested errors into dotted paths with readable messages.
pub fn flatten(errors: &ValidationErrors) -> FieldErrors {
    let mut out = FieldErrors::new();
    collect(errors, "", &mut out);
    out
}

/// `validator` reports Rust field names; the APIs speak camelCase JSON (serde `rename_all`).
fn camel_case(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        if c == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

fn collect(errors: &ValidationErrors, prefix: &str, out: &mut FieldErrors) {
    for (field, kind) in errors.errors() {
        let field = camel_case(field);
        let path = if prefix.is_empty() { field } else { format!("{prefix}.{field}") };
        match kind {
            ValidationErrorsKind::Field(list) => {
                out.entry(path).or_default().extend(list.iter().map(describe));
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect(inner, &format!("{path}[{index}]"), out);
                }
            }
        }
    }
}

fn describe(error: &validator::ValidationError) -> String {
    if let Some(message) = &error.message {
        return message.to_string();
    }
    let param = |name: &str| error.params.get(name).map(|v| v.to_string());
    match error.code.as_ref() {
        "length" => match (param("min"), param("max"), param("equal")) {
            (_, _, Some(n)) => format!("must be exactly {n} characters"),
            (Some(min), Some(max), _) => format!("must be {min} to {max} characters"),
            (Some(min), None, _) => format!("must be at least {min} characters"),
            (None, Some(max), _) => format!("must be at most {max} characters"),
            _ => "has the wrong length".to_string(),
        },
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "is out of range".to_string(),
        },
        "email" => "must be an email address".to_string(),
        "url" => "must be a URL".to_string(),
        other => format!("is invalid ({other})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    struct NewSession {
        #[validate(length(min = 1, max = 10))]
        title: String,
        #[validate(range(min = 1, max = 5))]
        #[serde(default)]
        priority: Option<u8>,
        #[validate(nested)]
        #[serde(default)]
        vendor: Option<Vendor>,
    }

    #[derive(Debug, Deserialize, Validate)]
    #[serde(deny_unknown_fields)]
    struct Vendor {
        #[validate(email)]
        email: String,
    }

    /// serde reads a struct from an array of its fields too: `[null]` was a session created with
    /// no metadata (201) where the document says object (found by localstack/api-schema.sh).
    #[test]
    fn a_body_is_an_object_not_an_array_of_its_fields() {
        assert_eq!(fields(r#"["Spring", 2]"#).keys().collect::<Vec<_>>(), ["body"]);
        assert!(deserialize::<NewSession>(br#" {"title": "Spring"}"#).is_ok());
    }

    fn fields(body: &str) -> FieldErrors {
        let result =
            deserialize::<NewSession>(body.as_bytes()).and_then(|v| v.validate().map_err(|e| invalid(flatten(&e))));
        match result {
            Err(AppError::Invalid { fields, .. }) => fields,
            other => panic!("expected field errors for {body}, got {other:?}"),
        }
    }

    #[test]
    fn every_kind_of_mistake_names_its_field() {
        assert_eq!(fields(r#"{}"#)["title"], ["is required"]);
        assert_eq!(fields(r#"{"title": 5}"#)["title"], ["invalid type: integer `5`, expected a string"]);
        assert_eq!(fields(r#"{"title": "ok", "owner": 1}"#)["owner"], ["is not allowed"]);
        let both = fields(r#"{"title": "far too long a title", "priority": 9}"#);
        assert_eq!(both["title"], ["must be 1 to 10 characters"]);
        assert_eq!(both["priority"], ["must be between 1 and 5"]);
        assert_eq!(
            fields(r#"{"title": "ok", "vendor": {"email": "nope"}}"#)["vendor.email"],
            ["must be an email address"]
        );
        assert_eq!(fields(r#"{"title": "ok", "vendor": {"email": "a@b.c", "x": 1}}"#)["vendor.x"], ["is not allowed"]);
        assert_eq!(fields(r#""just text""#).keys().collect::<Vec<_>>(), ["body"]);
    }

    #[test]
    fn rust_field_names_become_json_names() {
        assert_eq!(camel_case("media_url"), "mediaUrl");
        assert_eq!(camel_case("title"), "title");
        assert_eq!(camel_case("a_b_c"), "aBC");
    }

    #[test]
    fn broken_json_is_not_a_field_error() {
        let err = deserialize::<NewSession>(br#"{"title": "#).unwrap_err();
        assert_eq!(err.code(), "INVALID_JSON");
        let ok = deserialize::<NewSession>(br#"{"title": "fine"}"#).unwrap();
        assert!(ok.validate().is_ok());
    }

    #[test]
    fn field_errors_reach_both_error_formats() {
        let err = invalid(FieldErrors::from([("title".to_string(), vec!["is required".to_string()])]));
        for resp in [http::error_response(&err, "r-1"), http::envelope_error_response(&err, "r-1")] {
            assert_eq!(resp.status(), 400);
            let crate::transport::http::Body::Text(text) = resp.body() else { panic!("text") };
            let v: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(v["code"], "VALIDATION_FAILED");
            let fields = if v["fields"].is_null() { &v["errors"] } else { &v["fields"] };
            assert_eq!(fields["title"][0], "is required", "{v}");
        }
    }
}
