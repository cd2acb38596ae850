//! The user lookup service: the one browser origin its strict CORS policy lets in.

use super::{ConfigError, Env};

/// `SOAP_LOOKUP_ALLOWED_ORIGIN` (required): the only origin that gets CORS headers from
/// `/user/soap`, like `http://127.0.0.1:8080`. Its form is checked where the policy is built.
pub fn lookup_allowed_origin(env: &Env) -> Result<String, ConfigError> {
    env.required("SOAP_LOOKUP_ALLOWED_ORIGIN")
}
