//! The OpenAPI text the chat operations share: what every route may answer besides its own
//! outcomes, and the request bodies whose rules one derived schema cannot say — the same Rust
//! type serves `POST` and `PUT` with different rules for `sessionId`, or one field decides which
//! others belong. Each body schema starts from the derived schema of the real type and only
//! tightens it, so the field rules stay next to the validator rules they describe.

use crate::domain::chat::{NewMessage, Role, SellerInput, UserUpdate, VendorInput};
use std::borrow::Cow;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AnyOfBuilder, Discriminator, Object, ObjectBuilder, OneOfBuilder, Ref, Schema, SchemaType, Type,
};
use utoipa::{PartialSchema, ToSchema};

// What every route may answer besides its own outcomes: the caller is authenticated (401), then
// counted against the rate limit (429); the token store (DynamoDB) and PostgreSQL may be down
// (503), and an unexpected database error is a 500.
pub(super) const UNAUTHORIZED: &str = "No `Authorization: Bearer` token, or one that is malformed, invalid, expired or revoked \
                            (MISSING_TOKEN, INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED)";
pub(super) const RATE_LIMITED: &str = "The caller made more than RATE_LIMIT_MAX requests (default 100) in the current window of \
                            RATE_LIMIT_WINDOW ms (default 15 min) (RATE_LIMITED)";
pub(super) const INTERNAL: &str = "Unexpected error (INTERNAL_ERROR); its detail is logged, and in `detail` only when \
                        APP_ENV/NODE_ENV is `development`";
pub(super) const UNAVAILABLE: &str = "The token store or the database is unavailable (TOKEN_STORE_UNAVAILABLE, \
                           DATABASE_UNAVAILABLE); retry";
pub(super) const TOO_LARGE: &str = "Body over 16 KiB (PAYLOAD_TOO_LARGE)";
pub(super) const NOT_JSON: &str = "A `Content-Type` other than `application/json` or `*+json` (UNSUPPORTED_MEDIA_TYPE)";

type Schemas = Vec<(String, RefOr<Schema>)>;

/// The derived schema of `T`, an object.
fn object<T: PartialSchema>() -> Object {
    match T::schema() {
        RefOr::T(Schema::Object(o)) => o,
        _ => unreachable!("{} derives an object schema", std::any::type_name::<T>()),
    }
}

fn is_null(schema: &RefOr<Schema>) -> bool {
    matches!(schema, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null))
}

/// The schema of an `Option<T>` without its `null`.
fn non_null(schema: RefOr<Schema>) -> RefOr<Schema> {
    match schema {
        RefOr::T(Schema::Object(mut o)) => {
            if let SchemaType::Array(types) = &o.schema_type {
                let mut types: Vec<Type> = types.iter().filter(|t| **t != Type::Null).cloned().collect();
                o.schema_type =
                    if types.len() == 1 { SchemaType::Type(types.remove(0)) } else { SchemaType::Array(types) };
            }
            RefOr::T(Schema::Object(o))
        }
        RefOr::T(Schema::OneOf(mut one)) => {
            one.items.retain(|item| !is_null(item));
            if one.items.len() == 1 { one.items.remove(0) } else { RefOr::T(Schema::OneOf(one)) }
        }
        other => other,
    }
}

/// `field` must be given, and not as null.
fn require(o: &mut Object, field: &str) {
    if let Some(schema) = o.properties.get_mut(field) {
        *schema = non_null(schema.clone());
    }
    if !o.required.iter().any(|r| r == field) {
        o.required.push(field.to_string());
    }
}

/// `field` may be absent or null, nothing else.
fn null_only(o: &mut Object, field: &str, description: &str) {
    o.required.retain(|r| r != field);
    o.properties
        .insert(field.to_string(), ObjectBuilder::new().schema_type(Type::Null).description(Some(description)).into());
}

/// `field` is the string `value`.
fn constant(o: &mut Object, field: &str, value: &str) {
    o.properties
        .insert(field.to_string(), ObjectBuilder::new().schema_type(Type::String).enum_values(Some([value])).into());
    require(o, field);
}

fn described(mut o: Object, title: &str, description: &str) -> RefOr<Schema> {
    o.title = Some(title.to_string());
    o.description = Some(description.to_string());
    RefOr::T(Schema::Object(o))
}

/// `POST /api/v1/messages`: a text message or a media message ([`NewMessage::check_shape`]).
pub struct NewMessageBody;

const TEXT_MESSAGE: &str = "ChatTextMessageCreate";
const MEDIA_MESSAGE: &str = "ChatMediaMessageCreate";

fn text_message() -> RefOr<Schema> {
    let mut o = object::<NewMessage>();
    constant(&mut o, "kind", "text");
    require(&mut o, "text");
    null_only(&mut o, "mediaUrl", "Not allowed in a text message");
    null_only(&mut o, "mediaType", "Not allowed in a text message");
    described(o, "Text message", "A text message: `text`, no media")
}

