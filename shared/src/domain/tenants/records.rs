//! The tenant's data: JSON documents with ids and versions, in the tenant's own schema, and
//! the rules of reading and changing them (pages, optimistic concurrency, the audit log).

use super::ids::TenantId;
use super::ports::{Record, RecordStore};
use crate::domain::error::{AppError, ErrorCode};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

/// Largest page of `GET /api/data`.
pub const MAX_PAGE_SIZE: i64 = 100;

/// One page of the tenant's records, newest first.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TenantRecordPage))]
#[serde(rename_all = "camelCase")]
pub struct RecordPage {
    pub records: Vec<Record>,
    /// Pass back as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(nullable = false))]
    pub next_cursor: Option<Uuid>,
}

pub fn not_found(id: Uuid) -> AppError {
    AppError::new(ErrorCode::RecordNotFound, format!("no record {id} in this tenant"))
}

/// What a stored document must be: an object with at least one field, and no NUL character in
/// any key or string. JSON and serde allow NUL; PostgreSQL's JSONB refuses it, so it is the
/// client's mistake, found before any query.
pub fn validate_document(data: &Map<String, Value>) -> Result<(), AppError> {
    if data.is_empty() {
        return Err(AppError::new(ErrorCode::ValidationFailed, "data must have at least one field"));
    }
    if data.iter().any(|(key, value)| key.contains('\0') || contains_nul(value)) {
        return Err(AppError::new(
            ErrorCode::InvalidData,
            "data must not contain NUL characters (\\u0000) in its keys or string values",
        ));
    }
    Ok(())
}

/// Whether a JSON value holds the NUL character in a string or a key, at any depth.
/// (serde_json limits nesting to 128 levels, so the recursion is bounded.)
fn contains_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(contains_nul),
        Value::Object(map) => map.iter().any(|(key, value)| key.contains('\0') || contains_nul(value)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// The records of one granted tenant, over one connection to its database, as one caller:
/// every change is written to the audit log (target `audit`) with who made it.
pub struct Records<'g, R> {
    store: R,
    tenant: &'g TenantId,
    subject: &'g str,
}

impl<'g, R: RecordStore> Records<'g, R> {
    pub fn new(store: R, tenant: &'g TenantId, subject: &'g str) -> Self {
        Self { store, tenant, subject }
    }

    /// Newest first (ids are UUID v7, so id order is creation order); `cursor` = the last id
    /// seen. `nextCursor` is set only when another page follows.
    pub async fn list(&self, limit: i64, cursor: Option<Uuid>) -> Result<RecordPage, AppError> {
        let mut records = self.store.list(limit + 1, cursor).await?;
        let more = records.len() as i64 > limit;
        records.truncate(limit as usize);
        let next_cursor = if more { records.last().map(|r| r.id) } else { None };
        Ok(RecordPage { records, next_cursor })
    }

    pub async fn get(&self, id: Uuid) -> Result<Record, AppError> {
        self.store.find(id).await?.ok_or_else(|| not_found(id))
    }

    /// A new record, version 1, with a UUID v7 id.
    pub async fn create(&self, data: Map<String, Value>) -> Result<Record, AppError> {
        let record = self.store.insert(Uuid::now_v7(), &Value::Object(data)).await?;
        self.audit("data.create", record.id);
        Ok(record)
    }

    /// Replaces the document. With `expected_version`, a concurrent change makes it a conflict
    /// (409 VERSION_CONFLICT) rather than a lost update; without it, the update is unconditional.
    pub async fn update(
        &self,
        id: Uuid,
        data: Map<String, Value>,
        expected_version: Option<i32>,
    ) -> Result<Record, AppError> {
        let record = match self.store.replace(id, &Value::Object(data), expected_version).await? {
            Some(record) => record,
            None if expected_version.is_some() && self.store.find(id).await?.is_some() => {
                return Err(AppError::new(ErrorCode::VersionConflict, "the record was changed since that version"));
            }
            None => return Err(not_found(id)),
        };
        self.audit("data.update", id);
        Ok(record)
    }

    pub async fn delete(&self, id: Uuid) -> Result<(), AppError> {
        if !self.store.delete(id).await? {
            return Err(not_found(id));
        }
        self.audit("data.delete", id);
        Ok(())
    }

