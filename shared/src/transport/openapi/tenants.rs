//! Tenant data access (seed 003): `tenant-data-get`, `tenant-data-create`, `tenant-data-update`,
//! `tenant-data-delete`, `tenant-health` and `tenant-health-details`. Every call but the basic
//! health carries the bearer token and `X-Tenant-ID`; the token is checked by the identity
//! service's introspection (cached), must belong to that tenant, and is rate-limited per tenant
//! and caller. Errors are `ErrorBody` (seed 003's format).

use super::ErrorBody;
use crate::adapters::tenant_records::{Record, RecordPage};
use crate::app::tenants::{DataBody, TenantHealthDetails};
use crate::domain::tenants::TenantHealth;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema};
use utoipa::{Modify, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(get_data, create_data, update_data, delete_data, tenant_health, tenant_health_details),
    modifiers(&JsonbDocument)
)]
pub(super) struct Doc;

const JSONB_VALUE: &str = "TenantJsonValue";

/// `data` of `POST`/`PUT /api/data` is stored as JSONB, which cannot hold NUL (U+0000) in a key or
/// a string at any depth (400 INVALID_DATA): the schema says so, recursively, instead of "any
/// object". The derived schema's other rules (at least one field) stay.
struct JsonbDocument;

impl Modify for JsonbDocument {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let Some(components) = doc.components.as_mut() else { return };
        let description = "Any JSON value without NUL (U+0000) in its strings and object keys, at any depth";
        components.schemas.insert(JSONB_VALUE.to_string(), super::json_value(JSONB_VALUE, description, true));
        let body = components.schemas.get_mut("TenantDataBody");
        let Some(RefOr::T(Schema::Object(body))) = body else { return };
        if let Some(RefOr::T(Schema::Object(data))) = body.properties.get_mut("data") {
            let nul_free =
                super::json_object(JSONB_VALUE, ObjectBuilder::new().pattern(Some(super::WITHOUT_NUL))).build();
            data.property_names = nul_free.property_names;
            data.additional_properties = nul_free.additional_properties;
        }
    }
}

/// One record (with `id`) or one page of records.
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum RecordOrPage {
    Record(Record),
    Page(RecordPage),
}

/// The details with `status` `unavailable`, or `ErrorBody` when the access check itself could
/// not run.
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code, clippy::large_enum_variant)]
enum DetailsOrError {
    Details(TenantHealthDetails),
    Error(ErrorBody<'static>),
}

/// Read the tenant's records
///
/// Without `id`: the tenant's records, newest first, `limit` per page; pass `nextCursor` back as
/// `cursor` for the next page. With `id`: that record (`limit` and `cursor` are then ignored).
/// Only the tenant's own schema is reachable, as the tenant's own database role.
#[utoipa::path(get, path = "/api/data", tag = "tenant-data", operation_id = "getTenantData",
    security(("bearer" = [])),
    params(
        ("X-Tenant-ID" = String, Header, min_length = 1, max_length = 40, pattern = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$",
            description = "The tenant: 1-40 lowercase letters, digits or inner hyphens; the token must belong to it",
            example = "acme"),
        ("id" = Option<uuid::Uuid>, Query, description = "One record's id"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Page size, 1-100 (default 20)",
            example = 20),
        ("cursor" = Option<uuid::Uuid>, Query, description = "`nextCursor` of the previous page"),
    ),
    responses(
        (status = 200, description = "The record (with `id`) or one page of records", body = inline(RecordOrPage),
            headers(
                ("X-RateLimit-Limit" = u64, description = "Requests allowed per window for this tenant and caller"),
                ("X-RateLimit-Remaining" = u64, description = "Requests left in the current window"),
            )),
        (status = 400, description = "X-Tenant-ID missing (MISSING_TENANT_ID) or malformed (INVALID_TENANT_ID); `id` \
                                      not a UUID (INVALID_RECORD_ID); `limit` out of range (INVALID_LIMIT); `cursor` \
                                      not a UUID (INVALID_CURSOR)", body = ErrorBody),
        (status = 401, description = "Bearer token missing, malformed, invalid, expired or revoked \
                                      (AUTHENTICATION_FAILED)", body = ErrorBody),
        (status = 403, description = "The token does not belong to this tenant (TENANT_ACCESS_DENIED)", body = ErrorBody),
        (status = 404, description = "Unknown or disabled tenant (TENANT_NOT_FOUND); no record with this id \
                                      (RECORD_NOT_FOUND)", body = ErrorBody),
        (status = 429, description = "Rate limit of the tenant reached for this caller (RATE_LIMITED)", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds until the window resets"))),
        (status = 500, description = "Unexpected failure, e.g. introspection refused this service's own credentials \
                                      or a query failed (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Introspection unreachable and the token not cached (AUTH_SERVICE_UNAVAILABLE), \
                                      or the directory or tenant database down (DATABASE_ERROR); retry",
            body = ErrorBody, headers(("retry-after" = u32, description = "Seconds to wait"))),
    ))]
