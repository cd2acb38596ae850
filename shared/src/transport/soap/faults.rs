//! SOAP 1.1 Faults: THE place where an [`AppError`] becomes a SOAP answer.

use super::responses::{text_element, write_envelope, xml_response};
use crate::domain::error::{AppError, ErrorCode};
use crate::transport::http::{self, Body, Response};

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
    write_envelope(|w| {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::soap::envelope::{ENVELOPE_NS, USERS_NS};
    use crate::transport::soap::requests::wrong_method;
    use crate::transport::soap::responses::CONTENT_TYPE;
    use crate::transport::soap::test_support::{read_back, req, text_of};

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
    fn wrong_methods_are_client_faults() {
        let e = wrong_method(&req("GET", "/register", &[], ""), "POST a RegisterUser envelope");
        assert_eq!((e.status(), e.code()), (400, ErrorCode::InvalidSoapRequest));
        assert_eq!(fault_code(&e), "soap:Client");
    }
}