    fn audit(&self, action: &'static str, record: Uuid) {
        tracing::info!(
            target: "audit",
            action,
            outcome = "done",
            tenant = %self.tenant,
            subject = %self.subject,
            record = %record,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::directory::TenantConfig;
    use super::super::ports::TenantDatabases;
    use super::*;
    use crate::adapters::memory::MemoryTenantDatabases;

    fn tenant(id: &str) -> TenantConfig {
        TenantConfig {
            id: TenantId::parse(id).unwrap(),
            name: id.into(),
            active: true,
            database: None,
            pool_max_size: 2,
            rate_limit: 10,
            rate_window_seconds: 60,
        }
    }

    fn doc(n: i64) -> Map<String, Value> {
        serde_json::json!({ "n": n }).as_object().cloned().unwrap()
    }

    #[test]
    fn nul_characters_are_found_in_keys_and_values_at_any_depth() {
        for bad in [
            serde_json::json!("a\u{0}b"),
            serde_json::json!({ "k\u{0}": 1 }),
            serde_json::json!([1, [true, { "deep": ["\u{0}"] }]]),
        ] {
            assert!(contains_nul(&bad), "{bad}");
        }
        for ok in [serde_json::json!({ "a": [1, null, "x\\u0000", { "b": false }] }), serde_json::json!("\u{1}")] {
            assert!(!contains_nul(&ok), "{ok}");
        }
        assert_eq!(validate_document(&Map::new()).unwrap_err().code(), "VALIDATION_FAILED");
        let nul_key = serde_json::json!({ "a\u{0}": 1 }).as_object().cloned().unwrap();
        assert_eq!(validate_document(&nul_key).unwrap_err().code(), "INVALID_DATA");
        assert!(validate_document(&doc(1)).is_ok());
    }

    #[tokio::test]
    async fn pages_run_newest_first_and_say_when_another_follows() {
        let databases = MemoryTenantDatabases::default();
        let acme = tenant("acme");
        let records = Records::new(databases.open(&acme).await.unwrap(), &acme.id, "1");
        let mut ids = Vec::new();
        for n in 0..5 {
            ids.push(records.create(doc(n)).await.unwrap().id);
        }
        let first = records.list(2, None).await.unwrap();
        assert_eq!(first.records.iter().map(|r| r.id).collect::<Vec<_>>(), [ids[4], ids[3]]);
        assert_eq!(first.next_cursor, Some(ids[3]));
        let last = records.list(3, first.next_cursor).await.unwrap();
        assert_eq!(last.records.len(), 3);
        assert_eq!(last.next_cursor, None, "exactly the rest: no further page");
    }

    #[tokio::test]
    async fn versions_guard_updates_and_missing_records_are_not_found() {
        let databases = MemoryTenantDatabases::default();
        let acme = tenant("acme");
        let records = Records::new(databases.open(&acme).await.unwrap(), &acme.id, "1");
        let created = records.create(doc(1)).await.unwrap();
        assert_eq!(created.version, 1);
        let updated = records.update(created.id, doc(2), Some(1)).await.unwrap();
        assert_eq!((updated.version, updated.data["n"].as_i64()), (2, Some(2)));
        let stale = records.update(created.id, doc(3), Some(1)).await.unwrap_err();
        assert_eq!((stale.code().as_str(), stale.status()), ("VERSION_CONFLICT", 409));
        assert_eq!(records.update(created.id, doc(4), None).await.unwrap().version, 3, "unconditional");
        let ghost = Uuid::now_v7();
        for err in [
            records.get(ghost).await.unwrap_err(),
            records.update(ghost, doc(5), Some(1)).await.unwrap_err(),
            records.update(ghost, doc(5), None).await.unwrap_err(),
            records.delete(ghost).await.unwrap_err(),
        ] {
            assert_eq!(err.code(), "RECORD_NOT_FOUND");
        }
        records.delete(created.id).await.unwrap();
        assert_eq!(records.get(created.id).await.unwrap_err().code(), "RECORD_NOT_FOUND");
    }

    #[tokio::test]
    async fn a_tenant_sees_only_its_own_records() {
        let databases = MemoryTenantDatabases::default();
        let (acme, globex) = (tenant("acme"), tenant("globex"));
        let mine = Records::new(databases.open(&acme).await.unwrap(), &acme.id, "1");
        let theirs = Records::new(databases.open(&globex).await.unwrap(), &globex.id, "2");
        let id = mine.create(doc(1)).await.unwrap().id;
        assert_eq!(theirs.get(id).await.unwrap_err().code(), "RECORD_NOT_FOUND");
        assert!(theirs.list(10, None).await.unwrap().records.is_empty());
    }
}