fn media_message() -> RefOr<Schema> {
    let mut o = object::<NewMessage>();
    constant(&mut o, "kind", "media");
    require(&mut o, "mediaUrl");
    require(&mut o, "mediaType");
    described(o, "Media message", "A media message: `mediaUrl` and `mediaType`, and an optional `text` caption")
}

impl PartialSchema for NewMessageBody {
    fn schema() -> RefOr<Schema> {
        let at = |name: &str| format!("#/components/schemas/{name}");
        OneOfBuilder::new()
            .item(Ref::from_schema_name(TEXT_MESSAGE))
            .item(Ref::from_schema_name(MEDIA_MESSAGE))
            .discriminator(Some(Discriminator::with_mapping(
                "kind",
                [("text", at(TEXT_MESSAGE)), ("media", at(MEDIA_MESSAGE))],
            )))
            .description(Some("The body of `POST /api/v1/messages`: `kind` decides which fields belong"))
            .into()
    }
}

impl ToSchema for NewMessageBody {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ChatMessageCreate")
    }
    fn schemas(schemas: &mut Schemas) {
        schemas.push((TEXT_MESSAGE.to_string(), text_message()));
        schemas.push((MEDIA_MESSAGE.to_string(), media_message()));
    }
}

/// `POST /api/v1/vendors`: [`VendorInput`] with `sessionId`.
pub struct NewVendorBody;

impl PartialSchema for NewVendorBody {
    fn schema() -> RefOr<Schema> {
        let mut o = object::<VendorInput>();
        require(&mut o, "sessionId");
        described(o, "New vendor", "The body of `POST /api/v1/vendors`")
    }
}

impl ToSchema for NewVendorBody {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ChatVendorCreate")
    }
}

/// `PUT /api/v1/vendors/{id}`: [`VendorInput`] without `sessionId`.
pub struct VendorChangeBody;

impl PartialSchema for VendorChangeBody {
    fn schema() -> RefOr<Schema> {
        let mut o = object::<VendorInput>();
        null_only(&mut o, "sessionId", "A vendor stays with its session: a session id is refused");
        described(o, "Vendor details", "The body of `PUT /api/v1/vendors/{id}`: the vendor's new details")
    }
}

impl ToSchema for VendorChangeBody {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ChatVendorChange")
    }
}

/// `POST /api/v1/sellers`: [`SellerInput`] with `sessionId`.
pub struct NewSellerBody;

impl PartialSchema for NewSellerBody {
    fn schema() -> RefOr<Schema> {
        let mut o = object::<SellerInput>();
        require(&mut o, "sessionId");
        described(o, "New seller", "The body of `POST /api/v1/sellers`")
    }
}

impl ToSchema for NewSellerBody {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ChatSellerCreate")
    }
}

/// `PUT /api/v1/sellers/{id}`: [`SellerInput`] without `sessionId`.
pub struct SellerChangeBody;

impl PartialSchema for SellerChangeBody {
    fn schema() -> RefOr<Schema> {
        let mut o = object::<SellerInput>();
        null_only(&mut o, "sessionId", "A seller stays with its session: a session id is refused");
        described(o, "Seller details", "The body of `PUT /api/v1/sellers/{id}`: the seller's new details")
    }
}

impl ToSchema for SellerChangeBody {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ChatSellerChange")
    }
}

/// `PUT /api/v1/users/{id}`: [`UserUpdate`] with `email` or `role` (or both) not null.
pub struct UserUpdateBody;

impl PartialSchema for UserUpdateBody {
    fn schema() -> RefOr<Schema> {
        let with = |field: &str, title: &str| {
            let mut o = object::<UserUpdate>();
            require(&mut o, field);
            o.title = Some(title.to_string());
            o.description = None;
            RefOr::T(Schema::Object(o))
        };
        AnyOfBuilder::new()
            .item(with("email", "New email"))
            .item(with("role", "New role"))
            .description(Some("The body of `PUT /api/v1/users/{id}`: `email`, `role` (admins only) or both"))
            .into()
    }
}

impl ToSchema for UserUpdateBody {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ChatUserChange")
    }
    fn schemas(schemas: &mut Schemas) {
        schemas.push((Role::name().into(), Role::schema()));
    }
}

/// Checks a handler module's operations: each takes the bearer token and documents the answers
/// every route may give. `#[utoipa::path]` takes security scheme names as literals only: they
/// must stay the root's.
#[cfg(test)]
pub(super) fn check_common_answers(doc: utoipa::openapi::OpenApi, operations: usize) {
    let doc = serde_json::to_value(doc).unwrap();
    let mut count = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            count += 1;
            let bearer = crate::transport::openapi::BEARER;
            assert_eq!(op["security"], serde_json::json!([{ bearer: [] }]), "{method} {path}");
            for status in ["401", "429", "500", "503"] {
                assert!(op["responses"].get(status).is_some(), "{method} {path}: no {status}");
            }
        }
    }
    assert_eq!(count, operations);
}
