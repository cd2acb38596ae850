//! The user SOAP service: registration over SOAP 1.1 (`POST /register`, its WSDL at
//! `GET /register?wsdl`) and its health. Errors of `/register` are SOAP Faults.

use crate::domain::auth::{Registrar, RegistrationStore};
use crate::domain::error::AppError;
use crate::domain::events::EventPublisher;
use crate::domain::health::HealthCheck;
use crate::domain::outbox::OutboxStore;
use crate::transport::http::{Body, Request, Response};
use crate::transport::soap::{self, Fault, Service};
#[cfg(feature = "openapi")]
use crate::{
    domain::health::HealthReport,
    transport::soap::examples::{
        CLIENT_FAULT, REGISTER_USER_REQUEST, REGISTER_USER_RESPONSE, SERVER_FAULT, SOAP, registration_wsdl_example,
    },
};

#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(register_user, registration_wsdl, health))]
pub struct Doc;

/// `/register`: `POST` a `RegisterUser` envelope, or `GET ?wsdl`.
pub async fn register<S, Q>(registrar: &Registrar<S, Q>, req: Request) -> Result<Response<Body>, Fault>
where
    S: RegistrationStore + OutboxStore,
    Q: EventPublisher,
{
    match req.method().as_str() {
        "POST" => register_user(registrar, req).await,
        "GET" if soap::wants_wsdl(&req) => Ok(registration_wsdl(req).await),
        _ => Err(soap::wrong_method(&req, "POST a RegisterUser envelope").into()),
    }
}

/// Register a user over SOAP
///
/// SOAP 1.1, document/literal: a `RegisterUser` envelope in namespace `urn:rust-lambda:users`
/// holding `username`, `email` and `password` (each once, any order; qualified or unqualified)
/// answers a `RegisterUserResponse` with `userId` and `username`. The same rules as
/// `POST /api/auth/register` apply. Queues `UserRegistered` on `user-events`.
///
/// The reader is strict: UTF-8 only, at most 64 KiB, no DOCTYPE (so no entities beyond the XML
/// predefined ones), no processing instructions, nesting at most 32 deep, header entries marked
/// `mustUnderstand="1"` refused. Errors are SOAP 1.1 Faults (`faultcode` soap:Client,
/// soap:VersionMismatch, soap:MustUnderstand or soap:Server; `detail/tns:ServiceFault` holds the
/// stable `code` and the `requestId`) with the error's own HTTP status, not 500 for every fault.
/// The WSDL is at `GET /register?wsdl`.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/register", tag = "user SOAP", operation_id = "soapRegisterUser",
    params(
        ("SOAPAction" = Option<String>, Header, nullable = false, example = "\"urn:rust-lambda:users#RegisterUser\"",
            description = "`\"urn:rust-lambda:users#RegisterUser\"`, `\"\"` or absent; any other action is a Client fault (INVALID_SOAP_ACTION)"),
    ),
    request_body(content = String, content_type = SOAP,
        description = "A SOAP 1.1 `RegisterUser` envelope (`application/xml` is accepted too; only UTF-8)",
        example = json!(REGISTER_USER_REQUEST)),
    responses(
        (status = 200, description = "Registered: a `RegisterUserResponse` envelope", content_type = SOAP, body = String,
            example = json!(REGISTER_USER_RESPONSE)),
        (status = 400, description = "Client fault: empty body, malformed XML, DOCTYPE, not the expected envelope or operation, wrong SOAPAction, SOAP 1.2 envelope, mustUnderstand header, invalid fields or weak password (EMPTY_BODY, MALFORMED_XML, XML_DOCTYPE_FORBIDDEN, INVALID_SOAP_REQUEST, INVALID_SOAP_ACTION, SOAP_VERSION_MISMATCH, SOAP_MUST_UNDERSTAND, VALIDATION_FAILED, WEAK_PASSWORD)",
            content_type = SOAP, body = String, example = json!(CLIENT_FAULT)),
        (status = 409, description = "Client fault: username or email already registered (USERNAME_TAKEN, EMAIL_TAKEN)", content_type = SOAP, body = String),
        (status = 413, description = "Client fault: body over 64 KiB (PAYLOAD_TOO_LARGE)", content_type = SOAP, body = String),
        (status = 415, description = "Client fault: not text/xml or application/xml, or not UTF-8 (UNSUPPORTED_MEDIA_TYPE)", content_type = SOAP, body = String),
        (status = 500, description = "Server fault: internal error (INTERNAL_ERROR)", content_type = SOAP, body = String),
        (status = 503, description = "Server fault: database down (DATABASE_UNAVAILABLE)", content_type = SOAP, body = String,
            example = json!(SERVER_FAULT)),
    )))]
async fn register_user<S, Q>(registrar: &Registrar<S, Q>, req: Request) -> Result<Response<Body>, Fault>
where
    S: RegistrationStore + OutboxStore,
    Q: EventPublisher,
{
    let registration = soap::register_user(&req)?.into();
    let user = registrar.register(&registration, "users.soap").await?;
    Ok(soap::register_user_response(user.id, &user.username)?)
}

