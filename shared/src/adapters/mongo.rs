//! MongoDB: session documents. The client is created once and connects on first use; its
//! server-selection timeout bounds how long a request waits when MongoDB is down.

use crate::config::ConfigError;
use crate::config::{ExposeSecret, MongoConfig};
use crate::domain::error::{AppError, Dependency};
use mongodb::bson::{self, Document, doc};
use mongodb::options::{ClientOptions, IndexOptions};
use mongodb::{Client, Collection, IndexModel};
use tokio::sync::OnceCell;

pub const SESSIONS: &str = "sessions";
pub const AUDIT: &str = "audit";

pub struct Mongo {
    client: Client,
    database: String,
    #[cfg_attr(not(feature = "sessions"), allow(dead_code))]
    indexes_ready: OnceCell<()>,
    audit_indexes_ready: OnceCell<()>,
}

fn mongo_error(e: mongodb::error::Error) -> AppError {
    use mongodb::error::ErrorKind;
    match *e.kind {
        ErrorKind::ServerSelection { .. } | ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. } => {
            AppError::unavailable(Dependency::Mongo, e)
        }
        _ => AppError::internal(format!("mongodb error: {e}")),
    }
}

/// Connections pooled before MongoDB restarted fail on first use (a broken pipe); the driver then
/// clears its pool. Every operation of this adapter is idempotent (upserts keyed on ids, `$set`s
/// of values, reads), so it is sent once more, on a fresh connection, instead of answering 503
/// to the first request after the server is back. The driver's own retryable writes do this only
/// on replica sets and never for `update_many`. When MongoDB is really down, the second attempt
/// fails too (server selection is bounded by the dependency timeout).
async fn once_more_after_network_error<T, F, Fut>(mut operation: F) -> mongodb::error::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = mongodb::error::Result<T>>,
{
    use mongodb::error::ErrorKind;
    match operation().await {
        Err(e) if matches!(*e.kind, ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. }) => {
            tracing::info!(error = %e, "mongodb connection lost; trying once more on a new connection");
            operation().await
        }
        other => other,
    }
}

fn is_duplicate_key(e: &mongodb::error::Error) -> bool {
    use mongodb::error::{ErrorKind, WriteFailure};
    match &*e.kind {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == 11000,
        ErrorKind::Command(c) => c.code == 11000,
        _ => false,
    }
}

/// Whether an idempotent upsert changed anything. A duplicate-key error means two deliveries of
/// one event raced and the other one wrote it: nothing changed here.
fn changed(result: mongodb::error::Result<mongodb::results::UpdateResult>) -> Result<bool, AppError> {
    match result {
        Ok(r) => Ok(r.upserted_id.is_some() || r.modified_count > 0),
        Err(e) if is_duplicate_key(&e) => Ok(false),
        Err(e) => Err(mongo_error(e)),
    }
}

#[cfg(not(feature = "mongo-srv"))]
const SRV_NOT_BUILT: &str = "mongodb+srv:// needs DNS SRV lookups, which this function is built without \
     to keep its package small: use the standard mongodb://host1,host2,.../?replicaSet=... form, \
     or build with the `mongo-srv` feature of `shared`";

impl Mongo {
    pub async fn new(config: &MongoConfig) -> Result<Self, ConfigError> {
        #[cfg(not(feature = "mongo-srv"))]
        if config.uri.expose_secret().trim_start().to_ascii_lowercase().starts_with("mongodb+srv://") {
            // The driver's own message names its feature, not ours.
            return Err(ConfigError::Invalid { name: "MONGO_URI", reason: SRV_NOT_BUILT.into() });
        }
        let mut options = ClientOptions::parse(config.uri.expose_secret())
            .await
            .map_err(|e| ConfigError::Invalid { name: "MONGO_URI", reason: e.to_string() })?;
        options.app_name = Some("rust-lambda".into());
        options.server_selection_timeout = Some(config.timeout);
        options.connect_timeout = Some(config.timeout);
        // One request at a time per execution environment.
        options.max_pool_size = Some(options.max_pool_size.unwrap_or(4).min(4));
        let client = Client::with_options(options)
            .map_err(|e| ConfigError::Invalid { name: "MONGO_URI", reason: e.to_string() })?;
        Ok(Self {
            client,
            database: config.database.clone(),
            indexes_ready: OnceCell::new(),
            audit_indexes_ready: OnceCell::new(),
        })
    }

