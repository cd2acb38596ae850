//! Examples of the SOAP messages for the OpenAPI document: exactly what the writer produces (no
//! indentation) and what the reader accepts, as the test below checks.

/// The media type of every SOAP request and answer.
pub const SOAP: &str = super::responses::CONTENT_TYPE;

pub const REGISTER_USER_REQUEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:rust-lambda:users">
  <soap:Body>
    <tns:RegisterUser>
      <tns:username>alice</tns:username>
      <tns:email>alice@example.com</tns:email>
      <tns:password>correct horse battery staple</tns:password>
    </tns:RegisterUser>
  </soap:Body>
</soap:Envelope>"#;

pub const REGISTER_USER_RESPONSE: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:rust-lambda:users"><soap:Body>"#,
    r#"<tns:RegisterUserResponse><tns:userId>42</tns:userId><tns:username>alice</tns:username></tns:RegisterUserResponse>"#,
    r#"</soap:Body></soap:Envelope>"#
);

pub const GET_USER_REQUEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:rust-lambda:users">
  <soap:Body>
    <tns:GetUser>
      <tns:username>alice</tns:username>
    </tns:GetUser>
  </soap:Body>
</soap:Envelope>"#;

pub const GET_USER_RESPONSE: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:rust-lambda:users"><soap:Body>"#,
    r#"<tns:GetUserResponse><tns:id>42</tns:id><tns:username>alice</tns:username></tns:GetUserResponse>"#,
    r#"</soap:Body></soap:Envelope>"#
);

pub const CLIENT_FAULT: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:rust-lambda:users"><soap:Body>"#,
    r#"<soap:Fault><faultcode>soap:Client</faultcode><faultstring>no user has that username</faultstring>"#,
    r#"<detail><tns:ServiceFault><tns:code>USER_NOT_FOUND</tns:code><tns:requestId>0d6f9a52-3c1b-4e8a-9f7d-2b5c8e1a4f60</tns:requestId></tns:ServiceFault></detail>"#,
    r#"</soap:Fault></soap:Body></soap:Envelope>"#
);

pub const SERVER_FAULT: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:rust-lambda:users"><soap:Body>"#,
    r#"<soap:Fault><faultcode>soap:Server</faultcode><faultstring>postgres is temporarily unavailable, please retry</faultstring>"#,
    r#"<detail><tns:ServiceFault><tns:code>DATABASE_UNAVAILABLE</tns:code><tns:requestId>0d6f9a52-3c1b-4e8a-9f7d-2b5c8e1a4f60</tns:requestId></tns:ServiceFault></detail>"#,
    r#"</soap:Fault></soap:Body></soap:Envelope>"#
);

/// The WSDL as `GET /register?wsdl` answers it for a request to `https://api.example.com/register`.
pub fn registration_wsdl_example() -> String {
    super::wsdl::wsdl(super::wsdl::Service::Registration, "https://api.example.com/register")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::error::{AppError, Dependency, ErrorCode};
    use crate::transport::soap::envelope::parse_envelope;
    use crate::transport::soap::faults::fault_response;
    use crate::transport::soap::responses::{get_user_response, register_user_response};
    use crate::transport::soap::test_support::text_of;

    #[test]
    fn soap_examples_are_what_the_services_read_and_write() {
        let [u, e, p] =
            parse_envelope(REGISTER_USER_REQUEST.as_bytes(), "RegisterUser", ["username", "email", "password"])
                .unwrap();
        assert_eq!(
            (u.as_str(), e.as_str(), p.as_str()),
            ("alice", "alice@example.com", "correct horse battery staple")
        );
        let [u] = parse_envelope(GET_USER_REQUEST.as_bytes(), "GetUser", ["username"]).unwrap();
        assert_eq!(u, "alice");
        assert_eq!(text_of(&register_user_response(42, "alice").unwrap()), REGISTER_USER_RESPONSE);
        assert_eq!(text_of(&get_user_response(42, "alice").unwrap()), GET_USER_RESPONSE);
        let request_id = "0d6f9a52-3c1b-4e8a-9f7d-2b5c8e1a4f60";
        let not_found = AppError::new(ErrorCode::UserNotFound, "no user has that username");
        assert_eq!(text_of(&fault_response(&not_found, request_id)), CLIENT_FAULT);
        let down = AppError::unavailable(Dependency::Postgres, "connection refused");
        assert_eq!(text_of(&fault_response(&down, request_id)), SERVER_FAULT);
        assert!(registration_wsdl_example().contains("https://api.example.com/register"));
    }
}
