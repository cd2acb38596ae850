//! Writing SOAP 1.1 answers: document/literal response envelopes of our operations, escaped so
//! that any text is safe to carry.

use super::envelope::{ENVELOPE_NS, USERS_NS, is_xml_char};
use crate::domain::error::AppError;
use crate::transport::http::{Body, Response};
use lambda_http::http::{HeaderValue, StatusCode, header};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::borrow::Cow;

/// SOAP 1.1 travels as `text/xml`.
pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// An element to write: qualified name and text content.
type Field<'a> = (&'a str, Cow<'a, str>);

/// Characters XML 1.0 cannot carry at all (even escaped) become U+FFFD; the writer escapes
/// `<`, `>`, `&`, `"` and `'`.
pub(super) fn xml_safe(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().map(|c| if is_xml_char(c) { c } else { '\u{fffd}' }).collect())
    }
}

pub(super) fn text_element(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> std::io::Result<()> {
    w.create_element(name).write_text_content(BytesText::new(&xml_safe(text)))?;
    Ok(())
}

/// `<soap:Envelope><soap:Body>…</soap:Body></soap:Envelope>` around what `body` writes.
pub(super) fn write_envelope(
    body: impl FnOnce(&mut Writer<Vec<u8>>) -> std::io::Result<()>,
) -> std::io::Result<String> {
    let mut w = Writer::new(Vec::with_capacity(512));
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.write_event(Event::Start(
        BytesStart::new("soap:Envelope").with_attributes([("xmlns:soap", ENVELOPE_NS), ("xmlns:tns", USERS_NS)]),
    ))?;
    w.write_event(Event::Start(BytesStart::new("soap:Body")))?;
    body(&mut w)?;
    w.write_event(Event::End(BytesEnd::new("soap:Body")))?;
    w.write_event(Event::End(BytesEnd::new("soap:Envelope")))?;
    String::from_utf8(w.into_inner()).map_err(std::io::Error::other)
}

/// A document/literal response: `<tns:{element}>` holding `fields` in order.
fn response_document(element: &str, fields: &[Field<'_>]) -> std::io::Result<String> {
    write_envelope(|w| {
        w.create_element(format!("tns:{element}").as_str()).write_inner_content(|w| {
            for (name, value) in fields {
                text_element(w, &format!("tns:{name}"), value)?;
            }
            Ok(())
        })?;
        Ok(())
    })
}

pub(super) fn xml_response(status: u16, document: String) -> Response<Body> {
    let mut resp = Response::new(Body::Text(document));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    resp
}

fn success(element: &str, fields: &[Field<'_>]) -> Result<Response<Body>, AppError> {
    let doc = response_document(element, fields)
        .map_err(|e| AppError::internal(format!("writing the SOAP response failed: {e}")))?;
    Ok(xml_response(200, doc))
}

/// `RegisterUserResponse {userId, username}`.
pub fn register_user_response(user_id: i64, username: &str) -> Result<Response<Body>, AppError> {
    success(
        "RegisterUserResponse",
        &[("userId", Cow::Owned(user_id.to_string())), ("username", Cow::Borrowed(username))],
    )
}

/// `GetUserResponse {id, username}`.
pub fn get_user_response(id: i64, username: &str) -> Result<Response<Body>, AppError> {
    success("GetUserResponse", &[("id", Cow::Owned(id.to_string())), ("username", Cow::Borrowed(username))])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::soap::test_support::{read_back, text_of};

    #[test]
    fn responses_are_escaped_namespaced_envelopes() {
        let nasty = "<&>\"' \u{1}x";
        let resp = register_user_response(42, nasty).unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], CONTENT_TYPE);
        let xml = text_of(&resp);
        assert!(xml.contains("&lt;&amp;&gt;&quot;&apos;"), "{xml}");
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
        let fields = read_back(xml);
        assert_eq!(fields["userId"], (Some(USERS_NS.to_string()), "42".to_string()));
        assert_eq!(fields["username"].1, "<&>\"' \u{fffd}x");
        assert_eq!(fields["RegisterUserResponse"].0.as_deref(), Some(USERS_NS));
        assert_eq!(fields["Body"].0.as_deref(), Some(ENVELOPE_NS));

        let resp = get_user_response(7, "bob").unwrap();
        let fields = read_back(text_of(&resp));
        assert_eq!(fields["id"].1, "7");
        assert_eq!(fields["username"].1, "bob");
        assert!(fields.contains_key("GetUserResponse"));
    }
}