    /// Kept for the areas not yet built by a composition root.
    pub async fn from_env() -> Result<Self, ConfigError> {
        Self::new(&MongoConfig::from_env(&crate::config::Env::process())?).await
    }

    pub async fn ping(&self) -> Result<Option<serde_json::Value>, AppError> {
        // Not retried: a health check reports the state of the moment, within its own deadline.
        self.client.database(&self.database).run_command(doc! { "ping": 1 }).await.map_err(mongo_error)?;
        Ok(None)
    }

    /// Creates the indexes the session queries need, once per execution environment
    /// (createIndexes is idempotent server-side). Retried on the next call if it failed.
    #[cfg_attr(not(feature = "sessions"), allow(dead_code))]
    async fn sessions(&self) -> Result<Collection<Document>, AppError> {
        let collection = self.client.database(&self.database).collection::<Document>(SESSIONS);
        self.indexes_ready
            .get_or_try_init(|| async {
                // Early builds keyed sessions on loginEventId; logout tombstones have none.
                let _ = collection.drop_index("loginEventId_unique").await;
                let indexes = [
                    IndexModel::builder()
                        .keys(doc! { "sessionId": 1 })
                        // Partial: documents written before sessions had ids are left out.
                        .options(
                            IndexOptions::builder()
                                .name("sessionId_unique".to_string())
                                .unique(true)
                                .partial_filter_expression(doc! { "sessionId": { "$exists": true } })
                                .build(),
                        )
                        .build(),
                    IndexModel::builder()
                        .keys(doc! { "userId": 1, "startedAt": -1 })
                        .options(IndexOptions::builder().name("userId_startedAt".to_string()).build())
                        .build(),
                    IndexModel::builder()
                        .keys(doc! { "tokenId": 1 })
                        .options(IndexOptions::builder().name("tokenId".to_string()).build())
                        .build(),
                ];
                let (collection, indexes) = (&collection, &indexes);
                once_more_after_network_error(|| async move { collection.create_indexes(indexes.clone()).await })
                    .await
                    .map(|_| ())
                    .map_err(mongo_error)
            })
            .await?;
        Ok(collection)
    }
}

#[cfg(feature = "sessions")]
fn to_bson_time(t: chrono::DateTime<chrono::Utc>) -> bson::DateTime {
    bson::DateTime::from_millis(t.timestamp_millis())
}

#[cfg(feature = "sessions")]
fn view(d: &Document) -> Option<crate::domain::sessions::SessionView> {
    let time =
        |k: &str| d.get_datetime(k).ok().and_then(|t| chrono::DateTime::from_timestamp_millis(t.timestamp_millis()));
    let text = |k: &str| d.get_str(k).ok().map(str::to_string);
    Some(crate::domain::sessions::SessionView {
        session_id: text("sessionId")?,
        user_id: d.get_i64("userId").ok()?,
        username: text("username").unwrap_or_default(),
        status: text("status").unwrap_or_else(|| "active".into()),
        origin: text("origin").unwrap_or_else(|| "login".into()),
        started_at: time("startedAt"),
        ended_at: time("endedAt"),
        last_seen_at: time("lastSeenAt"),
        user_agent: text("userAgent"),
        source_ip: text("sourceIp"),
        metadata: d
            .get_document("metadata")
            .ok()
            .and_then(|m| serde_json::to_value(bson::Bson::Document(m.clone()).into_relaxed_extjson()).ok())
            .unwrap_or_else(|| serde_json::json!({})),
    })
}

#[cfg(feature = "sessions")]
impl crate::domain::sessions::SessionStore for Mongo {
    async fn record_login(&self, s: &crate::domain::sessions::SessionRecord) -> Result<bool, AppError> {
        let sessions = &self.sessions().await?;
        let result = once_more_after_network_error(|| async move {
            sessions
                .update_one(
                    doc! { "sessionId": s.session_id() },
                    doc! {
                        "$set": {
                            "userId": s.user_id,
                            "username": &s.username,
                            "loginEventId": s.login_event_id.to_string(),
                            "startedAt": to_bson_time(s.started_at),
                            "userAgent": s.user_agent.as_deref(),
                            "sourceIp": s.source_ip.as_deref(),
                            "tokenId": s.token_id.as_deref(),
                        },
                        "$setOnInsert": {
                            "status": "active",
                            "origin": "login",
                            "metadata": {},
                            "recordedAt": bson::DateTime::now(),
                        },
                    },
                )
                .upsert(true)
                .await
        })
        .await;
        changed(result)
    }