#[allow(dead_code)]
fn get_data() {}

/// Create a record
///
/// Stores the JSON object under `data` as a new record of the tenant (`version` is ignored).
/// The body is limited to 64 KiB.
#[utoipa::path(post, path = "/api/data", tag = "tenant-data", operation_id = "createTenantData",
    security(("bearer" = [])),
    params(
        ("X-Tenant-ID" = String, Header, min_length = 1, max_length = 40, pattern = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$",
            description = "The tenant: 1-40 lowercase letters, digits or inner hyphens; the token must belong to it",
            example = "acme"),
    ),
    request_body(content = DataBody, content_type = "application/json"),
    responses(
        (status = 201, description = "Created, version 1", body = Record,
            headers(
                ("X-RateLimit-Limit" = u64, description = "Requests allowed per window for this tenant and caller"),
                ("X-RateLimit-Remaining" = u64, description = "Requests left in the current window"),
            )),
        (status = 400, description = "X-Tenant-ID missing (MISSING_TENANT_ID) or malformed (INVALID_TENANT_ID); body \
                                      missing (EMPTY_BODY), not JSON (INVALID_JSON), not the expected fields or `data` \
                                      empty (VALIDATION_FAILED); a NUL character (`\\u0000`) in a key or string \
                                      of `data`, which JSONB cannot store (INVALID_DATA)", body = ErrorBody),
        (status = 401, description = "Bearer token missing, malformed, invalid, expired or revoked \
                                      (AUTHENTICATION_FAILED)", body = ErrorBody),
        (status = 403, description = "The token does not belong to this tenant (TENANT_ACCESS_DENIED)", body = ErrorBody),
        (status = 404, description = "Unknown or disabled tenant (TENANT_NOT_FOUND)", body = ErrorBody),
        (status = 413, description = "The body is over 64 KiB (PAYLOAD_TOO_LARGE)", body = ErrorBody),
        (status = 415, description = "Content-Type is not JSON (UNSUPPORTED_MEDIA_TYPE)", body = ErrorBody),
        (status = 429, description = "Rate limit of the tenant reached for this caller (RATE_LIMITED)", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds until the window resets"))),
        (status = 500, description = "Unexpected failure, e.g. introspection refused this service's own credentials \
                                      or a query failed (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Introspection unreachable and the token not cached (AUTH_SERVICE_UNAVAILABLE), \
                                      or the directory or tenant database down (DATABASE_ERROR); retry",
            body = ErrorBody, headers(("retry-after" = u32, description = "Seconds to wait"))),
    ))]
#[allow(dead_code)]
fn create_data() {}

