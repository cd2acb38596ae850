//! The OpenAPI 3.1 document of every HTTP route. Each operation is declared on its handler
//! (`#[utoipa::path]` in `handlers/`), each handler module lists its operations in a `Doc`, and
//! [`document`] merges them under the tags and security schemes declared here. Only tests and
//! the generator enable the `openapi` feature: the `api-docs` function serves the generated
//! `docs/openapi.json`, so no function links utoipa's document model.
//!
//! `tests/tests/api_docs.rs` fails when the document and the HttpApi routes of `template.yaml`
//! disagree, or when `docs/openapi.json` is not what this module generates.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

pub use crate::domain::health::{CheckResult, HealthReport};
pub use crate::transport::http::{Envelope, EnvelopeError, ErrorBody};

/// Security scheme of routes that take the JWT access token (`Authorization: Bearer …`).
pub const BEARER: &str = "bearer";
/// Security scheme of `POST /auth/introspect`: the calling service's client id and secret.
pub const INTROSPECTION_CLIENT: &str = "introspectionClient";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "rust-lambda",
        description = "Auth, user SOAP, user lookup, sessions, connected, images, bookstore auth, tenant data and chat \
                       services, one AWS Lambda function per route behind an API Gateway HTTP API. Errors outside \
                       `/api/v1` are `ErrorBody`; `/api/v1` answers in the chat envelope (`Envelope` / `EnvelopeError`). \
                       Every response carries `x-request-id`; error 503s and 429s carry `Retry-After` (health reports do not).",
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/", description = "The API Gateway HTTP API (or the local gateway, http://127.0.0.1:9000)")),
    components(schemas(ErrorBody, EnvelopeError, HealthReport, CheckResult)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "auth", description = "The auth service: login, profile, test routes, token introspection"),
        (name = "user SOAP", description = "The user SOAP service: registration over SOAP 1.1"),
        (name = "user lookup", description = "The user lookup SOAP service: usernames over SOAP 1.1"),
        (name = "sessions", description = "The session service: session documents behind the auth tokens"),
        (name = "connected", description = "The connected service: a user's last connection"),
        (name = "images", description = "The image delivery service: uploads, listing, presigned uploads"),
        (name = "bookstore auth", description = "The bookstore's auth service: registration, login, logout"),
        (name = "tenant data", description = "The tenant data access service: tenant-isolated records behind introspection"),
        (name = "chat", description = "The chat backend: login sessions, chat sessions, messages, vendors, sellers, users"),
        (name = "docs", description = "This document and its Swagger UI"),
    )
)]
struct Root;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("Access token from a login (HS256 JWT)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            INTROSPECTION_CLIENT,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some("A service's client id and secret (INTROSPECTION_CLIENTS)"))
                    .build(),
            ),
        );
    }
}

/// A string without NUL (U+0000), which neither PostgreSQL text and JSONB nor a BSON key can hold.
pub(crate) const WITHOUT_NUL: &str = r"^[^\u0000]*$";

/// The schema `name`: any JSON value, whose object keys at any depth have no NUL and, with
/// `strings_without_nul`, whose strings neither. utoipa derives `serde_json::Value` as "any"; the
/// routes that store free-form JSON refuse NUL where their store cannot hold it (400).
pub(crate) fn json_value(
    name: &str,
    description: &str,
    strings_without_nul: bool,
) -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
    use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Ref, Type};
    let string = ObjectBuilder::new().schema_type(Type::String).pattern(strings_without_nul.then_some(WITHOUT_NUL));
    AnyOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .item(ObjectBuilder::new().schema_type(Type::Boolean))
        .item(ObjectBuilder::new().schema_type(Type::Number))
        .item(string)
        .item(ArrayBuilder::new().items(Ref::from_schema_name(name)))
        .item(json_object(name, ObjectBuilder::new().pattern(Some(WITHOUT_NUL))))
        .description(Some(description))
        .into()
}

/// An object whose keys are `keys` (a string schema) and whose values are the schema `values`.
pub(crate) fn json_object(
    values: &str,
    keys: utoipa::openapi::schema::ObjectBuilder,
) -> utoipa::openapi::schema::ObjectBuilder {
    use utoipa::openapi::schema::{ObjectBuilder, Ref, Type};
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property_names(Some(keys.schema_type(Type::String)))
        .additional_properties(Some(Ref::from_schema_name(values)))
}

/// The document's frame: its info, tags, security schemes and the error schemas every
/// service shares. `handlers::openapi` merges the operations of every service into it.
pub fn root() -> utoipa::openapi::OpenApi {
    Root::openapi()
}
