//! The tenant data service: `/api/data` (a tenant's records, behind introspection, a tenant
//! match and a rate limit) and its health. Every call but the basic health carries a bearer
//! token and `X-Tenant-ID`; each access decision is written to the audit log (target `audit`).

use crate::domain::error::{AppError, ErrorCode};
use crate::domain::health::Probe;
use crate::domain::ratelimit::RateCounter;
use crate::domain::tenants::{
    Granted, Introspector, MAX_PAGE_SIZE, SharedCache, TenantAccess, TenantData, TenantDatabases, TenantDirectory,
    TenantHealthCheck, validate_document,
};
#[cfg(feature = "openapi")]
use crate::domain::tenants::{Record, RecordPage, TenantHealth, TenantHealthDetails};
#[cfg(feature = "openapi")]
use crate::transport::http::ErrorBody;
use crate::transport::http::{self, Body, Request, Response};
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

#[cfg(feature = "openapi")]
use utoipa::openapi::RefOr;
#[cfg(feature = "openapi")]
use utoipa::openapi::schema::{ObjectBuilder, Schema};

#[cfg(feature = "openapi")]
#[derive(utoipa::OpenApi)]
#[openapi(paths(get, create, update, delete, health, health_details), modifiers(&JsonbDocument))]
pub struct Doc;

/// The header naming the tenant a call is for.
pub const TENANT_HEADER: &str = "x-tenant-id";

/// Largest JSON body accepted by `POST`/`PUT /api/data`.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Longest token sent on to introspection. The identity service issues compact JWTs of a few
/// hundred bytes and its endpoint reads at most 8 KiB of form: anything larger (or with
/// characters a JWT never has, which form encoding would triple) is no token of its, and is
/// refused here instead of becoming an introspection error.
const MAX_TOKEN_BYTES: usize = 4096;

fn bearer(req: &Request) -> Result<&str, AppError> {
    let failed = |m: &str| AppError::new(ErrorCode::AuthenticationFailed, m);
    let header =
        http::header_str(req, "authorization").ok_or_else(|| failed("an Authorization: Bearer token is required"))?;
    let token = match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => token.trim(),
        _ => return Err(failed("the Authorization header must be 'Bearer <token>'")),
    };
    let jwt_shaped = token.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if token.len() > MAX_TOKEN_BYTES || !jwt_shaped {
        return Err(failed("the token is invalid, expired or revoked"));
    }
    Ok(token)
}

/// Checks `Authorization` and `X-Tenant-ID` and logs the decision to the audit log.
pub async fn authorize<I, D, S, C>(
    access: &TenantAccess<I, D, S, C>,
    req: &Request,
    action: &'static str,
) -> Result<Granted, AppError>
where
    I: Introspector,
    D: TenantDirectory,
    S: SharedCache,
    C: RateCounter,
{
    let source_ip = http::source_ip(req);
    let tenant_header = http::header_str(req, TENANT_HEADER).map(str::to_string);
    let outcome = async {
        let token = bearer(req)?;
        let tenant = tenant_header
            .as_deref()
            .ok_or_else(|| AppError::new(ErrorCode::MissingTenantId, "the X-Tenant-ID header is required"))?;
        access.authorize(token, tenant, chrono::Utc::now().timestamp()).await
    }
    .await;
    match &outcome {
        Ok(g) => tracing::info!(
            target: "audit",
            action,
            outcome = "allowed",
            tenant = %g.tenant.id,
            subject = %g.caller.subject,
            source_ip = source_ip.as_deref().unwrap_or("-"),
        ),
        Err(e) if e.status() < 500 => tracing::warn!(
            target: "audit",
            action,
            outcome = "denied",
            code = %e.code(),
            tenant = tenant_header.as_deref().map(|t| t.chars().take(64).collect::<String>()).unwrap_or_default(),
            source_ip = source_ip.as_deref().unwrap_or("-"),
        ),
        Err(_) => {}
    }
    outcome
}

/// Adds the rate-limit budget left to a successful answer.
pub fn with_rate_headers(granted: &Granted, mut resp: Response<Body>) -> Response<Body> {
    resp.headers_mut().insert("x-ratelimit-limit", granted.tenant.rate_limit.into());
    resp.headers_mut().insert("x-ratelimit-remaining", granted.rate_remaining.into());
    resp
}