/// Replace a record's document
///
/// Replaces the document of record `id` with `data` and increments its version. With
/// `version`, the update only happens if the record still has that version (409 otherwise);
/// without it, unconditionally. The body is limited to 64 KiB.
#[utoipa::path(put, path = "/api/data", tag = "tenant-data", operation_id = "updateTenantData",
    security(("bearer" = [])),
    params(
        ("X-Tenant-ID" = String, Header, min_length = 1, max_length = 40, pattern = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$",
            description = "The tenant: 1-40 lowercase letters, digits or inner hyphens; the token must belong to it",
            example = "acme"),
        ("id" = uuid::Uuid, Query, description = "The record's id"),
    ),
    request_body(content = DataBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Updated", body = Record,
            headers(
                ("X-RateLimit-Limit" = u64, description = "Requests allowed per window for this tenant and caller"),
                ("X-RateLimit-Remaining" = u64, description = "Requests left in the current window"),
            )),
        (status = 400, description = "X-Tenant-ID missing (MISSING_TENANT_ID) or malformed (INVALID_TENANT_ID); `id` \
                                      missing (MISSING_RECORD_ID) or not a UUID (INVALID_RECORD_ID); body missing \
                                      (EMPTY_BODY), not JSON (INVALID_JSON), not the expected fields or `data` empty \
                                      (VALIDATION_FAILED); a NUL character (`\\u0000`) in a key or string of `data`, \
                                      which JSONB cannot store (INVALID_DATA)", body = ErrorBody),
        (status = 401, description = "Bearer token missing, malformed, invalid, expired or revoked \
                                      (AUTHENTICATION_FAILED)", body = ErrorBody),
        (status = 403, description = "The token does not belong to this tenant (TENANT_ACCESS_DENIED)", body = ErrorBody),
        (status = 404, description = "Unknown or disabled tenant (TENANT_NOT_FOUND); no record with this id \
                                      (RECORD_NOT_FOUND)", body = ErrorBody),
        (status = 409, description = "The record was changed since `version` (VERSION_CONFLICT)", body = ErrorBody),
        (status = 413, description = "The body is over 64 KiB (PAYLOAD_TOO_LARGE)", body = ErrorBody),
        (status = 415, description = "Content-Type is not JSON (UNSUPPORTED_MEDIA_TYPE)", body = ErrorBody),
        (status = 429, description = "Rate limit of the tenant reached for this caller (RATE_LIMITED)", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds until the window resets"))),
        (status = 500, description = "Unexpected failure, e.g. introspection refused this service's own credentials \
                                      or a query failed (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Introspection unreachable and the token not cached (AUTH_SERVICE_UNAVAILABLE), \
                                      or the directory or tenant database down (DATABASE_ERROR); retry",
            body = ErrorBody, headers(("retry-after" = u32, description = "Seconds to wait"))),
    ))]
#[allow(dead_code)]
fn update_data() {}

/// Delete a record
#[utoipa::path(delete, path = "/api/data", tag = "tenant-data", operation_id = "deleteTenantData",
    security(("bearer" = [])),
    params(
        ("X-Tenant-ID" = String, Header, min_length = 1, max_length = 40, pattern = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$",
            description = "The tenant: 1-40 lowercase letters, digits or inner hyphens; the token must belong to it",
            example = "acme"),
        ("id" = uuid::Uuid, Query, description = "The record's id"),
    ),
    responses(
        (status = 204, description = "Deleted",
            headers(
                ("X-RateLimit-Limit" = u64, description = "Requests allowed per window for this tenant and caller"),
                ("X-RateLimit-Remaining" = u64, description = "Requests left in the current window"),
            )),
        (status = 400, description = "X-Tenant-ID missing (MISSING_TENANT_ID) or malformed (INVALID_TENANT_ID); `id` \
                                      missing (MISSING_RECORD_ID) or not a UUID (INVALID_RECORD_ID)", body = ErrorBody),
        (status = 401, description = "Bearer token missing, malformed, invalid, expired or revoked \
                                      (AUTHENTICATION_FAILED)", body = ErrorBody),
        (status = 403, description = "The token does not belong to this tenant (TENANT_ACCESS_DENIED)", body = ErrorBody),
        (status = 404, description = "Unknown or disabled tenant (TENANT_NOT_FOUND); no record with this id \
                                      (RECORD_NOT_FOUND)", body = ErrorBody),
        (status = 429, description = "Rate limit of the tenant reached for this caller (RATE_LIMITED)", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds until the window resets"))),
        (status = 500, description = "Unexpected failure, e.g. introspection refused this service's own credentials \
                                      or a query failed (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "Introspection unreachable and the token not cached (AUTH_SERVICE_UNAVAILABLE), \
                                      or the directory or tenant database down (DATABASE_ERROR); retry",
            body = ErrorBody, headers(("retry-after" = u32, description = "Seconds to wait"))),
    ))]
