//! SOAP 1.1 over HTTP for the legacy-facing user services (seed 001 §2 User SOAP, §5 User Lookup
//! SOAP): a strict, namespace-aware reader of request envelopes, an XML writer for responses and
//! faults, the WSDL 1.1 documents, and [`fault_response`] — the one place where an [`AppError`]
//! becomes a SOAP Fault.
//!
//! The reader (quick-xml) never expands anything: a `<!DOCTYPE` is refused before any of its
//! content is looked at (so no entity declaration, internal or external, is ever processed: no
//! XXE, no billion laughs), only the five predefined entities and character references are
//! resolved, and any other `&name;` is a well-formedness error. Bodies are limited to
//! [`MAX_SOAP_BYTES`] and nesting to [`MAX_DEPTH`].

use crate::error::AppError;
use crate::http::{self, Body, Request, Response};
use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use std::borrow::Cow;
use std::future::Future;

/// SOAP 1.1 envelope namespace.
pub const ENVELOPE_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.2 envelope namespace: recognised only to answer a VersionMismatch fault.
const SOAP12_ENVELOPE_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
/// Namespace of our operations, their responses and fault details (both services).
pub const USERS_NS: &str = "urn:rust-lambda:users";
/// Request bodies above this are refused before parsing (413).
pub const MAX_SOAP_BYTES: usize = 64 * 1024;
/// Deepest element nesting accepted (Envelope/Body/Operation/field is 4).
pub const MAX_DEPTH: usize = 32;
/// SOAP 1.1 travels as `text/xml`.
pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// `SOAPAction` values of our operations, as the WSDL binding declares them.
pub const REGISTER_USER_ACTION: &str = "urn:rust-lambda:users#RegisterUser";
pub const GET_USER_ACTION: &str = "urn:rust-lambda:users#GetUser";

// Stable codes of the SOAP-specific client mistakes (the rest come from the domain).
pub const MALFORMED_XML: &str = "MALFORMED_XML";
pub const XML_DOCTYPE_FORBIDDEN: &str = "XML_DOCTYPE_FORBIDDEN";
pub const INVALID_SOAP_REQUEST: &str = "INVALID_SOAP_REQUEST";
pub const SOAP_VERSION_MISMATCH: &str = "SOAP_VERSION_MISMATCH";
pub const SOAP_MUST_UNDERSTAND: &str = "SOAP_MUST_UNDERSTAND";
pub const INVALID_SOAP_ACTION: &str = "INVALID_SOAP_ACTION";

const MAX_USERNAME_LEN: usize = 64;

fn malformed(message: impl Into<String>) -> AppError {
    AppError::bad_request(MALFORMED_XML, message)
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::bad_request(INVALID_SOAP_REQUEST, message)
}

// ------------------------------------------------------------------------------------------------
// Requests

/// The `RegisterUser` operation (seed 001 §2). `Debug` never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct RegisterUser {
    pub username: String,
    pub email: String,
    pub password: String,
}

impl std::fmt::Debug for RegisterUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterUser")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The `GetUser` operation (seed 001 §5), also reachable as `GET /user/soap?username=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetUser {
    pub username: String,
}

/// Parses a `RegisterUser` request envelope (body, media type and `SOAPAction` checked).
pub fn register_user(req: &Request) -> Result<RegisterUser, AppError> {
    let [username, email, password] =
        parse_request(req, "RegisterUser", REGISTER_USER_ACTION, ["username", "email", "password"])?;
    Ok(RegisterUser { username, email, password })
}

/// Parses a `GetUser` request envelope.
pub fn get_user(req: &Request) -> Result<GetUser, AppError> {
    let [username] = parse_request(req, "GetUser", GET_USER_ACTION, ["username"])?;
    Ok(GetUser { username })
}

