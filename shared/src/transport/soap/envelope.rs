//! The reader of SOAP 1.1 request envelopes: strict and namespace-aware (quick-xml).
//!
//! It never expands anything: a `<!DOCTYPE` is refused before any of its content is looked at
//! (so no entity declaration, internal or external, is ever processed: no XXE, no billion
//! laughs), only the five predefined entities and character references are resolved, and any
//! other `&name;` is a well-formedness error. Bodies are limited to [`MAX_SOAP_BYTES`] and
//! nesting to [`MAX_DEPTH`].

use crate::domain::error::{AppError, ErrorCode};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use std::borrow::Cow;

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

pub(super) fn malformed(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::MalformedXml, message)
}

pub(super) fn invalid(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::InvalidSoapRequest, message)
}

pub(super) fn check_size(body: &[u8]) -> Result<(), AppError> {
    if body.len() > MAX_SOAP_BYTES {
        return Err(AppError::new(
            ErrorCode::PayloadTooLarge,
            format!("SOAP requests are limited to {MAX_SOAP_BYTES} bytes"),
        ));
    }
    Ok(())
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
pub(super) fn resolve_reference(name: &str) -> Result<char, AppError> {
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
pub(super) fn is_xml_char(c: char) -> bool {
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

pub(super) fn attribute_value(attr: &quick_xml::events::attributes::Attribute<'_>) -> Result<String, AppError> {
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    const FIELDS: [&str; 3] = ["username", "email", "password"];

    pub(in crate::transport::soap) fn register_xml(inner: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:rust-lambda:users">
  <soapenv:Body>
    <tns:RegisterUser>{inner}</tns:RegisterUser>
  </soapenv:Body>
</soapenv:Envelope>"#
        )
    }

    pub(in crate::transport::soap) const ALICE: &str = "<tns:username>alice</tns:username><tns:email>alice@example.com</tns:email><tns:password>correct horse</tns:password>";

    fn parse(xml: &str) -> Result<[String; 3], AppError> {
        parse_envelope(xml.as_bytes(), "RegisterUser", FIELDS)
    }

    fn code(xml: &str) -> ErrorCode {
        match parse(xml) {
            Ok(v) => panic!("expected an error, parsed {v:?} from {xml}"),
            Err(e) => e.code(),
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
}
