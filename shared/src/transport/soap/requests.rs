//! The request messages of the two services: `RegisterUser` (user SOAP) and `GetUser` (user
//! lookup), read from a request whose size, media type and `SOAPAction` are checked first.

use super::envelope::{check_size, invalid, parse_envelope};
use crate::domain::error::{AppError, ErrorCode};
use crate::transport::http::{self, Request};
use lambda_http::http::{Method, header};

/// `SOAPAction` values of our operations, as the WSDL binding declares them.
pub const REGISTER_USER_ACTION: &str = "urn:rust-lambda:users#RegisterUser";
pub const GET_USER_ACTION: &str = "urn:rust-lambda:users#GetUser";

const MAX_USERNAME_LEN: usize = 64;

/// The `RegisterUser` operation of the user SOAP service. `Debug` never shows the password.
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

/// The `GetUser` operation of the user lookup service, also reachable as `GET /user/soap?username=`.
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

/// A GET without `?wsdl`, or a method the route does not serve.
pub fn wrong_method(req: &Request, hint: &str) -> AppError {
    if req.method() == Method::GET {
        invalid(format!("GET here serves the WSDL only (?wsdl); {hint}"))
    } else {
        invalid(format!("method {} is not supported here; {hint}", req.method()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::soap::envelope::tests::{ALICE, register_xml};
    use crate::transport::soap::test_support::req;

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
}