/// `?id=` of `GET`/`PUT`/`DELETE /api/data`.
pub fn record_id(req: &Request, required: bool) -> Result<Option<Uuid>, AppError> {
    match http::query_param(req, "id") {
        None if required => Err(AppError::new(ErrorCode::MissingRecordId, "the 'id' query parameter is required")),
        None => Ok(None),
        Some(raw) => Uuid::parse_str(raw.trim())
            .map(Some)
            .map_err(|_| AppError::new(ErrorCode::InvalidRecordId, "id must be a UUID")),
    }
}

/// `?id=` where the route requires it.
fn required_record_id(req: &Request) -> Result<Uuid, AppError> {
    record_id(req, true)?.ok_or_else(|| AppError::internal("required id missing"))
}

/// `?limit=` (1-100, default 20) and `?cursor=` (the last id of the previous page).
pub fn page_params(req: &Request) -> Result<(i64, Option<Uuid>), AppError> {
    let limit = http::page_limit(req, 20, MAX_PAGE_SIZE)?;
    let cursor = match http::query_param(req, "cursor") {
        None => None,
        Some(raw) => Some(
            Uuid::parse_str(raw.trim())
                .map_err(|_| AppError::new(ErrorCode::InvalidCursor, "cursor is not one this API returned"))?,
        ),
    };
    Ok((limit, cursor))
}

/// The body of `POST`/`PUT /api/data`: a JSON object under `data`; unknown fields refused.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TenantDataBody))]
#[serde(deny_unknown_fields)]
pub struct DataBody {
    #[cfg_attr(feature = "openapi", schema(schema_with = non_empty_object))]
    pub data: Map<String, Value>,
    /// `PUT` only: the version the client read; the update is then refused with 409
    /// VERSION_CONFLICT if the record has changed since (optimistic concurrency). Without it
    /// the update is unconditional. `POST` accepts and ignores it.
    #[serde(default, deserialize_with = "crate::domain::json::integer_opt")]
    #[cfg_attr(feature = "openapi", schema(minimum = -2_147_483_648i32, maximum = 2_147_483_647i32, example = 1))]
    pub version: Option<i32>,
}

impl DataBody {
    pub fn parse(req: &Request) -> Result<Self, AppError> {
        let body: Self = http::parse_json(req, MAX_BODY_BYTES)?;
        validate_document(&body.data)?;
        Ok(body)
    }
}

/// The schema of `DataBody::data`: any JSON object with at least one field.
#[cfg(feature = "openapi")]
fn non_empty_object() -> utoipa::openapi::Object {
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Object)
        .min_properties(Some(1))
        .description(Some("The document: any JSON object with at least one field (stored as PostgreSQL JSONB)."))
        .examples([serde_json::json!({"title": "Q3 report", "pages": 12})])
        .build()
}

#[cfg(feature = "openapi")]
const JSONB_VALUE: &str = "TenantJsonValue";

/// `data` of `POST`/`PUT /api/data` is stored as JSONB, which cannot hold NUL (U+0000) in a key
/// or a string at any depth (400 INVALID_DATA): the schema says so, recursively, instead of "any
/// object". The derived schema's other rules (at least one field) stay.
#[cfg(feature = "openapi")]
struct JsonbDocument;

#[cfg(feature = "openapi")]
impl utoipa::Modify for JsonbDocument {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use crate::transport::openapi::{WITHOUT_NUL, json_object, json_value};
        let Some(components) = doc.components.as_mut() else { return };
        let description = "Any JSON value without NUL (U+0000) in its strings and object keys, at any depth";
        components.schemas.insert(JSONB_VALUE.to_string(), json_value(JSONB_VALUE, description, true));
        let body = components.schemas.get_mut("TenantDataBody");
        let Some(RefOr::T(Schema::Object(body))) = body else { return };
        if let Some(RefOr::T(Schema::Object(data))) = body.properties.get_mut("data") {
            let nul_free = json_object(JSONB_VALUE, ObjectBuilder::new().pattern(Some(WITHOUT_NUL))).build();
            data.property_names = nul_free.property_names;
            data.additional_properties = nul_free.additional_properties;
        }
    }
}

/// One record (with `id`) or one page of records.
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum RecordOrPage {
    Record(Record),
    Page(RecordPage),
}

/// The details with `status` `unavailable`, or `ErrorBody` when the access check itself could
/// not run.
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
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
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/api/data", tag = "tenant data", operation_id = "getTenantData",
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
    )))]