    async fn record_logout(&self, l: &crate::domain::sessions::LogoutRecord) -> Result<bool, AppError> {
        let sessions = &self.sessions().await?;
        let result = once_more_after_network_error(|| async move {
            sessions
            .update_one(
                doc! { "sessionId": &l.session_id },
                doc! {
                    "$set": { "status": "ended", "endedAt": to_bson_time(l.ended_at), "logoutEventId": l.logout_event_id.to_string() },
                    "$setOnInsert": {
                        "userId": l.user_id,
                        "username": &l.username,
                        "tokenId": &l.session_id,
                        "origin": "login",
                        "metadata": {},
                        "recordedAt": bson::DateTime::now(),
                    },
                },
            )
            .upsert(true)
            .await
        })
        .await;
        changed(result)
    }

    async fn last_connection(&self, user_id: i64) -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
        let sessions = &self.sessions().await?;
        let latest = once_more_after_network_error(|| async move {
            sessions
                .find_one(doc! { "userId": user_id, "startedAt": { "$exists": true } })
                .sort(doc! { "startedAt": -1 })
                .projection(doc! { "startedAt": 1, "_id": 0 })
                .await
        })
        .await
        .map_err(mongo_error)?;
        Ok(latest
            .and_then(|d| d.get_datetime("startedAt").ok().copied())
            .and_then(|t| chrono::DateTime::from_timestamp_millis(t.timestamp_millis())))
    }

    async fn create(
        &self,
        s: &crate::domain::sessions::NewApiSession,
    ) -> Result<crate::domain::sessions::SessionView, AppError> {
        let sessions = self.sessions().await?;
        let metadata = bson::to_bson(&s.metadata).map_err(AppError::internal)?;
        let document = doc! {
            "sessionId": &s.session_id,
            "userId": s.user_id,
            "username": &s.username,
            "tokenId": &s.token_id,
            "status": "active",
            "origin": "api",
            "startedAt": to_bson_time(s.now),
            "lastSeenAt": to_bson_time(s.now),
            "userAgent": s.user_agent.as_deref(),
            "sourceIp": s.source_ip.as_deref(),
            "metadata": metadata,
            "recordedAt": bson::DateTime::now(),
        };
        // An upsert on the new (random) id rather than an insert, so sending it twice is harmless.
        let (sessions, inserted) = (&sessions, &document);
        once_more_after_network_error(|| async move {
            sessions
                .update_one(doc! { "sessionId": &s.session_id }, doc! { "$setOnInsert": inserted })
                .upsert(true)
                .await
        })
        .await
        .map_err(mongo_error)?;
        view(&document).ok_or_else(|| AppError::internal("session document without id"))
    }

    async fn list(&self, user_id: i64, limit: i64) -> Result<Vec<crate::domain::sessions::SessionView>, AppError> {
        use futures_util::TryStreamExt as _;
        let sessions = &self.sessions().await?;
        let docs: Vec<Document> = once_more_after_network_error(|| async move {
            sessions
                .find(doc! { "userId": user_id })
                .sort(doc! { "startedAt": -1 })
                .limit(limit)
                .await?
                .try_collect()
                .await
        })
        .await
        .map_err(mongo_error)?;
        Ok(docs.iter().filter_map(view).collect())
    }

    async fn touch(
        &self,
        user_id: i64,
        session_id: &str,
        metadata: Option<&serde_json::Map<String, serde_json::Value>>,
    ) -> Result<Option<crate::domain::sessions::SessionView>, AppError> {
        let sessions = self.sessions().await?;
        let mut set = doc! { "lastSeenAt": bson::DateTime::now() };
        for (key, value) in metadata.into_iter().flatten() {
            set.insert(format!("metadata.{key}"), bson::to_bson(value).map_err(AppError::internal)?);
        }
        let (sessions, set) = (&sessions, &set);
        let updated = once_more_after_network_error(|| async move {
            sessions
                .find_one_and_update(doc! { "userId": user_id, "sessionId": session_id }, doc! { "$set": set })
                .return_document(mongodb::options::ReturnDocument::After)
                .await
        })
        .await
        .map_err(mongo_error)?;
        Ok(updated.as_ref().and_then(view))
    }

    async fn end(&self, user_id: i64, session_id: Option<&str>) -> Result<u64, AppError> {
        let sessions = self.sessions().await?;
        let mut filter = doc! { "userId": user_id, "status": "active" };
        if let Some(id) = session_id {
            filter.insert("sessionId", id);
        }
        let (sessions, filter) = (&sessions, &filter);
        let result = once_more_after_network_error(|| async move {
            sessions
                .update_many(filter.clone(), doc! { "$set": { "status": "ended", "endedAt": bson::DateTime::now() } })
                .await
        })
        .await
        .map_err(mongo_error)?;
        Ok(result.modified_count)
    }

    async fn find_by_token(&self, token_id: &str) -> Result<Option<crate::domain::sessions::SessionView>, AppError> {
        let sessions = &self.sessions().await?;
        let found = once_more_after_network_error(|| async move {
            sessions.find_one(doc! { "tokenId": token_id }).sort(doc! { "startedAt": -1 }).await
        })
        .await
        .map_err(mongo_error)?;
        Ok(found.as_ref().and_then(view))
    }
}

