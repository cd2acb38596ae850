//! GET /user/soap?username= — the user's id and username as a SOAP 1.1 `GetUserResponse`, or a
//! SOAP Fault (404 USER_NOT_FOUND); POST /user/soap takes the same operation as a `GetUser`
//! envelope; ?wsdl answers the WSDL. Strict CORS: only the origin in `SOAP_LOOKUP_ALLOWED_ORIGIN`
//! gets CORS headers; OPTIONS preflights are answered by the runner.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::user_lookup::lookup(), handlers::user_lookup::lookup).await
}