pub async fn get<I, D, S, C, T>(tenants: &TenantData<I, D, S, C, T>, req: Request) -> Result<Response<Body>, AppError>
where
    I: Introspector,
    D: TenantDirectory,
    S: SharedCache,
    C: RateCounter,
    T: TenantDatabases,
{
    let granted = authorize(&tenants.access, &req, "data.read").await?;
    let records = tenants.records(&granted).await?;
    let resp = match record_id(&req, false)? {
        Some(id) => http::json(200, &records.get(id).await?),
        None => {
            let (limit, cursor) = page_params(&req)?;
            http::json(200, &records.list(limit, cursor).await?)
        }
    };
    Ok(with_rate_headers(&granted, resp))
}

/// Create a record
///
/// Stores the JSON object under `data` as a new record of the tenant (`version` is ignored).
/// The body is limited to 64 KiB.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/api/data", tag = "tenant data", operation_id = "createTenantData",
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
    )))]
pub async fn create<I, D, S, C, T>(
    tenants: &TenantData<I, D, S, C, T>,
    req: Request,
) -> Result<Response<Body>, AppError>
where
    I: Introspector,
    D: TenantDirectory,
    S: SharedCache,
    C: RateCounter,
    T: TenantDatabases,
{
    let granted = authorize(&tenants.access, &req, "data.create").await?;
    let body = DataBody::parse(&req)?;
    let record = tenants.records(&granted).await?.create(body.data).await?;
    Ok(with_rate_headers(&granted, http::json(201, &record)))
}

/// Replace a record's document
///
/// Replaces the document of record `id` with `data` and increments its version. With
/// `version`, the update only happens if the record still has that version (409 otherwise);
/// without it, unconditionally. The body is limited to 64 KiB.
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/api/data", tag = "tenant data", operation_id = "updateTenantData",
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
    )))]
pub async fn update<I, D, S, C, T>(
    tenants: &TenantData<I, D, S, C, T>,
    req: Request,
) -> Result<Response<Body>, AppError>
where
    I: Introspector,
    D: TenantDirectory,
    S: SharedCache,
    C: RateCounter,
    T: TenantDatabases,
{
    let granted = authorize(&tenants.access, &req, "data.update").await?;
    let id = required_record_id(&req)?;
    let body = DataBody::parse(&req)?;
    let record = tenants.records(&granted).await?.update(id, body.data, body.version).await?;
    Ok(with_rate_headers(&granted, http::json(200, &record)))
}

/// Delete a record
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/api/data", tag = "tenant data", operation_id = "deleteTenantData",
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
    )))]
pub async fn delete<I, D, S, C, T>(
    tenants: &TenantData<I, D, S, C, T>,
    req: Request,
) -> Result<Response<Body>, AppError>
where
    I: Introspector,
    D: TenantDirectory,
    S: SharedCache,
    C: RateCounter,
    T: TenantDatabases,
{
    let granted = authorize(&tenants.access, &req, "data.delete").await?;
    let id = required_record_id(&req)?;
    tenants.records(&granted).await?.delete(id).await?;
    Ok(with_rate_headers(&granted, http::no_content()))
}

/// Tenant service health
///
/// The service's basic health (`GET /health` of the original service, on its own path). The
/// tenant directory (PostgreSQL) is required: 503 with `status` `unavailable` and `code`
/// DATABASE_ERROR when it is down. The shared cache (DynamoDB) is not: the service falls back to
/// memory, so its outage answers 200 `degraded`. No credentials.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/tenants/health", tag = "tenant data", operation_id = "tenantHealth",
    responses(
        (status = 200, description = "The directory is up (`ok`, or `degraded` when the shared cache is down)",
            body = TenantHealth),
        (status = 503, description = "The directory is down (`unavailable`, code DATABASE_ERROR); the body is the \
                                      health answer", body = TenantHealth),
    )))]
pub async fn health<D: Probe, S: Probe>(
    check: &TenantHealthCheck<D, S>,
    _req: Request,
) -> Result<Response<Body>, AppError> {
    let report = check.report().await;
    Ok(http::json(report.http_status(), &report))
}

/// Tenant service health details
///
/// Detailed metrics for an authenticated caller of a tenant: the directory and the
/// caller's tenant pool (a round trip as the tenant's role), the shared cache and the cache hit
/// rates, the tenant pools and the memory of this execution environment. Each Lambda execution
/// environment has its own memory cache and pools, so the figures are this environment's
/// (`scope`), after it has served this request's own access check. The call passes the same
/// access check as `/api/data`, rate limit included.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/tenants/health/details", tag = "tenant data", operation_id = "tenantHealthDetails",
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
    )))]