impl Mongo {
    async fn audit(&self) -> Result<Collection<Document>, AppError> {
        let collection = self.client.database(&self.database).collection::<Document>(AUDIT);
        self.audit_indexes_ready
            .get_or_try_init(|| async {
                let indexes = [
                    IndexModel::builder()
                        .keys(doc! { "eventId": 1 })
                        .options(IndexOptions::builder().name("eventId_unique".to_string()).unique(true).build())
                        .build(),
                    IndexModel::builder()
                        .keys(doc! { "userId": 1, "occurredAt": -1 })
                        .options(IndexOptions::builder().name("userId_occurredAt".to_string()).build())
                        .build(),
                ];
                let (collection, indexes) = (&collection, &indexes);
                once_more_after_network_error(|| async move { collection.create_indexes(indexes.clone()).await })
                    .await
                    .map(|_| ())
                    .map_err(mongo_error)
            })
            .await?;
        Ok(collection)
    }
}

impl crate::domain::audit::AuditTrail for Mongo {
    async fn record(&self, r: &crate::domain::audit::AuditRecord) -> Result<bool, AppError> {
        let audit = self.audit().await?;
        let data = bson::to_bson(&r.data).map_err(AppError::internal)?;
        let document = doc! {
            "eventId": r.event_id.to_string(),
            "type": &r.event_type,
            "occurredAt": bson::DateTime::from_millis(r.occurred_at.timestamp_millis()),
            "source": &r.source,
            "userId": r.user_id,
            "username": r.username.as_deref(),
            "data": data,
            "recordedAt": bson::DateTime::now(),
        };
        let (audit, document) = (&audit, &document);
        changed(
            once_more_after_network_error(|| async move {
                audit
                    .update_one(doc! { "eventId": r.event_id.to_string() }, doc! { "$setOnInsert": document })
                    .upsert(true)
                    .await
            })
            .await,
        )
    }
}

impl crate::domain::health::Probe for Mongo {
    fn probe(&self) -> crate::domain::health::ProbeFuture<'_> {
        Box::pin(self.ping())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(uri: &str) -> MongoConfig {
        MongoConfig { uri: uri.into(), database: "sessions".into(), timeout: std::time::Duration::from_secs(1) }
    }

    #[cfg(not(feature = "mongo-srv"))]
    #[tokio::test]
    async fn an_srv_uri_without_the_feature_is_a_config_error_that_says_what_to_do() {
        let Err(error) = Mongo::new(&config("mongodb+srv://user:pw@cluster0.example.mongodb.net/")).await else {
            panic!("an SRV URI was accepted without DNS SRV support");
        };
        let message = error.to_string();
        assert!(message.contains("MONGO_URI") && message.contains("mongo-srv"), "{message}");
        assert!(!message.contains("pw"), "the error must not echo credentials: {message}");
    }

    #[tokio::test]
    async fn a_standard_uri_with_several_hosts_is_accepted_without_connecting() {
        let uri = "mongodb://user:pw@db-0.example.net:27017,db-1.example.net:27017/?replicaSet=rs0&tls=true";
        assert!(Mongo::new(&config(uri)).await.is_ok());
    }
}