/// The registration service's WSDL
///
/// WSDL 1.1 of the `RegisterUser` service, its port addressed at the URL the request came to.
/// Only with `?wsdl`: a GET without it is a Client fault.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/register", tag = "user SOAP", operation_id = "soapRegistrationWsdl",
    params(
        ("wsdl" = String, Query, allow_reserved, example = "",
            description = "Present (any value, even empty; any case) to get the WSDL"),
    ),
    responses(
        (status = 200, description = "The WSDL 1.1 document", content_type = SOAP, body = String, example = json!(registration_wsdl_example())),
        (status = 400, description = "Client fault: no `wsdl` parameter (INVALID_SOAP_REQUEST)", content_type = SOAP, body = String),
    )))]
async fn registration_wsdl(req: Request) -> Response<Body> {
    soap::wsdl_response(Service::Registration, &req)
}

/// User SOAP service health
///
/// PostgreSQL and the `user-events` queue, each checked with a deadline.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/user-soap/health", tag = "user SOAP", operation_id = "userSoapHealth",
    responses(
        (status = 200, description = "Every dependency is up (`status` ok)", body = HealthReport),
        (status = 503, description = "A dependency is down or timed out (`status` unavailable, `code` DEPENDENCY_UNAVAILABLE); the report names it", body = HealthReport),
    )))]
pub async fn health(check: &HealthCheck, _req: Request) -> Result<Response<Body>, AppError> {
    Ok(super::health::report(check).await)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::{MemoryOutbox, MemoryQueue, MemoryUsers};
    use crate::domain::auth::{NewUser, PasswordHasher};
    use crate::domain::error::ErrorCode;
    use crate::domain::events::USER_EVENTS;
    use crate::domain::outbox::{Outbox, OutboxEntry};
    use lambda_http::http::Request as HttpRequest;

    /// A registration store and its outbox, as PostgreSQL is both: the fakes of the two ports.
    #[derive(Default)]
    struct Accounts {
        users: MemoryUsers,
        outbox: MemoryOutbox,
    }

    impl RegistrationStore for Accounts {
        async fn insert_user<F>(
            &self,
            username: &str,
            email: &str,
            password_hash: &str,
            event: F,
        ) -> Result<(NewUser, OutboxEntry), AppError>
        where
            F: FnOnce(&NewUser) -> Result<OutboxEntry, AppError> + Send,
        {
            self.users.insert_user(username, email, password_hash, event).await
        }
    }

    impl OutboxStore for Accounts {
        async fn claim_pending(&self, limit: i64) -> Result<Vec<OutboxEntry>, AppError> {
            self.outbox.claim_pending(limit).await
        }
        async fn mark_delivered(&self, id: uuid::Uuid) -> Result<(), AppError> {
            self.outbox.mark_delivered(id).await
        }
        async fn release(&self, id: uuid::Uuid, error: &str) -> Result<(), AppError> {
            self.outbox.release(id, error).await
        }
        async fn enqueue(&self, queue: &str, event: &crate::domain::events::EventEnvelope) -> Result<(), AppError> {
            self.outbox.enqueue(queue, event).await
        }
    }

    fn registrar() -> Registrar<Accounts, MemoryQueue> {
        let hasher = PasswordHasher::new(crate::domain::auth::MIN_PBKDF2_ITERATIONS).unwrap();
        Registrar { outbox: Outbox { store: Accounts::default(), publisher: MemoryQueue::default() }, hasher }
    }

    fn post(body: &str) -> Request {
        HttpRequest::builder()
            .method("POST")
            .uri("/register")
            .header("content-type", "text/xml; charset=utf-8")
            .body(Body::Text(body.into()))
            .unwrap()
    }

    fn text(resp: &Response<Body>) -> &str {
        let Body::Text(text) = resp.body() else { panic!("a text body") };
        text
    }

    #[tokio::test]
    async fn a_registration_answers_its_envelope_and_sends_user_registered() {
        let registrar = registrar();
        let resp = register(&registrar, post(crate::transport::soap::examples::REGISTER_USER_REQUEST)).await.unwrap();
        assert_eq!(resp.status(), 200);
        assert!(
            text(&resp).contains("<tns:userId>1</tns:userId><tns:username>alice</tns:username>"),
            "{}",
            text(&resp)
        );
        let sent = registrar.outbox.publisher.sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 1);
        assert_eq!((sent[0].0.as_str(), sent[0].1.event_type.as_str()), (USER_EVENTS, "UserRegistered"));
        assert_eq!(sent[0].1.source, "users.soap");

        let again = register(&registrar, post(crate::transport::soap::examples::REGISTER_USER_REQUEST)).await;
        assert_eq!(again.unwrap_err().0.code(), ErrorCode::UsernameTaken);
    }

    #[tokio::test]
    async fn get_serves_the_wsdl_only_and_other_methods_are_faults() {
        let registrar = registrar();
        let wsdl = HttpRequest::builder().method("GET").uri("https://api.example.com/register?wsdl");
        let resp = register(&registrar, wsdl.body(Body::Empty).unwrap()).await.unwrap();
        assert!(text(&resp).contains("<soap:address location=\"https://api.example.com/register\"/>"));
        for method in ["GET", "PUT", "DELETE"] {
            let req = HttpRequest::builder().method(method).uri("/register").body(Body::Empty).unwrap();
            assert_eq!(register(&registrar, req).await.unwrap_err().0.code(), ErrorCode::InvalidSoapRequest);
        }
    }
}