pub async fn health_details<I, D, S, C, T>(
    tenants: &TenantData<I, D, S, C, T>,
    req: Request,
) -> Result<Response<Body>, AppError>
where
    I: Introspector,
    D: TenantDirectory + Probe,
    S: SharedCache + Probe,
    C: RateCounter,
    T: TenantDatabases,
{
    let granted = authorize(&tenants.access, &req, "health.details").await?;
    let details = tenants.health_details(&granted).await;
    Ok(http::json(details.status.http_status(), &details))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::{
        MemoryCounter, MemoryIntrospector, MemorySharedCache, MemoryTenantDatabases, MemoryTenantDirectory,
    };
    use crate::domain::tenants::access::tests::{access, token};
    use std::collections::HashMap;

    type Tenants =
        TenantData<MemoryIntrospector, MemoryTenantDirectory, MemorySharedCache, MemoryCounter, MemoryTenantDatabases>;

    /// The fixture of the access tests, with a token of acme valid for an hour from now, and
    /// acme's rate window long enough that no test crosses it.
    fn tenants() -> Tenants {
        let tenants = TenantData {
            access: access(300),
            databases: MemoryTenantDatabases::default(),
            deadline: std::time::Duration::from_secs(1),
        };
        let now = chrono::Utc::now().timestamp();
        tenants.access.introspector.insert("tok-live", token("1", "acme", now + 3600));
        tenants.access.directory.tenants.lock().unwrap()[0].rate_window_seconds = 1_000_000_000;
        tenants
    }

    /// A request of the caller of `tok-live` (tenant acme, 3 requests a window).
    fn request(method: &str, query: &[(&str, &str)], body: Option<Value>) -> Request {
        use lambda_http::RequestExt;
        let mut b = lambda_http::http::Request::builder()
            .method(method)
            .uri("/api/data")
            .header("authorization", "Bearer tok-live")
            .header(TENANT_HEADER, "acme");
        if body.is_some() {
            b = b.header("content-type", "application/json");
        }
        let body = body.map_or(Body::Empty, |v| Body::Text(v.to_string()));
        let query: HashMap<String, String> = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        b.body(body).unwrap().with_query_string_parameters(query)
    }

    fn json_of(resp: &Response<Body>) -> Value {
        match resp.body() {
            Body::Text(t) => serde_json::from_str(t).unwrap(),
            other => panic!("not a JSON body: {other:?}"),
        }
    }

    fn header(resp: &Response<Body>, name: &str) -> String {
        resp.headers()[name].to_str().unwrap().to_string()
    }

    #[test]
    fn only_jwt_shaped_tokens_of_a_sane_size_go_to_introspection() {
        let req = |authorization: &str| {
            lambda_http::http::Request::builder().header("authorization", authorization).body(Body::Empty).unwrap()
        };
        assert_eq!(bearer(&req("Bearer a.b-c_d")).unwrap(), "a.b-c_d");
        for bad in [
            format!("Bearer {}", "a".repeat(MAX_TOKEN_BYTES + 1)),
            "Bearer a%2Eb".into(),
            "Bearer a+b/c=".into(),
            "Basic a".into(),
        ] {
            assert_eq!(bearer(&req(&bad)).unwrap_err().code(), "AUTHENTICATION_FAILED", "{bad:.40}");
        }
    }

    #[tokio::test]
    async fn records_are_created_read_updated_and_deleted_with_the_rate_budget() {
        let tenants = tenants();
        let body = serde_json::json!({ "data": { "title": "Q3" } });
        let created = create(&tenants, request("POST", &[], Some(body))).await.unwrap();
        assert_eq!(created.status(), 201);
        assert_eq!(
            (header(&created, "x-ratelimit-limit"), header(&created, "x-ratelimit-remaining")),
            ("3".into(), "2".into())
        );
        let record = json_of(&created);
        let id = record["id"].as_str().unwrap().to_string();
        assert_eq!((record["version"].as_i64(), record["data"]["title"].as_str()), (Some(1), Some("Q3")));

        let read = get(&tenants, request("GET", &[("id", &id)], None)).await.unwrap();
        assert_eq!((read.status().as_u16(), json_of(&read)["id"].as_str()), (200, Some(id.as_str())));

        let stale = serde_json::json!({ "data": { "title": "Q4" }, "version": 7 });
        let conflict = update(&tenants, request("PUT", &[("id", &id)], Some(stale))).await.unwrap_err();
        assert_eq!((conflict.status(), conflict.code().as_str()), (409, "VERSION_CONFLICT"));

        let limited = delete(&tenants, request("DELETE", &[("id", &id)], None)).await.unwrap_err();
        assert_eq!(limited.code(), "RATE_LIMITED", "the fourth call of the window");
    }

    #[tokio::test]
    async fn each_route_answers_as_before() {
        let tenants = tenants();
        tenants.access.directory.tenants.lock().unwrap()[0].rate_limit = 100;
        let body = serde_json::json!({ "data": { "n": 1 } });
        let id = json_of(&create(&tenants, request("POST", &[], Some(body))).await.unwrap())["id"]
            .as_str()
            .unwrap()
            .to_string();
        let page = get(&tenants, request("GET", &[("limit", "1")], None)).await.unwrap();
        assert_eq!(
            json_of(&page),
            serde_json::json!({ "records": [json_of(&get(&tenants, request("GET", &[("id", &id)], None)).await.unwrap())] })
        );
        let stale = serde_json::json!({ "data": { "n": 2 }, "version": 7 });
        let conflict = update(&tenants, request("PUT", &[("id", &id)], Some(stale))).await.unwrap_err();
        assert_eq!(conflict.code(), "VERSION_CONFLICT");
        let fresh = serde_json::json!({ "data": { "n": 2 }, "version": 1 });
        let updated = update(&tenants, request("PUT", &[("id", &id)], Some(fresh))).await.unwrap();
        assert_eq!((updated.status().as_u16(), json_of(&updated)["version"].as_i64()), (200, Some(2)));
        let deleted = delete(&tenants, request("DELETE", &[("id", &id)], None)).await.unwrap();
        assert_eq!(deleted.status(), 204);
        let code = |r: Result<Response<Body>, AppError>| r.unwrap_err().code();
        assert_eq!(code(delete(&tenants, request("DELETE", &[("id", &id)], None)).await), "RECORD_NOT_FOUND");
        assert_eq!(code(delete(&tenants, request("DELETE", &[], None)).await), "MISSING_RECORD_ID");
        assert_eq!(code(get(&tenants, request("GET", &[("id", "x")], None)).await), "INVALID_RECORD_ID");
        assert_eq!(code(get(&tenants, request("GET", &[("cursor", "x")], None)).await), "INVALID_CURSOR");
        let empty = serde_json::json!({ "data": {} });
        assert_eq!(code(create(&tenants, request("POST", &[], Some(empty))).await), "VALIDATION_FAILED");
        let mut anonymous = request("GET", &[], None);
        anonymous.headers_mut().remove(TENANT_HEADER);
        assert_eq!(code(get(&tenants, anonymous).await), "MISSING_TENANT_ID");
    }

    /// The tenant's database is opened before `?id=`, `?limit=` and `?cursor=` are read: a
    /// database that is down answers 503 whatever the parameters.
    #[tokio::test]
    async fn a_read_opens_the_database_before_reading_its_parameters() {
        let tenants = tenants();
        tenants.databases.set_up(false);
        let err = get(&tenants, request("GET", &[("id", "x")], None)).await.unwrap_err();
        assert_eq!((err.status(), err.code().as_str()), (503, "DATABASE_ERROR"));
    }

    #[tokio::test]
    async fn health_details_need_the_access_check_and_report_503_when_a_database_is_down() {
        let tenants = tenants();
        let ok = health_details(&tenants, request("GET", &[], None)).await.unwrap();
        assert_eq!((ok.status().as_u16(), json_of(&ok)["tenant"].as_str()), (200, Some("acme")));
        tenants.databases.set_up(false);
        let down = health_details(&tenants, request("GET", &[], None)).await.unwrap();
        assert_eq!((down.status().as_u16(), json_of(&down)["status"].as_str()), (503, Some("unavailable")));
        let mut anonymous = request("GET", &[], None);
        anonymous.headers_mut().remove("authorization");
        assert_eq!(health_details(&tenants, anonymous).await.unwrap_err().code(), "AUTHENTICATION_FAILED");
    }
}