/// The `username` of `GET /user/soap?username=` (or of a `GetUser` envelope): required,
/// trimmed, at most 64 characters, no control characters.
pub fn lookup_username(raw: Option<&str>) -> Result<String, AppError> {
    let username = raw.map(str::trim).unwrap_or_default();
    if username.is_empty() {
        return Err(AppError::bad_request("MISSING_USERNAME", "username is required"));
    }
    if username.chars().count() > MAX_USERNAME_LEN || username.chars().any(char::is_control) {
        return Err(AppError::bad_request("INVALID_USERNAME", "username is malformed"));
    }
    Ok(username.to_string())
}

fn parse_request<const N: usize>(
    req: &Request,
    operation: &str,
    action: &str,
    fields: [&str; N],
) -> Result<[String; N], AppError> {
    let body = http::body_bytes(req);
    check_size(body)?;
    check_media_type(http::header_str(req, header::CONTENT_TYPE.as_str()))?;
    check_soap_action(req.headers().get("soapaction").map(|v| v.as_bytes()), action)?;
    parse_envelope(body, operation, fields)
}

fn check_size(body: &[u8]) -> Result<(), AppError> {
    if body.len() > MAX_SOAP_BYTES {
        return Err(AppError::PayloadTooLarge {
            code: "PAYLOAD_TOO_LARGE",
            message: format!("SOAP requests are limited to {MAX_SOAP_BYTES} bytes"),
        });
    }
    Ok(())
}

/// SOAP 1.1 uses `text/xml` (`application/xml` is accepted too); only UTF-8 is read.
/// No Content-Type at all is tolerated, as for JSON.
fn check_media_type(content_type: Option<&str>) -> Result<(), AppError> {
    let Some(ct) = content_type else { return Ok(()) };
    let mut parts = ct.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let unsupported = |message: &str| AppError::UnsupportedMediaType {
        code: "UNSUPPORTED_MEDIA_TYPE",
        message: message.to_string(),
    };
    if essence != "text/xml" && essence != "application/xml" {
        return Err(unsupported("expected Content-Type: text/xml; charset=utf-8 (SOAP 1.1)"));
    }
    for param in parts {
        if let Some((name, value)) = param.split_once('=')
            && name.trim().eq_ignore_ascii_case("charset")
        {
            let charset = value.trim().trim_matches('"');
            if !charset.eq_ignore_ascii_case("utf-8") && !charset.eq_ignore_ascii_case("us-ascii") {
                return Err(unsupported("only UTF-8 SOAP requests are accepted"));
            }
        }
    }
    Ok(())
}

/// SOAP 1.1 §6.1.1: the header is a quoted URI; missing or `""` means "the request URI". We
/// accept those and our own action; a different action is the client talking to the wrong port.
fn check_soap_action(value: Option<&[u8]>, expected: &str) -> Result<(), AppError> {
    let Some(raw) = value else { return Ok(()) };
    let raw = std::str::from_utf8(raw).unwrap_or("\u{fffd}").trim();
    let action = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')).unwrap_or(raw);
    if action.is_empty() || action == expected {
        Ok(())
    } else {
        Err(AppError::bad_request(
            INVALID_SOAP_ACTION,
            format!("SOAPAction must be \"{expected}\" (or empty) for this endpoint"),
        ))
    }
}

/// Where the reader is in the envelope.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Frame {
    Envelope,
    Header,
    /// A header entry or anything inside one: checked for well-formedness, otherwise ignored.
    HeaderContent,
    Body,
    Operation,
    Field(usize),
}

fn no_text_here(frame: Option<Frame>, text: &str) -> Result<(), AppError> {
    if text.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) {
        return Ok(());
    }
    match frame {
        None => Err(malformed("text outside the root element")),
        Some(Frame::HeaderContent) => Ok(()),
        Some(_) => Err(invalid("unexpected text in the SOAP envelope")),
    }
}

fn xml_error(e: quick_xml::Error) -> AppError {
    malformed(format!("the request is not well-formed XML: {e}"))
}

