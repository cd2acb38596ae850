//! SOAP 1.1 request parsing (shared::transport::soap): `register_user` / `get_user` on a request whose
//! body is the fuzz input, and the lower-level `parse_envelope`. Must never panic; every error
//! must be a client error that renders as a SOAP fault; a parsed username must render back.
//!
//! Input: byte 0 picks the mode, the rest is the body.
//!   0 RegisterUser over POST /register, valid Content-Type and SOAPAction
//!   1 GetUser over POST /user/soap, valid Content-Type and SOAPAction
//!   2 parse_envelope(body, "RegisterUser", [username, email, password]) directly
//!   3 parse_envelope(body, "GetUser", [username]) directly
//!   4 RegisterUser with fuzzed headers: "<content-type>\n<soapaction>\n<body>"
//!   5 GET /user/soap?username=<rest> (lookup_username) and the ?wsdl address of the request
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::AppError;
use shared::transport::http::Request;
use shared::transport::soap;
use shared_fuzz::{body, check_client_error, part, request, split, with_params};

const CT: &str = "text/xml; charset=utf-8";

fn post(uri: &str, action: &str, xml: &[u8]) -> Option<Request> {
    let quoted = format!("\"{action}\"");
    request("POST", uri, &[("content-type", CT), ("soapaction", &quoted)], body(xml))
}

fn outcome<T>(result: Result<T, AppError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(err) => {
            check_client_error(&err);
            None
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 6 {
        0 => {
            let Some(req) = post("/register", soap::REGISTER_USER_ACTION, rest) else {
                return;
            };
            if let Some(user) = outcome(soap::register_user(&req)) {
                // What the handler answers with on success: the username echoed in XML.
                let resp = soap::register_user_response(1, &user.username).expect("response renders");
                assert_eq!(resp.status(), 200);
            }
        }
        1 => {
            let Some(req) = post("/user/soap", soap::GET_USER_ACTION, rest) else {
                return;
            };
            if let Some(lookup) = outcome(soap::get_user(&req)) {
                // The handler then checks the name like the GET form does.
                if let Some(name) = outcome(soap::lookup_username(Some(&lookup.username))) {
                    assert!(soap::get_user_response(7, &name).is_ok());
                }
            }
        }
        2 => {
            outcome(soap::parse_envelope(rest, "RegisterUser", ["username", "email", "password"]));
        }
        3 => {
            outcome(soap::parse_envelope(rest, "GetUser", ["username"]));
        }
        4 => {
            let parts = split(rest, b'\n', 3);
            let (ct, action) = (part(&parts, 0), part(&parts, 1));
            let xml = parts.get(2).copied().unwrap_or_default();
            let Some(req) = request("POST", "/register", &[("content-type", &ct), ("soapaction", &action)], body(xml))
            else {
                return;
            };
            outcome(soap::register_user(&req));
        }
        _ => {
            let username = String::from_utf8_lossy(rest).into_owned();
            let host = username.chars().take(40).collect::<String>();
            let Some(req) = request("GET", "/user/soap?wsdl", &[("host", &host)], body(b""))
                .or_else(|| request("GET", "/user/soap?wsdl", &[], body(b"")))
            else {
                return;
            };
            let req = with_params(req, &[("username", username.clone())], &[]);
            outcome(soap::lookup_username(shared::transport::http::query_param(&req, "username").as_deref()));
            assert!(soap::wants_wsdl(&req));
            let address = soap::endpoint_address(&req);
            assert!(address.starts_with("http"), "{address}");
            let _ = soap::wsdl(soap::Service::Lookup, &address);
        }
    }
});
