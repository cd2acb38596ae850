-- Deleting a user (chat-users-delete) sets off the foreign keys' referential actions, one query
-- per deleted row that PostgreSQL runs itself. Two had no index and read their whole table:
-- refresh_tokens.user_id (ON DELETE CASCADE) and chat_messages.sender_id (ON DELETE SET NULL).
-- Found by tests/tests/query_plans.rs, which plans every statement with sequential scans off.
CREATE INDEX IF NOT EXISTS refresh_tokens_user_idx ON refresh_tokens (user_id);
-- Partial: messages whose sender was deleted keep NULL and are never looked up by sender.
CREATE INDEX IF NOT EXISTS chat_messages_sender_idx ON chat_messages (sender_id) WHERE sender_id IS NOT NULL;
