//! The sessions collection: one document per session, keyed by its session id; written from
//! login and logout events (idempotent upserts) and by the session API.

use super::client::{Mongo, changed, mongo_error, once_more_after_network_error};
use crate::domain::error::AppError;
use crate::domain::sessions::{LogoutRecord, NewApiSession, SessionRecord, SessionStore, SessionView};
use mongodb::bson::{self, Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Collection, IndexModel};

pub const SESSIONS: &str = "sessions";

impl Mongo {
    /// The sessions collection, with the indexes its queries need (created once per execution
    /// environment; retried on the next call if that failed).
    async fn sessions(&self) -> Result<Collection<Document>, AppError> {
        let collection = self.collection(SESSIONS);
        self.sessions_indexed
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
                Mongo::create_indexes(&collection, &indexes).await
            })
            .await?;
        Ok(collection)
    }
}

fn to_bson_time(t: chrono::DateTime<chrono::Utc>) -> bson::DateTime {
    bson::DateTime::from_millis(t.timestamp_millis())
}

fn view(d: &Document) -> Option<SessionView> {
    let time =
        |k: &str| d.get_datetime(k).ok().and_then(|t| chrono::DateTime::from_timestamp_millis(t.timestamp_millis()));
    let text = |k: &str| d.get_str(k).ok().map(str::to_string);
    Some(SessionView {
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

impl SessionStore for Mongo {
    async fn record_login(&self, s: &SessionRecord) -> Result<bool, AppError> {
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

    async fn record_logout(&self, l: &LogoutRecord) -> Result<bool, AppError> {
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

    async fn create(&self, s: &NewApiSession) -> Result<SessionView, AppError> {
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

    async fn list(&self, user_id: i64, limit: i64) -> Result<Vec<SessionView>, AppError> {
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
    ) -> Result<Option<SessionView>, AppError> {
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

    async fn find_by_token(&self, token_id: &str) -> Result<Option<SessionView>, AppError> {
        let sessions = &self.sessions().await?;
        let found = once_more_after_network_error(|| async move {
            sessions.find_one(doc! { "tokenId": token_id }).sort(doc! { "startedAt": -1 }).await
        })
        .await
        .map_err(mongo_error)?;
        Ok(found.as_ref().and_then(view))
    }
}
