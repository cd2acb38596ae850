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

use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use crate::transport::http::{self, Body, Request, Response};
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

const MAX_USERNAME_LEN: usize = 64;

fn malformed(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::MalformedXml, message)
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::InvalidSoapRequest, message)
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

#[cfg(feature = "identity")]
impl From<RegisterUser> for crate::domain::auth::Registration {
    fn from(r: RegisterUser) -> Self {
        Self { username: r.username, email: r.email, password: r.password }
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
        return Err(AppError::new(ErrorCode::MissingUsername, "username is required"));
    }
    if username.chars().count() > MAX_USERNAME_LEN || username.chars().any(char::is_control) {
        return Err(AppError::new(ErrorCode::InvalidUsername, "username is malformed"));
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
        return Err(AppError::new(
            ErrorCode::PayloadTooLarge,
            format!("SOAP requests are limited to {MAX_SOAP_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// SOAP 1.1 uses `text/xml` (`application/xml` is accepted too); only UTF-8 is read.
/// No Content-Type at all is tolerated, as for JSON.
fn check_media_type(content_type: Option<&str>) -> Result<(), AppError> {
    let Some(ct) = content_type else { return Ok(()) };
    let mut parts = ct.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    let unsupported = |message: &str| AppError::new(ErrorCode::UnsupportedMediaType, message);
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
        Err(AppError::new(
            ErrorCode::InvalidSoapAction,
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
        _ => Err(malformed(format!(
            "undefined entity &{name}; (entities other than the XML predefined ones are not accepted)"
        ))),
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
pub fn parse_envelope<const N: usize>(xml: &[u8], operation: &str, fields: [&str; N]) -> Result<[String; N], AppError> {
    check_size(xml)?;
    let text = std::str::from_utf8(xml).map_err(|_| malformed("the request is not UTF-8"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(AppError::new(ErrorCode::EmptyBody, "a SOAP envelope is required"));
    }

    // Well-formedness (and the DOCTYPE ban) first, so a broken document is reported as such
    // whatever its structure; then the SOAP structure.
    check_well_formed(text)?;
    let mut reader = reader(text);

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
            // Refused by `check_well_formed` already; never processed here either.
            Event::DocType(_) => {
                return Err(AppError::new(ErrorCode::XmlDoctypeForbidden, "DOCTYPE declarations are not allowed"));
            }
            Event::Decl(_) => {}
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
                            return Err(AppError::new(
                                ErrorCode::SoapVersionMismatch,
                                "this endpoint speaks SOAP 1.1 (envelope namespace http://schemas.xmlsoap.org/soap/envelope/)",
                            ));
                        } else if local == "Envelope" {
                            return Err(AppError::new(
                                ErrorCode::SoapVersionMismatch,
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
                            return Err(AppError::new(
                                ErrorCode::SoapMustUnderstand,
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

fn reader(text: &str) -> NsReader<&[u8]> {
    let mut reader = NsReader::from_str(text);
    let config = reader.config_mut();
    config.expand_empty_elements = true; // `<a/>` arrives as Start + End
    config.check_end_names = true;
    config.check_comments = true;
    reader
}

/// One pass over the whole document: XML well-formedness as far as quick-xml checks it, plus
/// what it leaves to us (one root, no text outside it, defined references, declared prefixes,
/// valid attributes, closed elements), UTF-8 only, and no DOCTYPE at all.
fn check_well_formed(text: &str) -> Result<(), AppError> {
    let mut reader = reader(text);
    let (mut depth, mut roots) = (0usize, 0usize);
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(xml_error)?;
        if let ResolveResult::Unknown(prefix) = ns {
            return Err(malformed(format!("namespace prefix '{prefix}' is not declared")));
        }
        match event {
            Event::DocType(_) => {
                return Err(AppError::new(
                    ErrorCode::XmlDoctypeForbidden,
                    "DOCTYPE declarations are not allowed in SOAP messages",
                ));
            }
            Event::Decl(decl) => {
                if let Some(encoding) = decl.encoding() {
                    let encoding = encoding.map_err(|e| malformed(format!("bad XML declaration: {e}")))?;
                    if !encoding.eq_ignore_ascii_case("utf-8") && !encoding.eq_ignore_ascii_case("us-ascii") {
                        return Err(AppError::new(
                            ErrorCode::UnsupportedMediaType,
                            "only UTF-8 SOAP requests are accepted",
                        ));
                    }
                }
            }
            Event::Start(start) => {
                if depth == 0 {
                    roots += 1;
                    if roots > 1 {
                        return Err(malformed("more than one root element"));
                    }
                }
                check_attributes(&start)?;
                // Attribute prefixes must be declared too (element prefixes were checked above).
                for attr in start.attributes().flatten() {
                    if let (ResolveResult::Unknown(prefix), _) = reader.resolver().resolve_attribute(attr.key) {
                        return Err(malformed(format!("namespace prefix '{prefix}' is not declared")));
                    }
                }
                depth += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Text(t) if depth == 0 && !t.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n')) => {
                return Err(malformed("text outside the root element"));
            }
            Event::CData(_) | Event::GeneralRef(_) if depth == 0 => {
                return Err(malformed("content outside the root element"));
            }
            Event::GeneralRef(r) => {
                resolve_reference(&r)?;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 {
        return Err(malformed("the document ends inside an element"));
    }
    if roots == 0 {
        return Err(malformed("the request has no root element"));
    }
    Ok(())
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
        if local.as_ref() == "mustUnderstand" && matches!(ns, ResolveResult::Bound(n) if n.0 == ENVELOPE_NS) {
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
        _ if err.code() == ErrorCode::SoapVersionMismatch => "soap:VersionMismatch",
        _ if err.code() == ErrorCode::SoapMustUnderstand => "soap:MustUnderstand",
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
                        text_element(w, "tns:code", err.code().as_str())?;
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
    let document = fault_document(err, request_id).unwrap_or_else(|e| {
        tracing::error!(error = %e, "writing a SOAP fault failed");
        FALLBACK_FAULT.to_string()
    });
    http::finish_error_response(err, xml_response(err.status(), document))
}

const FALLBACK_FAULT: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>"#,
    r#"<faultcode>soap:Server</faultcode><faultstring>internal error</faultstring>"#,
    r#"</soap:Fault></soap:Body></soap:Envelope>"#
);

/// An error of a SOAP route, answered as a SOAP 1.1 Fault.
#[derive(Debug)]
pub struct Fault(pub AppError);

impl From<AppError> for Fault {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl crate::transport::http::ErrorResponse for Fault {
    fn into_response(self, request_id: &str) -> Response<Body> {
        fault_response(&self.0, request_id)
    }
}

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

/// The endpoint address as the client reached it: scheme, host, stage prefix and path, without
/// the query. API Gateway always sends `x-forwarded-proto`; without it (the local gateway) a
/// loopback host means plain http.
pub fn endpoint_address(req: &Request) -> String {
    let uri = req.uri();
    let host = uri
        .authority()
        .map(|a| a.as_str())
        .or_else(|| http::header_str(req, "host"))
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c)))
        .unwrap_or("localhost");
    let loopback = ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|l| host == *l || host.strip_prefix(l).is_some_and(|rest| rest.starts_with(':')));
    let scheme = match http::header_str(req, "x-forwarded-proto") {
        Some(p) if p.eq_ignore_ascii_case("http") => "http",
        Some(_) => "https",
        None if loopback => "http",
        None => "https",
    };
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
/// (`serve` marks it `no-store` like every answer: its address follows the request's host.)
pub fn wsdl_response(service: Service, req: &Request) -> Response<Body> {
    xml_response(200, wsdl(service, &endpoint_address(req)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http;
    use quick_xml::events::Event;
    use std::collections::{BTreeMap, BTreeSet};

    const FIELDS: [&str; 3] = ["username", "email", "password"];

    fn register_xml(inner: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:rust-lambda:users">
  <soapenv:Body>
    <tns:RegisterUser>{inner}</tns:RegisterUser>
  </soapenv:Body>
</soapenv:Envelope>"#
        )
    }

    const ALICE: &str = "<tns:username>alice</tns:username><tns:email>alice@example.com</tns:email><tns:password>correct horse</tns:password>";

    fn parse(xml: &str) -> Result<[String; 3], AppError> {
        parse_envelope(xml.as_bytes(), "RegisterUser", FIELDS)
    }

    fn code(xml: &str) -> ErrorCode {
        match parse(xml) {
            Ok(v) => panic!("expected an error, parsed {v:?} from {xml}"),
            Err(e) => e.code(),
        }
    }

    fn req(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> Request {
        let mut b = http::Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(Body::Text(body.to_string())).unwrap()
    }

    fn text_of(resp: &Response<Body>) -> &str {
        match resp.body() {
            Body::Text(t) => t,
            other => panic!("text body expected, got {other:?}"),
        }
    }

    #[test]
    fn reads_register_user() {
        let [u, e, p] = parse(&register_xml(ALICE)).unwrap();
        assert_eq!((u.as_str(), e.as_str(), p.as_str()), ("alice", "alice@example.com", "correct horse"));
    }

    #[test]
    fn prefixes_are_free_only_namespaces_count() {
        let variants = [
            // other prefixes, declared on different elements
            r#"<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><u:RegisterUser xmlns:u="urn:rust-lambda:users"><u:password>pw</u:password><u:email>a@x.io</u:email><u:username>bob</u:username></u:RegisterUser></S:Body></S:Envelope>"#,
            // default namespace for the operation and its fields
            r#"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><RegisterUser xmlns="urn:rust-lambda:users"><username>bob</username><email>a@x.io</email><password>pw</password></RegisterUser></e:Body></e:Envelope>"#,
            // unqualified fields (elementFormDefault="unqualified" clients)
            r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><m:RegisterUser xmlns:m="urn:rust-lambda:users"><username>bob</username><email>a@x.io</email><password>pw</password></m:RegisterUser></soap:Body></soap:Envelope>"#,
            // default namespace is SOAP's, operation prefixed; a prefix rebound deeper down
            r#"<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/" xmlns:x="urn:other"><Header><x:Trace>1</x:Trace></Header><Body><x:RegisterUser xmlns:x="urn:rust-lambda:users"><x:username>bob</x:username><x:email>a@x.io</x:email><x:password>pw</x:password></x:RegisterUser></Body></Envelope>"#,
        ];
        for xml in variants {
            let [u, e, p] = parse(xml).unwrap_or_else(|err| panic!("{err} in {xml}"));
            assert_eq!((u.as_str(), e.as_str(), p.as_str()), ("bob", "a@x.io", "pw"), "{xml}");
        }
        // The right local names in the wrong namespaces are refused.
        let wrong_ns = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><m:RegisterUser xmlns:m="urn:someone-else"><username>bob</username><email>a@x.io</email><password>pw</password></m:RegisterUser></soap:Body></soap:Envelope>"#;
        assert_eq!(code(wrong_ns), ErrorCode::InvalidSoapRequest);
        let field_wrong_ns = register_xml(
            r#"<x:username xmlns:x="urn:other">bob</x:username><tns:email>a@x.io</tns:email><tns:password>pw</tns:password>"#,
        );
        assert_eq!(code(&field_wrong_ns), ErrorCode::InvalidSoapRequest);
        let body_wrong_ns = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:o="urn:other"><o:Body/></soap:Envelope>"#;
        assert_eq!(code(body_wrong_ns), ErrorCode::InvalidSoapRequest);
    }

    #[test]
    fn cdata_references_comments_and_whitespace() {
        let xml = register_xml(
            "<!-- a comment --><tns:username>al<![CDATA[<i>&amp;</i>]]>ice</tns:username>\
             <tns:email>a&#64;example.com</tns:email>\
             <tns:password>&lt;&amp;&gt;&quot;&apos;&#x41;&#66;\u{e9}</tns:password>",
        );
        let [u, e, p] = parse(&xml).unwrap();
        assert_eq!(u, "al<i>&amp;</i>ice"); // CDATA is literal: no reference inside is resolved
        assert_eq!(e, "a@example.com");
        assert_eq!(p, "<&>\"'AB\u{e9}");
        // Empty and self-closed fields are present but empty (validation decides about them).
        let [u, ..] =
            parse(&register_xml("<tns:username/><tns:email></tns:email><tns:password>x</tns:password>")).unwrap();
        assert_eq!(u, "");
        // A byte-order mark is fine.
        assert!(parse(&format!("\u{feff}{}", register_xml(ALICE))).is_ok());
    }

    #[test]
    fn doctype_is_refused_before_anything_is_declared_or_fetched() {
        let xxe = format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n{}",
            register_xml(
                "<tns:username>&e;</tns:username><tns:email>a@x.io</tns:email><tns:password>pw</tns:password>"
            )
            .trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        );
        assert_eq!(code(&xxe), ErrorCode::XmlDoctypeForbidden);

        let laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><t:RegisterUser xmlns:t="urn:rust-lambda:users"><t:username>&lol9;</t:username></t:RegisterUser></soap:Body></soap:Envelope>"#;
        assert_eq!(code(laughs), ErrorCode::XmlDoctypeForbidden);

        let parameter_entity = r#"<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:1/evil.dtd"> %p;]><x/>"#;
        assert_eq!(code(parameter_entity), ErrorCode::XmlDoctypeForbidden);
        let external_subset = r#"<!DOCTYPE soap:Envelope SYSTEM "http://127.0.0.1:1/soap.dtd"><x/>"#;
        assert_eq!(code(external_subset), ErrorCode::XmlDoctypeForbidden);
        // A DOCTYPE where none may stand is refused too, never processed.
        let inside = register_xml("<!DOCTYPE x [<!ENTITY e \"boom\">]><tns:username>&e;</tns:username>");
        assert!(matches!(code(&inside), ErrorCode::XmlDoctypeForbidden | ErrorCode::MalformedXml));
    }

    #[test]
    fn undefined_entities_are_errors_never_text() {
        let xml = register_xml(
            "<tns:username>&xxe;</tns:username><tns:email>a@x.io</tns:email><tns:password>pw</tns:password>",
        );
        assert_eq!(code(&xml), ErrorCode::MalformedXml);
        let in_attribute = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" a="&xxe;"><soap:Body/></soap:Envelope>"#;
        assert_eq!(code(in_attribute), ErrorCode::MalformedXml);
        assert_eq!(code(&register_xml("<tns:username>&#0;</tns:username>")), ErrorCode::MalformedXml);
        assert_eq!(code(&register_xml("<tns:username>&#xD800;</tns:username>")), ErrorCode::MalformedXml);
        assert_eq!(code(&register_xml("<tns:username>a & b</tns:username>")), ErrorCode::MalformedXml);
    }

    #[test]
    fn malformed_xml_is_malformed() {
        for xml in [
            "not xml at all",
            "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body>",
            "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body></soap:Envelope>",
            "<a></b>",
            "<a x='1' x='2'/>",
            "<a x=1/>",
            "<undeclared:Envelope/>",
            "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body/></soap:Envelope><second/>",
            "text before <a/>",
        ] {
            assert_eq!(code(xml), ErrorCode::MalformedXml, "{xml}");
        }
        assert_eq!(
            parse_envelope(b"<a>\xff\xfe</a>", "RegisterUser", FIELDS).unwrap_err().code(),
            ErrorCode::MalformedXml
        );
        assert_eq!(code("  \n "), "EMPTY_BODY");
    }

    #[test]
    fn wrong_envelopes_and_operations_are_invalid_soap_requests() {
        let env = |body: &str| {
            format!(
                r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:rust-lambda:users">{body}</soap:Envelope>"#
            )
        };
        let op = format!("<tns:RegisterUser>{ALICE}</tns:RegisterUser>");
        let cases = [
            (
                "root is not an Envelope".to_string(),
                format!("<tns:RegisterUser xmlns:tns=\"urn:rust-lambda:users\">{ALICE}</tns:RegisterUser>"),
            ),
            ("no Body".into(), env("")),
            ("only a Header".into(), env("<soap:Header/>")),
            ("empty Body".into(), env("<soap:Body/>")),
            ("two Bodies".into(), env(&format!("<soap:Body>{op}</soap:Body><soap:Body/>"))),
            ("Header after Body".into(), env(&format!("<soap:Body>{op}</soap:Body><soap:Header/>"))),
            ("two operations".into(), env(&format!("<soap:Body>{op}{op}</soap:Body>"))),
            ("another operation".into(), env("<soap:Body><tns:DeleteUser/></soap:Body>")),
            ("text in Body".into(), env(&format!("<soap:Body>hello{op}</soap:Body>"))),
            ("missing field".into(), register_xml("<tns:username>a</tns:username><tns:password>p</tns:password>")),
            ("duplicate field".into(), register_xml(&format!("{ALICE}<tns:username>mallory</tns:username>"))),
            ("unknown field".into(), register_xml(&format!("{ALICE}<tns:role>admin</tns:role>"))),
            ("element in a field".into(), register_xml("<tns:username><b>a</b></tns:username>")),
            ("processing instruction".into(), register_xml(&format!("<?php evil() ?>{ALICE}"))),
        ];
        for (what, xml) in cases {
            assert_eq!(code(&xml), ErrorCode::InvalidSoapRequest, "{what}: {xml}");
        }
        let soap12 = r#"<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body/></env:Envelope>"#;
        assert_eq!(code(soap12), ErrorCode::SoapVersionMismatch);
    }

    #[test]
    fn header_entries_are_ignored_unless_they_must_be_understood() {
        let with_header = |header: &str| {
            format!(
                r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:rust-lambda:users"><soap:Header>{header}</soap:Header><soap:Body><tns:RegisterUser>{ALICE}</tns:RegisterUser></soap:Body></soap:Envelope>"#
            )
        };
        assert!(
            parse(&with_header("<w:Security xmlns:w=\"urn:x\">text<w:Token>t</w:Token><![CDATA[x]]></w:Security>"))
                .is_ok()
        );
        assert!(parse(&with_header("<w:Trace xmlns:w=\"urn:x\" soap:mustUnderstand=\"0\"/>")).is_ok());
        // An attribute that is merely *named* mustUnderstand, outside the SOAP namespace, does not count.
        assert!(parse(&with_header("<w:Trace xmlns:w=\"urn:x\" mustUnderstand=\"1\"/>")).is_ok());
        assert_eq!(
            code(&with_header("<w:Security xmlns:w=\"urn:x\" soap:mustUnderstand=\"1\"/>")),
            ErrorCode::SoapMustUnderstand
        );
        assert_eq!(
            code(&with_header(
                "<w:S xmlns:w=\"urn:x\" xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\" e:mustUnderstand=\" 1 \"/>"
            )),
            ErrorCode::SoapMustUnderstand
        );
        let deep = format!("{}{}", "<w:a xmlns:w=\"urn:x\">".repeat(40), "</w:a>".repeat(40));
        assert_eq!(code(&with_header(&deep)), ErrorCode::InvalidSoapRequest);
    }

    #[test]
    fn size_limit_is_64_kib() {
        let base = register_xml(ALICE);
        let pad = |to: usize| format!("{base}{}", " ".repeat(to - base.len()));
        assert!(parse(&pad(MAX_SOAP_BYTES)).is_ok());
        let err = parse(&pad(MAX_SOAP_BYTES + 1)).unwrap_err();
        assert_eq!((err.status(), err.code().as_str()), (413, "PAYLOAD_TOO_LARGE"));
    }

    #[test]
    fn requests_check_media_type_and_soap_action() {
        let body = register_xml(ALICE);
        let ok = |headers: &[(&str, &str)]| register_user(&req("POST", "/register", headers, &body));
        assert_eq!(ok(&[("content-type", "text/xml; charset=utf-8")]).unwrap().username, "alice");
        assert!(
            ok(&[
                ("content-type", "text/xml; charset=\"UTF-8\""),
                ("soapaction", "\"urn:rust-lambda:users#RegisterUser\"")
            ])
            .is_ok()
        );
        assert!(ok(&[("content-type", "application/xml"), ("soapaction", "\"\"")]).is_ok());
        assert!(ok(&[]).is_ok());
        for ct in ["application/json", "application/soap+xml", "text/xml; charset=iso-8859-1"] {
            let e = ok(&[("content-type", ct)]).unwrap_err();
            assert_eq!((e.status(), e.code().as_str()), (415, "UNSUPPORTED_MEDIA_TYPE"), "{ct}");
        }
        assert_eq!(
            ok(&[("soapaction", "\"urn:rust-lambda:users#GetUser\"")]).unwrap_err().code(),
            ErrorCode::InvalidSoapAction
        );
        let latin1 = body.replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"");
        assert_eq!(register_user(&req("POST", "/register", &[], &latin1)).unwrap_err().status(), 415);
        let password_hidden = format!("{:?}", ok(&[]).unwrap());
        assert!(!password_hidden.contains("correct horse"), "{password_hidden}");
    }

    #[test]
    fn get_user_and_lookup_usernames() {
        let xml = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetUser xmlns="urn:rust-lambda:users"><username>bob</username></GetUser></s:Body></s:Envelope>"#;
        assert_eq!(get_user(&req("POST", "/user/soap", &[], xml)).unwrap().username, "bob");
        assert_eq!(lookup_username(Some(" bob ")).unwrap(), "bob");
        assert_eq!(lookup_username(None).unwrap_err().code(), "MISSING_USERNAME");
        assert_eq!(lookup_username(Some("  ")).unwrap_err().code(), "MISSING_USERNAME");
        assert_eq!(lookup_username(Some(&"a".repeat(65))).unwrap_err().code(), "INVALID_USERNAME");
        assert_eq!(lookup_username(Some("a\u{0}b")).unwrap_err().code(), "INVALID_USERNAME");
    }

    /// Reads a response back: the texts of the elements with these local names (namespace-checked).
    fn read_back(xml: &str) -> BTreeMap<String, (Option<String>, String)> {
        let mut reader = NsReader::from_str(xml);
        let mut out = BTreeMap::new();
        let mut current: Option<(Option<String>, String)> = None;
        loop {
            let (ns, ev) = reader.read_resolved_event().expect("well-formed response");
            let ns = match ns {
                ResolveResult::Bound(n) => Some(n.0.to_string()),
                _ => None,
            };
            match ev {
                Event::Start(s) => {
                    let name = s.local_name().as_ref().to_string();
                    out.entry(name.clone()).or_insert((ns.clone(), String::new()));
                    current = Some((ns, name));
                }
                Event::Text(t) => {
                    if let Some((ns, name)) = &current {
                        out.entry(name.clone()).or_insert((ns.clone(), String::new())).1.push_str(&t.xml10_content());
                    }
                }
                Event::GeneralRef(r) => {
                    if let Some((ns, name)) = &current {
                        let c = resolve_reference(&r).unwrap();
                        out.entry(name.clone()).or_insert((ns.clone(), String::new())).1.push(c);
                    }
                }
                Event::End(_) => current = None,
                Event::Eof => break,
                _ => {}
            }
        }
        out
    }

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

    #[test]
    fn faults_map_every_error_in_one_place() {
        let cases = [
            (AppError::new(ErrorCode::MalformedXml, "bad <xml> & more"), 400, "soap:Client"),
            (AppError::new(ErrorCode::UserNotFound, "no such user"), 404, "soap:Client"),
            (AppError::new(ErrorCode::UsernameTaken, "taken"), 409, "soap:Client"),
            (AppError::new(ErrorCode::PayloadTooLarge, "big"), 413, "soap:Client"),
            (AppError::new(ErrorCode::UnsupportedMediaType, "xml"), 415, "soap:Client"),
            (AppError::new(ErrorCode::CorsOriginForbidden, "no"), 403, "soap:Client"),
            (AppError::new(ErrorCode::SoapVersionMismatch, "1.2"), 400, "soap:VersionMismatch"),
            (
                AppError::unavailable(crate::Dependency::Postgres, "connection refused (os error 111)"),
                503,
                "soap:Server",
            ),
            (AppError::internal("db password is hunter2"), 500, "soap:Server"),
        ];
        for (err, status, faultcode) in cases {
            let resp = fault_response(&err, "req-1");
            assert_eq!(resp.status(), status, "{err}");
            assert_eq!(resp.headers()["content-type"], CONTENT_TYPE);
            let xml = text_of(&resp);
            let fields = read_back(xml);
            assert_eq!(fields["faultcode"], (None, faultcode.to_string()), "{xml}");
            assert_eq!(fields["faultstring"].1, err.public_message());
            assert_eq!(fields["Fault"].0.as_deref(), Some(ENVELOPE_NS));
            assert_eq!(fields["code"], (Some(USERS_NS.to_string()), err.code().to_string()));
            assert_eq!(fields["requestId"].1, "req-1");
            assert!(!xml.contains("hunter2") && !xml.contains("os error"), "{xml}");
            assert_eq!(resp.headers().contains_key("retry-after"), status == 503);
        }
        // Header faults carry no detail (SOAP 1.1 §4.4).
        let resp = fault_response(&AppError::new(ErrorCode::SoapMustUnderstand, "x"), "r");
        let fields = read_back(text_of(&resp));
        assert_eq!(fields["faultcode"].1, "soap:MustUnderstand");
        assert!(!fields.contains_key("detail"));
    }

    #[test]
    fn wsdl_query_detection() {
        let has = |uri: &str| wants_wsdl(&req("GET", uri, &[], ""));
        assert!(has("/register?wsdl") && has("/register?WSDL") && has("/register?wsdl=") && has("/user/soap?x=1&wsdl"));
        assert!(!has("/register") && !has("/register?wsdlx") && !has("/user/soap?username=wsdl"));
    }

    #[test]
    fn the_address_comes_from_host_stage_and_path() {
        let event = |stage: &str, proto: &str| {
            serde_json::json!({
                "version": "2.0", "routeKey": "GET /register", "rawPath": "/register", "rawQueryString": "wsdl",
                "headers": {"host": "api.example.com", "x-forwarded-proto": proto},
                "requestContext": {"domainName": "api.example.com", "stage": stage, "http": {"method": "GET", "path": "/register"}},
                "isBase64Encoded": false
            })
            .to_string()
        };
        let r = lambda_http::request::from_str(&event("prod", "https")).unwrap();
        assert_eq!(endpoint_address(&r), "https://api.example.com/prod/register");
        let r = lambda_http::request::from_str(&event("$default", "http")).unwrap();
        assert_eq!(endpoint_address(&r), "http://api.example.com/register");
        assert_eq!(endpoint_address(&req("GET", "/register?wsdl", &[], "")), "http://localhost/register");
        let local = req("GET", "http://127.0.0.1:9000/user/soap?wsdl", &[("host", "127.0.0.1:9000")], "");
        assert_eq!(endpoint_address(&local), "http://127.0.0.1:9000/user/soap");
        let proxied =
            req("GET", "/user/soap", &[("host", "127.0.0.1.example.com"), ("x-forwarded-proto", "https")], "");
        assert_eq!(endpoint_address(&proxied), "https://127.0.0.1.example.com/user/soap");
    }

    /// Checks a WSDL 1.1 document: well-formed, the expected root and target namespace, and every
    /// `tns:` reference (message, portType, binding, schema element) resolving to a definition.
    fn check_wsdl(xml: &str) -> BTreeSet<String> {
        const WSDL_NS: &str = "http://schemas.xmlsoap.org/wsdl/";
        let mut reader = NsReader::from_str(xml);
        let mut defined: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
        let mut refs: Vec<(&str, String)> = Vec::new();
        let mut root_seen = false;
        let mut addresses = BTreeSet::new();
        loop {
            let (ns, ev) = reader.read_resolved_event().expect("WSDL is well-formed");
            let ns = match ns {
                ResolveResult::Bound(n) => n.0.to_string(),
                _ => String::new(),
            };
            let start = match ev {
                Event::Start(s) | Event::Empty(s) => s,
                Event::DocType(_) => panic!("no DOCTYPE in a WSDL"),
                Event::Eof => break,
                _ => continue,
            };
            let local = start.local_name().as_ref().to_string();
            let attrs: BTreeMap<String, String> = start
                .attributes()
                .map(|a| a.unwrap())
                .map(|a| (a.key.as_ref().to_string(), attribute_value(&a).unwrap()))
                .collect();
            if !root_seen {
                root_seen = true;
                assert_eq!((ns.as_str(), local.as_str()), (WSDL_NS, "definitions"));
                assert_eq!(attrs["targetNamespace"], USERS_NS);
                assert_eq!(attrs["xmlns:tns"], USERS_NS);
            }
            let tns = |v: &str| v.strip_prefix("tns:").unwrap_or_else(|| panic!("{v} is not a tns: QName")).to_string();
            match (ns.as_str(), local.as_str()) {
                (WSDL_NS, "message") => {
                    defined.entry("message").or_default().insert(attrs["name"].clone());
                }
                (WSDL_NS, "portType") => {
                    defined.entry("portType").or_default().insert(attrs["name"].clone());
                }
                (WSDL_NS, "binding") => {
                    defined.entry("binding").or_default().insert(attrs["name"].clone());
                    refs.push(("portType", tns(&attrs["type"])));
                }
                (WSDL_NS, "input" | "output" | "fault") if attrs.contains_key("message") => {
                    refs.push(("message", tns(&attrs["message"])))
                }
                (WSDL_NS, "part") if attrs.contains_key("element") => refs.push(("element", tns(&attrs["element"]))),
                (WSDL_NS, "port") => refs.push(("binding", tns(&attrs["binding"]))),
                ("http://www.w3.org/2001/XMLSchema", "element") if attrs.contains_key("name") => {
                    defined.entry("element").or_default().insert(attrs["name"].clone());
                }
                ("http://schemas.xmlsoap.org/wsdl/soap/", "binding") => {
                    assert_eq!(attrs["style"], "document");
                    assert_eq!(attrs["transport"], "http://schemas.xmlsoap.org/soap/http");
                }
                ("http://schemas.xmlsoap.org/wsdl/soap/" | "http://schemas.xmlsoap.org/wsdl/http/", "address") => {
                    addresses.insert(attrs["location"].clone());
                }
                _ => {}
            }
        }
        for (kind, name) in refs {
            assert!(
                defined.get(kind).is_some_and(|d| d.contains(&name)),
                "{kind} tns:{name} is referenced but not defined"
            );
        }
        addresses
    }

    #[test]
    fn wsdl_documents_are_consistent_and_carry_the_address() {
        let addr = "https://api.example.com/prod/register?a=1&b=\"2\"";
        let doc = wsdl(Service::Registration, addr);
        assert_eq!(check_wsdl(&doc), BTreeSet::from([addr.to_string()]));
        assert!(doc.contains("soapAction=\"urn:rust-lambda:users#RegisterUser\""));
        assert!(doc.contains("name=\"RegisterUser\"") && doc.contains("name=\"RegisterUserResponse\""));

        let doc = wsdl(Service::Lookup, "https://api.example.com/user/soap");
        assert_eq!(check_wsdl(&doc), BTreeSet::from(["https://api.example.com/user/soap".to_string()]));
        assert!(doc.contains("name=\"GetUserResponse\"") && doc.contains("verb=\"GET\""));

        let resp = wsdl_response(Service::Lookup, &req("GET", "https://h.example/user/soap?wsdl", &[], ""));
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], CONTENT_TYPE);
        assert_eq!(check_wsdl(text_of(&resp)), BTreeSet::from(["https://h.example/user/soap".to_string()]));
    }

    #[test]
    fn wrong_methods_are_client_faults() {
        let e = wrong_method(&req("GET", "/register", &[], ""), "POST a RegisterUser envelope");
        assert_eq!((e.status(), e.code()), (400, ErrorCode::InvalidSoapRequest));
        assert_eq!(fault_code(&e), "soap:Client");
    }
}
