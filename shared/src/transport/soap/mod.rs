//! SOAP 1.1 over HTTP for the legacy-facing user services (user SOAP: `POST /register`; user
//! lookup: `/user/soap`): a strict, namespace-aware reader of request envelopes
//! ([`envelope`]), the request messages ([`requests`]), a writer of responses ([`responses`])
//! and faults ([`faults`] — the one place where an `AppError` becomes a SOAP Fault), and the
//! WSDL 1.1 documents ([`wsdl`]).

pub mod envelope;
#[cfg(any(test, feature = "openapi"))]
pub mod examples;
pub mod faults;
pub mod requests;
pub mod responses;
#[cfg(test)]
mod test_support;
pub mod wsdl;

pub use envelope::{ENVELOPE_NS, MAX_DEPTH, MAX_SOAP_BYTES, USERS_NS, parse_envelope};
pub use faults::{Fault, fault_code, fault_response};
pub use requests::{
    GET_USER_ACTION, GetUser, REGISTER_USER_ACTION, RegisterUser, get_user, lookup_username, register_user,
    wrong_method,
};
pub use responses::{CONTENT_TYPE, get_user_response, register_user_response};
pub use wsdl::{Service, endpoint_address, wants_wsdl, wsdl, wsdl_response};