#[allow(dead_code)]
fn delete_data() {}

/// Tenant service health
///
/// Seed 003's `GET /health`, on its own path. The tenant directory (PostgreSQL) is required:
/// 503 with `status` `unavailable` and `code` DATABASE_ERROR when it is down. The shared cache
/// (DynamoDB) is not: the service falls back to memory, so its outage answers 200 `degraded`.
/// No credentials.
#[utoipa::path(get, path = "/tenants/health", tag = "health", operation_id = "tenantHealth",
    responses(
        (status = 200, description = "The directory is up (`ok`, or `degraded` when the shared cache is down)",
            body = TenantHealth),
        (status = 503, description = "The directory is down (`unavailable`, code DATABASE_ERROR); the body is the \
                                      health answer", body = TenantHealth),
    ))]
#[allow(dead_code)]
fn tenant_health() {}

/// Tenant service health details
///
/// Seed 003's detailed metrics for an authenticated caller of a tenant: the directory and the
/// caller's tenant pool (a round trip as the tenant's role), the shared cache and the cache hit
/// rates, the tenant pools and the memory of this execution environment. Each Lambda execution
/// environment has its own memory cache and pools, so the figures are this environment's
/// (`scope`), after it has served this request's own access check. The call passes the same
/// access check as `/api/data`, rate limit included.
#[utoipa::path(get, path = "/tenants/health/details", tag = "health", operation_id = "tenantHealthDetails",
    security(("bearer" = [])),
    params(
        ("X-Tenant-ID" = String, Header, min_length = 1, max_length = 40, pattern = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$",
            description = "The tenant: 1-40 lowercase letters, digits or inner hyphens; the token must belong to it",
            example = "acme"),
    ),
    responses(
        (status = 200, description = "Both databases are up (`ok`, or `degraded` when the shared cache is down)",
            body = TenantHealthDetails),
        (status = 400, description = "X-Tenant-ID missing (MISSING_TENANT_ID) or malformed (INVALID_TENANT_ID)",
            body = ErrorBody),
        (status = 401, description = "Bearer token missing, malformed, invalid, expired or revoked \
                                      (AUTHENTICATION_FAILED)", body = ErrorBody),
        (status = 403, description = "The token does not belong to this tenant (TENANT_ACCESS_DENIED)", body = ErrorBody),
        (status = 404, description = "Unknown or disabled tenant (TENANT_NOT_FOUND)", body = ErrorBody),
        (status = 429, description = "Rate limit of the tenant reached for this caller (RATE_LIMITED)", body = ErrorBody,
            headers(("retry-after" = u64, description = "Seconds until the window resets"))),
        (status = 500, description = "Unexpected failure of the access check, e.g. introspection refused this \
                                      service's own credentials (INTERNAL_ERROR)", body = ErrorBody),
        (status = 503, description = "A database is down: the details with `status` `unavailable`; or the access \
                                      check could not run: introspection unreachable and the token not cached \
                                      (AUTH_SERVICE_UNAVAILABLE) or the directory down (DATABASE_ERROR), as ErrorBody \
                                      with Retry-After", body = inline(DetailsOrError)),
    ))]
#[allow(dead_code)]
fn tenant_health_details() {}