/// The text a reference stands for: character references and the five predefined entities.
/// Nothing else exists without a DTD (and DTDs are refused), so anything else is an error.
fn resolve_reference(name: &str) -> Result<char, AppError> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse::<u32>().ok(),
        };
        return code
            .and_then(char::from_u32)
            .filter(|&c| is_xml_char(c))
            .ok_or_else(|| malformed(format!("invalid character reference &{name};")));
    }
    match name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "quot" => Ok('"'),
        "apos" => Ok('\''),
        _ => Err(malformed(format!("undefined entity &{name}; (entities other than the XML predefined ones are not accepted)"))),
    }
}

/// XML 1.0 `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}')
}

/// Reads a SOAP 1.1 request envelope whose Body holds exactly one `operation` element in
/// [`USERS_NS`], itself holding each of `fields` exactly once (any order; the field elements may
/// be in [`USERS_NS`] or unqualified), and returns the fields' text in the order of `fields`.
/// Prefixes are free: only the namespaces they are bound to count.
pub fn parse_envelope<const N: usize>(
    xml: &[u8],
    operation: &str,
    fields: [&str; N],
) -> Result<[String; N], AppError> {
    check_size(xml)?;
    let text = std::str::from_utf8(xml).map_err(|_| malformed("the request is not UTF-8"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(AppError::bad_request("EMPTY_BODY", "a SOAP envelope is required"));
    }

    let mut reader = NsReader::from_str(text);
    {
        let config = reader.config_mut();
        config.expand_empty_elements = true; // `<a/>` arrives as Start + End
        config.check_end_names = true;
        config.check_comments = true;
    }

    let mut values: [Option<String>; N] = std::array::from_fn(|_| None);
    let mut stack: Vec<Frame> = Vec::new();
    let (mut seen_root, mut seen_header, mut seen_body, mut seen_operation) = (false, false, false, false);

    loop {
        let (ns, event) = reader.read_resolved_event().map_err(xml_error)?;
        let ns: Option<String> = match ns {
            ResolveResult::Bound(n) => Some(n.0.to_string()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(prefix) => {
                return Err(malformed(format!("namespace prefix '{prefix}' is not declared")));
            }
        };
        let top = stack.last().copied();
        match event {
            Event::DocType(_) => {
                return Err(AppError::bad_request(
                    XML_DOCTYPE_FORBIDDEN,
                    "DOCTYPE declarations are not allowed in SOAP messages",
                ));
            }
            Event::Decl(decl) => {
                if let Some(encoding) = decl.encoding() {
                    let encoding = encoding.map_err(|e| malformed(format!("bad XML declaration: {e}")))?;
                    if !encoding.eq_ignore_ascii_case("utf-8") && !encoding.eq_ignore_ascii_case("us-ascii") {
                        return Err(AppError::UnsupportedMediaType {
                            code: "UNSUPPORTED_MEDIA_TYPE",
                            message: "only UTF-8 SOAP requests are accepted".into(),
                        });
                    }
                }
            }
            // SOAP 1.1 §3: "A SOAP message MUST NOT contain Processing Instructions."
            Event::PI(_) => return Err(invalid("processing instructions are not allowed in SOAP messages")),
            Event::Comment(_) => {}
            Event::Text(t) => {
                let content = t.xml10_content();
                match top {
                    Some(Frame::Field(i)) => push_text(&mut values[i], &content),
                    other => no_text_here(other, &content)?,
                }
            }
            Event::CData(t) => match top {
                Some(Frame::Field(i)) => push_text(&mut values[i], &t),
                Some(Frame::HeaderContent) => {}
                None => return Err(malformed("CDATA outside the root element")),
                Some(_) => return Err(invalid("unexpected CDATA in the SOAP envelope")),
            },
            Event::GeneralRef(r) => {
                let c = resolve_reference(&r)?;
                match top {
                    Some(Frame::Field(i)) => push_text(&mut values[i], c.encode_utf8(&mut [0; 4])),
                    other => no_text_here(other, c.encode_utf8(&mut [0; 4]))?,
                }
            }
            Event::Start(start) => {
                check_attributes(&start)?;
                if stack.len() >= MAX_DEPTH {
                    return Err(invalid(format!("elements are nested deeper than {MAX_DEPTH}")));
                }
                let local = start.local_name().as_ref().to_string();
                let in_ns = |uri: &str| ns.as_deref() == Some(uri);
                let frame = match top {
                    None => {
                        if seen_root {
                            return Err(malformed("more than one root element"));
                        }
                        seen_root = true;
                        if local == "Envelope" && in_ns(ENVELOPE_NS) {
                            Frame::Envelope
                        } else if local == "Envelope" && in_ns(SOAP12_ENVELOPE_NS) {
                            return Err(AppError::bad_request(
                                SOAP_VERSION_MISMATCH,
                                "this endpoint speaks SOAP 1.1 (envelope namespace http://schemas.xmlsoap.org/soap/envelope/)",
                            ));
                        } else if local == "Envelope" {
                            return Err(AppError::bad_request(
                                SOAP_VERSION_MISMATCH,
                                "the Envelope is not in the SOAP 1.1 namespace http://schemas.xmlsoap.org/soap/envelope/",
                            ));
                        } else {
                            return Err(invalid("the root element must be a SOAP 1.1 Envelope"));
                        }
                    }
                    Some(Frame::Envelope) => {
                        if local == "Header" && in_ns(ENVELOPE_NS) && !seen_header && !seen_body {
                            seen_header = true;
                            Frame::Header
                        } else if local == "Body" && in_ns(ENVELOPE_NS) && !seen_body {
                            seen_body = true;
                            Frame::Body
                        } else {
                            return Err(invalid(format!(
                                "unexpected element <{local}> in the Envelope (expected an optional Header, then one Body)"
                            )));
                        }
                    }
                    Some(Frame::Header) => {
                        if must_understand(&reader, &start)? {
                            return Err(AppError::bad_request(
                                SOAP_MUST_UNDERSTAND,
                                format!("header entry <{local}> is marked mustUnderstand but is not understood here"),
                            ));
                        }
                        Frame::HeaderContent
                    }
                    Some(Frame::HeaderContent) => Frame::HeaderContent,
                    Some(Frame::Body) => {
                        if seen_operation {
                            return Err(invalid("the Body must hold exactly one operation element"));
                        }
                        if local != operation || !in_ns(USERS_NS) {
                            return Err(invalid(format!(
                                "expected the operation {operation} in namespace {USERS_NS}, found <{local}>{}",
                                ns.as_deref().map(|n| format!(" in namespace {n}")).unwrap_or_default()
                            )));
                        }
                        seen_operation = true;
                        Frame::Operation
                    }
                    Some(Frame::Operation) => {
                        let index = fields
                            .iter()
                            .position(|f| *f == local)
                            .filter(|_| ns.is_none() || in_ns(USERS_NS))
                            .ok_or_else(|| {
                                invalid(format!(
                                    "unexpected element <{local}> in {operation} (expected {})",
                                    fields.join(", ")
                                ))
                            })?;
                        if values[index].is_some() {
                            return Err(invalid(format!("<{local}> appears more than once in {operation}")));
                        }
                        values[index] = Some(String::new());
                        Frame::Field(index)
                    }
                    Some(Frame::Field(i)) => {
                        return Err(invalid(format!("<{}> must hold text only", fields[i])));
                    }
                };
                stack.push(frame);
            }
            Event::End(_) => {
                stack.pop();
            }
            // Not produced with `expand_empty_elements`; refused rather than mis-read.
            Event::Empty(_) => return Err(invalid("unexpected empty element")),
            Event::Eof => break,
        }
    }

    if !stack.is_empty() {
        return Err(malformed("the document ends inside an element"));
    }
    if !seen_root {
        return Err(malformed("the request has no root element"));
    }
    if !seen_body {
        return Err(invalid("the Envelope has no Body"));
    }
    if !seen_operation {
        return Err(invalid(format!("the Body holds no {operation} element")));
    }
    let mut out: [String; N] = std::array::from_fn(|_| String::new());
    for (i, value) in values.into_iter().enumerate() {
        out[i] = value.ok_or_else(|| invalid(format!("{operation} needs a <{}> element", fields[i])))?;
    }
    Ok(out)
}

fn push_text(value: &mut Option<String>, text: &str) {
    if let Some(v) = value {
        v.push_str(text);
    }
}

fn attribute_value(attr: &quick_xml::events::attributes::Attribute<'_>) -> Result<String, AppError> {
    // Resolves only the predefined entities and character references; any other is an error.
    attr.normalized_value(quick_xml::XmlVersion::Implicit1_0)
        .map(Cow::into_owned)
        .map_err(|e| malformed(format!("bad attribute value: {e}")))
}

/// Attribute syntax, uniqueness (quick-xml checks both while iterating) and references.
fn check_attributes(start: &BytesStart<'_>) -> Result<(), AppError> {
    for attr in start.attributes() {
        let attr = attr.map_err(|e| malformed(format!("bad attribute: {e}")))?;
        attribute_value(&attr)?;
    }
    Ok(())
}

/// `soap:mustUnderstand="1"` on a header entry (the attribute's namespace, not its prefix, counts).
fn must_understand(reader: &NsReader<&[u8]>, start: &BytesStart<'_>) -> Result<bool, AppError> {
    for attr in start.attributes() {
        let attr = attr.map_err(|e| malformed(format!("bad attribute: {e}")))?;
        let (ns, local) = reader.resolver().resolve_attribute(attr.key);
        if local.as_ref() == "mustUnderstand"
            && matches!(ns, ResolveResult::Bound(n) if n.0 == ENVELOPE_NS)
        {
            return Ok(attribute_value(&attr)?.trim() == "1");
        }
    }
    Ok(false)
}

// ------------------------------------------------------------------------------------------------
// Responses

/// An element to write: qualified name and text content.
type Field<'a> = (&'a str, Cow<'a, str>);

/// Characters XML 1.0 cannot carry at all (even escaped) become U+FFFD; the writer escapes
/// `<`, `>`, `&`, `"` and `'`.
fn xml_safe(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_xml_char) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().map(|c| if is_xml_char(c) { c } else { '\u{fffd}' }).collect())
    }
}

fn text_element(w: &mut Writer<Vec<u8>>, name: &str, text: &str) -> std::io::Result<()> {
    w.create_element(name).write_text_content(BytesText::new(&xml_safe(text)))?;
    Ok(())
}

/// `<soap:Envelope><soap:Body>…</soap:Body></soap:Envelope>` around what `body` writes.
fn envelope(body: impl FnOnce(&mut Writer<Vec<u8>>) -> std::io::Result<()>) -> std::io::Result<String> {
    let mut w = Writer::new(Vec::with_capacity(512));
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.write_event(Event::Start(
        BytesStart::new("soap:Envelope")
            .with_attributes([("xmlns:soap", ENVELOPE_NS), ("xmlns:tns", USERS_NS)]),
    ))?;
    w.write_event(Event::Start(BytesStart::new("soap:Body")))?;
    body(&mut w)?;
    w.write_event(Event::End(BytesEnd::new("soap:Body")))?;
    w.write_event(Event::End(BytesEnd::new("soap:Envelope")))?;
    String::from_utf8(w.into_inner()).map_err(std::io::Error::other)
}

/// A document/literal response: `<tns:{element}>` holding `fields` in order.
fn response_document(element: &str, fields: &[Field<'_>]) -> std::io::Result<String> {
    envelope(|w| {
        w.create_element(format!("tns:{element}").as_str()).write_inner_content(|w| {
            for (name, value) in fields {
                text_element(w, &format!("tns:{name}"), value)?;
            }
            Ok(())
        })?;
        Ok(())
    })
}

fn xml_response(status: u16, document: String) -> Response<Body> {
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

/// The SOAP 1.1 fault code of an error: the client's mistake or ours (§4.4.1).
pub fn fault_code(err: &AppError) -> &'static str {
    match err {
        AppError::Unavailable { .. } | AppError::Internal(_) => "soap:Server",
        _ if err.code() == SOAP_VERSION_MISMATCH => "soap:VersionMismatch",
        _ if err.code() == SOAP_MUST_UNDERSTAND => "soap:MustUnderstand",
        _ => "soap:Client",
    }
}

fn fault_document(err: &AppError, request_id: &str) -> std::io::Result<String> {
    let faultcode = fault_code(err);
    envelope(|w| {
        w.create_element("soap:Fault").write_inner_content(|w| {
            // SOAP 1.1 §4.4: the Fault's children are unqualified.
            text_element(w, "faultcode", faultcode)?;
            text_element(w, "faultstring", &err.public_message())?;
            // §4.4: `detail` carries errors of the Body, never of header entries.
            if faultcode != "soap:MustUnderstand" {
                w.create_element("detail").write_inner_content(|w| {
                    w.create_element("tns:ServiceFault").write_inner_content(|w| {
                        text_element(w, "tns:code", err.code())?;
                        text_element(w, "tns:requestId", request_id)
                    })?;
                    Ok(())
                })?;
            }
            Ok(())
        })?;
        Ok(())
    })
}

/// THE place where an [`AppError`] becomes a SOAP 1.1 Fault: `faultcode` soap:Client for the
/// client's mistakes (soap:VersionMismatch / soap:MustUnderstand where SOAP defines them),
/// soap:Server for ours; `faultstring` is the public message; `detail` holds the stable `code`
/// and the `requestId`.
///
/// HTTP status: the SOAP 1.1 HTTP binding (and WS-I Basic Profile 1.1, R1126) says every fault
/// travels with "500 Internal Server Error". We deliberately answer client faults with the
/// error's own 4xx status instead (400, 404, 409, 413, 415) and keep 500/503 for server faults:
/// the project rule is that a client's mistake is never a 500 — monitoring, alarms, API Gateway
/// metrics and retrying clients all read 5xx as "the service is failing", and a 409 or 404 must
/// not page anyone or be retried. SOAP toolkits read the Fault from the body whatever the status.
pub fn fault_response(err: &AppError, request_id: &str) -> Response<Body> {
    http::log_error(err);
    let document = fault_document(err, request_id).unwrap_or_else(|e| {
        tracing::error!(error = %e, "writing a SOAP fault failed");
        FALLBACK_FAULT.to_string()
    });
    let mut resp = xml_response(err.status(), document);
    if matches!(err, AppError::Unavailable { .. }) {
        resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

const FALLBACK_FAULT: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>"#,
    r#"<faultcode>soap:Server</faultcode><faultstring>internal error</faultstring>"#,
    r#"</soap:Fault></soap:Body></soap:Envelope>"#
);

/// Runs a SOAP function: like [`http::serve`] (request id, security headers), with errors
/// rendered by [`fault_response`].
pub async fn serve<F, Fut>(handler: F) -> Result<(), http::Error>
where
    F: Fn(Request) -> Fut + Send + Sync,
    Fut: Future<Output = Result<Response<Body>, AppError>> + Send,
{
    http::serve_with(fault_response, handler).await
}

// ------------------------------------------------------------------------------------------------
// WSDL

/// The services we describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// `POST /register` (seed 001 §2).
    Registration,
    /// `GET /user/soap?username=` and `POST /user/soap` (seed 001 §5).
    Lookup,
}

/// `?wsdl` (any case, with or without a value) in the query string.
pub fn wants_wsdl(req: &Request) -> bool {
    req.uri().query().is_some_and(|q| {
        q.split('&').any(|pair| pair.split('=').next().is_some_and(|k| k.eq_ignore_ascii_case("wsdl")))
    })
}

/// The endpoint address as the client reached it: scheme (API Gateway's `x-forwarded-proto`,
/// else https), host, stage prefix and path, without the query.
pub fn endpoint_address(req: &Request) -> String {
    let uri = req.uri();
    let scheme = uri.scheme_str().filter(|s| matches!(*s, "http" | "https")).unwrap_or("https");
    let host = uri
        .authority()
        .map(|a| a.as_str())
        .or_else(|| http::header_str(req, "host"))
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
        .unwrap_or("localhost");
    format!("{scheme}://{host}{}", uri.path())
}

/// The WSDL 1.1 document of `service`, with its port at `address`.
pub fn wsdl(service: Service, address: &str) -> String {
    let address = quick_xml::escape::escape(xml_safe(address).into_owned()).into_owned();
    match service {
        Service::Registration => REGISTRATION_WSDL,
        Service::Lookup => LOOKUP_WSDL,
    }
    .replace("{fault_schema}", SCHEMA_FAULT)
    .replace("{address}", &address)
}

/// `?wsdl` answered with the service description for the address the request came to.
pub fn wsdl_response(service: Service, req: &Request) -> Response<Body> {
    let mut resp = xml_response(200, wsdl(service, &endpoint_address(req)));
    // Static per deployment: clients and proxies may keep it for a while.
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    resp
}

/// A GET without `?wsdl`, or a method the route does not serve.
pub fn wrong_method(req: &Request, hint: &str) -> AppError {
    if req.method() == Method::GET {
        invalid(format!("GET here serves the WSDL only (?wsdl); {hint}"))
    } else {
        invalid(format!("method {} is not supported here; {hint}", req.method()))
    }
}

const SCHEMA_FAULT: &str = r#"
      <xs:element name="ServiceFault">
        <xs:annotation><xs:documentation>detail entry of every SOAP Fault: the stable error code and the request id</xs:documentation></xs:annotation>
        <xs:complexType>
          <xs:sequence>
            <xs:element name="code" type="xs:string"/>
            <xs:element name="requestId" type="xs:string"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>"#;

const REGISTRATION_WSDL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="UserRegistration"
    targetNamespace="urn:rust-lambda:users"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="urn:rust-lambda:users">
  <wsdl:documentation>User registration (SOAP 1.1, document/literal). Faults: soap:Client with the HTTP status of the mistake (400, 409, 413, 415), soap:Server with 500 or 503; the detail holds tns:ServiceFault.</wsdl:documentation>
  <wsdl:types>
    <xs:schema targetNamespace="urn:rust-lambda:users" elementFormDefault="qualified">
      <xs:element name="RegisterUser">
        <xs:complexType>
          <xs:all>
            <xs:element name="username" type="xs:string"/>
            <xs:element name="email" type="xs:string"/>
            <xs:element name="password" type="xs:string"/>
          </xs:all>
        </xs:complexType>
      </xs:element>
      <xs:element name="RegisterUserResponse">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="userId" type="xs:long"/>
            <xs:element name="username" type="xs:string"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>{fault_schema}
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="RegisterUserRequest">
    <wsdl:part name="parameters" element="tns:RegisterUser"/>
  </wsdl:message>
  <wsdl:message name="RegisterUserResponse">
    <wsdl:part name="parameters" element="tns:RegisterUserResponse"/>
  </wsdl:message>
  <wsdl:message name="ServiceFault">
    <wsdl:part name="fault" element="tns:ServiceFault"/>
  </wsdl:message>
  <wsdl:portType name="UserRegistrationPortType">
    <wsdl:operation name="RegisterUser">
      <wsdl:input message="tns:RegisterUserRequest"/>
      <wsdl:output message="tns:RegisterUserResponse"/>
      <wsdl:fault name="ServiceFault" message="tns:ServiceFault"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="UserRegistrationSoapBinding" type="tns:UserRegistrationPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="RegisterUser">
      <soap:operation soapAction="urn:rust-lambda:users#RegisterUser" style="document"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
      <wsdl:fault name="ServiceFault"><soap:fault name="ServiceFault" use="literal"/></wsdl:fault>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="UserRegistrationService">
    <wsdl:port name="UserRegistrationPort" binding="tns:UserRegistrationSoapBinding">
      <soap:address location="{address}"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
"#;

const LOOKUP_WSDL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions name="UserLookup"
    targetNamespace="urn:rust-lambda:users"
    xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"
    xmlns:http="http://schemas.xmlsoap.org/wsdl/http/"
    xmlns:mime="http://schemas.xmlsoap.org/wsdl/mime/"
    xmlns:xs="http://www.w3.org/2001/XMLSchema"
    xmlns:tns="urn:rust-lambda:users">
  <wsdl:documentation>User lookup by username. Two bindings of the same operation: SOAP 1.1 document/literal (POST a GetUser envelope) and HTTP GET ?username=, which answers the same SOAP envelope (GetUserResponse or a soap:Fault, 404 USER_NOT_FOUND for an unknown user).</wsdl:documentation>
  <wsdl:types>
    <xs:schema targetNamespace="urn:rust-lambda:users" elementFormDefault="qualified">
      <xs:element name="GetUser">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="username" type="xs:string"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>
      <xs:element name="GetUserResponse">
        <xs:complexType>
          <xs:sequence>
            <xs:element name="id" type="xs:long"/>
            <xs:element name="username" type="xs:string"/>
          </xs:sequence>
        </xs:complexType>
      </xs:element>{fault_schema}
    </xs:schema>
  </wsdl:types>
  <wsdl:message name="GetUserRequest">
    <wsdl:part name="parameters" element="tns:GetUser"/>
  </wsdl:message>
  <wsdl:message name="GetUserResponse">
    <wsdl:part name="parameters" element="tns:GetUserResponse"/>
  </wsdl:message>
  <wsdl:message name="ServiceFault">
    <wsdl:part name="fault" element="tns:ServiceFault"/>
  </wsdl:message>
  <wsdl:message name="GetUserHttpGetIn">
    <wsdl:part name="username" type="xs:string"/>
  </wsdl:message>
  <wsdl:message name="GetUserHttpGetOut">
    <wsdl:documentation>a SOAP 1.1 envelope holding tns:GetUserResponse or a soap:Fault</wsdl:documentation>
    <wsdl:part name="envelope" type="xs:anyType"/>
  </wsdl:message>
  <wsdl:portType name="UserLookupPortType">
    <wsdl:operation name="GetUser">
      <wsdl:input message="tns:GetUserRequest"/>
      <wsdl:output message="tns:GetUserResponse"/>
      <wsdl:fault name="ServiceFault" message="tns:ServiceFault"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:portType name="UserLookupHttpGetPortType">
    <wsdl:operation name="GetUser">
      <wsdl:input message="tns:GetUserHttpGetIn"/>
      <wsdl:output message="tns:GetUserHttpGetOut"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="UserLookupSoapBinding" type="tns:UserLookupPortType">
    <soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="GetUser">
      <soap:operation soapAction="urn:rust-lambda:users#GetUser" style="document"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input>
      <wsdl:output><soap:body use="literal"/></wsdl:output>
      <wsdl:fault name="ServiceFault"><soap:fault name="ServiceFault" use="literal"/></wsdl:fault>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:binding name="UserLookupHttpGetBinding" type="tns:UserLookupHttpGetPortType">
    <http:binding verb="GET"/>
    <wsdl:operation name="GetUser">
      <http:operation location=""/>
      <wsdl:input><http:urlEncoded/></wsdl:input>
      <wsdl:output><mime:content type="text/xml"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="UserLookupService">
    <wsdl:port name="UserLookupSoapPort" binding="tns:UserLookupSoapBinding">
      <soap:address location="{address}"/>
    </wsdl:port>
    <wsdl:port name="UserLookupHttpGetPort" binding="tns:UserLookupHttpGetBinding">
      <http:address location="{address}"/>
    </wsdl:port>
  </wsdl:service>
</wsdl:definitions>
"#;
